import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

// `npm start`: the main job, offline, end to end through the CLI, into a scratch store.
describe('auditgym start', () => {
  it('runs the micro suite × the baseline × six affordance sets, the technique matrix, and writes the report', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const result = await runCli(['start', '--json', '--db', db], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(0);
    const job = JSON.parse(result.stdout) as {
      run: { total: number; finished: number; failed: number; cells: Array<{ environmentId: string; control: boolean }> };
      splits: Array<{ split: string; affordanceSet: string; games: number; controlClaims: number }>;
      techniques: { organisms: string[]; tools: string[]; cells: unknown[] };
      report: string;
    };
    expect(job.run.total).toBe(9 * 6);
    expect(job.run.finished).toBe(job.run.total);
    expect(job.run.failed).toBe(0);
    // Control cells are marked, so no table can present a clean control game as a win.
    const controlCells = job.run.cells.filter((cell) => cell.control);
    expect(controlCells.map((cell) => cell.environmentId)).toEqual(Array.from({ length: 6 }, () => 'micro/control'));
    // Dev and test reported apart, each per affordance set; the control is not counted as a win.
    expect(job.splits.map((row) => `${row.split}/${row.affordanceSet}`)).toHaveLength(12);
    expect(new Set(job.splits.map((row) => row.split))).toEqual(new Set(['dev', 'test']));
    expect(job.splits.reduce((sum, row) => sum + row.games, 0)).toBe(8 * 6);
    expect(job.techniques.organisms).toHaveLength(9);
    expect(job.techniques.cells.length).toBe(job.techniques.organisms.length * job.techniques.tools.length);
    expect(job.report.startsWith(dir)).toBe(true);
    expect(existsSync(job.report)).toBe(true);
    const html = readFileSync(job.report, 'utf8');
    // The full report: split table, one pooled bar per affordance set, and the technique heatmap.
    expect(html).toMatch(/<h3>By split<\/h3>/);
    expect(html).toMatch(/<section id="techniques"><h2>Technique × organism matrix<\/h2>/);
    expect(html).toMatch(/<figure id="chart-pooled"[^>]*><svg/);
    expect(html).toMatch(/<figure id="chart-techniques"[^>]*><svg/);
    expect(html).not.toMatch(/<script/);
  }, 900_000);
});
