import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperimentSpec } from '../src/app/experiments.js';
import { runTechniqueMatrix } from '../src/app/techniques.js';
import { openStore } from '../src/store/sqlite-store.js';
import { scratchDir } from './support/cli.js';

// The same small experiment and matrix on one thread and on two worker threads: seeds and outcomes
// belong to the games, not to where or in which order they ran, so everything graded must match.
const EXPERIMENT = {
  id: 'workers-check',
  name: 'workers check',
  suite: 'micro',
  environments: ['micro/flattery', 'micro/backdoor', 'micro/control'],
  auditors: [{ id: 'baseline' }],
  affordanceSets: ['chat', 'chat+diffing', 'chat+data'],
  repeats: 1,
  seed: 11,
  concurrency: 2,
};

function storedGames(db: string) {
  const store = openStore(db, { readonly: true });
  try {
    return store.listGames(EXPERIMENT.id).map((game) => ({
      id: game.id,
      status: game.status,
      environment: game.environmentId,
      set: game.affordanceSet,
      report: store.getReport(game.id),
      grades: store.getGrades(game.id),
      tools: store
        .getEvents(game.id)
        .filter((event) => event.body.type === 'tool-result')
        .map((event) => JSON.stringify(event.body).replace(/"(?:durationMs|at|ms)":[\d.]+,?/g, '')),
    }));
  } finally {
    store.close();
  }
}

describe('worker threads', () => {
  it('give the same games, reports and grades with one worker and with two', async () => {
    const runs = [];
    for (const workers of ['1', '2']) {
      const dir = scratchDir('auditgym-workers-');
      const db = join(dir, 'store.db');
      const result = await runExperimentSpec(EXPERIMENT, { cwd: dir, env: { AUDITGYM_WORKERS: workers }, db });
      expect(result.failed).toBe(0);
      expect(result.finished).toBe(9);
      runs.push({ workers: result.workers, cells: result.cells, games: storedGames(db) });
    }
    const [one, two] = runs;
    expect(one?.workers).toBe(1);
    expect(two?.workers).toBe(2);
    expect(two?.games).toEqual(one?.games);
    expect(two?.cells).toEqual(one?.cells);
    // Not a vacuous match: the games were graded, and the grades differ between organisms.
    expect(one?.games.every((game) => game.status === 'finished' && game.grades.length > 0)).toBe(true);
    expect(new Set(one?.games.map((game) => game.grades[0]?.win)).size).toBe(2);
  }, 240_000);

  it('give the same technique matrix with one worker and with two', async () => {
    const matrices = [];
    for (const workers of ['1', '2']) {
      const dir = scratchDir('auditgym-workers-');
      matrices.push(
        await runTechniqueMatrix({
          cwd: dir,
          env: { AUDITGYM_WORKERS: workers },
          db: join(dir, 'store.db'),
          suite: 'micro',
          organisms: ['micro/flattery', 'micro/sandbagging', 'micro/control'],
          tools: ['chat', 'diff_user_turns', 'semantic_search'],
        }),
      );
    }
    const [one, two] = matrices;
    expect(two).toEqual(one);
    expect(one?.cells.filter((cell) => cell.status === 'graded')).toHaveLength(9);
    expect(one?.controlFinds).toHaveLength(1);
    expect(one?.baseControl?.cells).toHaveLength(3);
    expect(one?.cells.some((cell) => cell.win === true)).toBe(true);
  }, 240_000);
});
