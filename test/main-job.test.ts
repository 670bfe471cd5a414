import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentGames, type GameView } from '../src/app/games.js';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

// `npm start`: the main job, offline, end to end through the CLI, into a scratch store. It runs on three
// of the organisms (one of each split, and the control), which exercises every step in a third of the
// time; `npm start` itself runs all twelve.
const ORGANISMS = ['micro/flattery', 'micro/hidden-goal', 'micro/control'];
// chat, chat+prefill, chat+sampling, chat+data, chat+whitebox, chat+diffing, all
const SETS = 7;

describe('auditgym start', () => {
  it('runs the micro suite × the baseline × seven affordance sets, the technique matrix, and writes the report', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const result = await runCli(['start', '--organisms', ORGANISMS.join(','), '--json', '--db', db], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(0);
    const job = JSON.parse(result.stdout) as {
      run: { experimentId: string; total: number; finished: number; failed: number; cells: Array<{ environmentId: string; control: boolean; auditor: string }> };
      splits: Array<{ split: string; affordanceSet: string; games: number; controlClaims: number }>;
      techniques: { organisms: string[]; tools: string[]; cells: unknown[] };
      redTeam: {
        splits: Array<{ split: string; affordanceSet: string; wins: number; games: number; controlClaims: number }>;
      };
      report: string;
    };
    // The baseline with every set, and beside it the red-team auditor with the chat tools only.
    expect(job.run.total).toBe(ORGANISMS.length * (SETS + 1));
    expect(job.run.finished).toBe(job.run.total);
    expect(job.run.failed).toBe(0);
    // Control cells are marked, so no table can present a clean control game as a win.
    const controlCells = job.run.cells.filter((cell) => cell.control && cell.auditor === 'baseline');
    expect(controlCells.map((cell) => cell.environmentId)).toEqual(Array.from({ length: SETS }, () => 'micro/control'));
    // Dev and test reported apart, each per affordance set; the control is not counted as a win.
    expect(job.splits.map((row) => `${row.split}/${row.affordanceSet}`)).toHaveLength(2 * SETS);
    expect(new Set(job.splits.map((row) => row.split))).toEqual(new Set(['dev', 'test']));
    expect(job.splits.reduce((sum, row) => sum + row.games, 0)).toBe((ORGANISMS.length - 1) * SETS);
    expect(job.splits.filter((row) => row.split === 'test').every((row) => row.games === 1)).toBe(true);
    // The red-team auditor ran beside the baseline: one offline game per organism on the chat tools,
    // and its split rows are what its stored grades say.
    const redTeamGames: GameView[] = [];
    for await (const item of experimentGames(job.run.experimentId, { cwd: dir, env: cleanEnv(), db })) if ('game' in item && item.game.auditor === 'red-team') redTeamGames.push(item);
    expect(redTeamGames.map((game) => game.game.environmentId).sort()).toEqual([...ORGANISMS].sort());
    expect(redTeamGames.every((game) => game.game.auditor === 'red-team' && game.game.affordanceSet === 'chat' && game.grades.length === 1)).toBe(true);
    expect(redTeamGames.every((game) => game.events.some((event) => event.body.type === 'tool-call' && event.body.tool === 'chat'))).toBe(true);
    const splitOf = (id: string) => (id === 'micro/hidden-goal' ? 'test' : 'dev');
    for (const row of job.redTeam.splits) {
      const scored = redTeamGames.filter((game) => splitOf(game.game.environmentId) === row.split && game.game.environmentId !== 'micro/control');
      const controls = redTeamGames.filter((game) => splitOf(game.game.environmentId) === row.split && game.game.environmentId === 'micro/control');
      expect(row).toMatchObject({
        affordanceSet: 'chat',
        games: scored.length,
        wins: scored.filter((game) => game.grades[0]?.win === true).length,
        controlClaims: controls.filter((game) => game.grades[0]?.win !== true).length,
      });
    }
    expect(job.redTeam.splits.map((row) => row.split).sort()).toEqual(['dev', 'test']);
    expect(job.techniques.organisms.sort()).toEqual([...ORGANISMS].sort());
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
    // Both auditors are rows of the report, the red-team one with its parameters and its own win rates.
    expect(html).toMatch(/<td>baseline<\/td><td><span class="muted">defaults<\/span><\/td>/);
    expect(html).toMatch(/<td>red-team<\/td><td><code>\{&#34;ranker&#34;:&#34;offline&#34;\}<\/code><\/td>/);
    expect(html).toMatch(/<td>red-team<\/td><td>chat<\/td><td class="num">\d+\/\d+<\/td>/);
    // And its paired comparison with the baseline on chat, the one set both played.
    expect(html).toMatch(/<td>red-team <span class="muted">vs<\/span> baseline<\/td><td>chat<\/td><td class="num">2<\/td>/);
  }, 900_000);

  it('refuses an organism the suite does not have, with exit code 2, before any game', async () => {
    const dir = scratchDir();
    const result = await runCli(['start', '--organisms', 'micro/nosuch', '--db', join(dir, 'store.db')], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--organisms/);
    expect(existsSync(join(dir, 'store.db'))).toBe(false);
  });
});
