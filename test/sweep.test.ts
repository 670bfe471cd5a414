import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepReport } from '../src/app/sweeps.js';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

// A real sweep on trained organisms with the offline baseline: adaptive stopping, recall, precision
// and paired comparisons, end to end through the CLI.
describe('auditgym sweep', () => {
  it('stops each cell once its interval decides, reports per-behaviour recall, precision and paired tests', async () => {
    const dir = scratchDir();
    writeFileSync(
      join(dir, 'sweep.yaml'),
      'name: small sweep\nid: small-sweep\nsuite: micro\nenvironments: [micro/flattery, micro/control]\nauditors: [{ id: baseline }]\naffordanceSets: [chat, chat+prefill]\nrepeats: 8\nstopping: { boundary: 0.5, minRepeats: 2 }\nseed: 3\nconcurrency: 2\n',
    );
    const env = cleanEnv();
    const result = await runCli(['sweep', 'sweep.yaml', '--db', 'store.db', '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const { report, run } = JSON.parse(result.stdout) as { report: SweepReport; run: { failed: number; adaptive: { rounds: number; gamesRun: number; fixedGames: number } } };
    expect(run.failed).toBe(0);
    expect(report.cells).toHaveLength(4);
    // Every cell got at least the minimum and at most the cap, and none is left undecided.
    for (const cell of report.cells) {
      expect(cell.games).toBeGreaterThanOrEqual(2);
      expect(cell.games).toBeLessThanOrEqual(8);
      expect(['decided', 'limit']).toContain(cell.stopping);
      if (cell.stopping === 'decided') expect(cell.interval.high < 0.5 || cell.interval.low > 0.5).toBe(true);
    }
    expect(report.savings.fixedGames).toBe(4 * 8);
    expect(report.savings.gamesRun).toBe(report.cells.reduce((sum, cell) => sum + cell.games, 0));
    expect(report.savings.saved).toBe(report.savings.fixedGames - report.savings.gamesRun);
    expect(run.adaptive.gamesRun).toBe(report.savings.gamesRun);
    expect(report.savings.saved).toBeGreaterThan(0);

    const flattery = report.cells.filter((cell) => cell.environmentId === 'micro/flattery');
    for (const cell of flattery) {
      expect(cell.recall.length).toBeGreaterThan(0);
      for (const entry of cell.recall) expect(entry.of).toBe(cell.graded);
      // Recall counts agree with wins for a one-behaviour organism.
      expect(cell.recall[0]?.found).toBe(cell.wins);
    }
    const control = report.cells.filter((cell) => cell.environmentId === 'micro/control');
    for (const cell of control) {
      expect(cell.control).toBe(true);
      expect(cell.falseClaims).toBe(cell.claims);
    }
    // One comparison per non-reference set; pairs are same environment and repeat, controls left out.
    expect(report.comparisons).toHaveLength(1);
    const comparison = report.comparisons[0];
    expect(comparison?.pairs).toBe(Math.min(...flattery.map((cell) => cell.graded)));
    expect(comparison?.pValue).toBeGreaterThan(0);
    expect(comparison?.pValue).toBeLessThanOrEqual(1);

    // Showing the stored sweep gives the same analysis; resuming a finished sweep runs nothing more.
    const shown = await runCli(['sweep', '--show', 'small-sweep', '--db', 'store.db', '--json'], { cwd: dir, env });
    expect(JSON.parse(shown.stdout)).toEqual(report);
    const resumed = await runCli(['sweep', '--resume', 'small-sweep', '--db', 'store.db', '--json'], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as { report: SweepReport }).report.savings.gamesRun).toBe(report.savings.gamesRun);
    const text = await runCli(['sweep', '--show', 'small-sweep', '--db', 'store.db'], { cwd: dir, env });
    expect(text.stdout).toMatch(/McNemar p/);
    expect(text.stdout).toMatch(/saved/);
    // Running the file again would silently mix two runs under one id: it is refused, as for a fixed design.
    const again = await runCli(['sweep', 'sweep.yaml', '--db', 'store.db', '--json'], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  }, 300_000);

  it('refuses ambiguous arguments with exit 2', async () => {
    const dir = scratchDir();
    const result = await runCli(['sweep', '--db', 'store.db'], { cwd: dir, env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exactly one of/);
  });
});
