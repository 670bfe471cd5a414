import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/sqlite-store.js';
import { seededRandom } from '../src/core/seeds.js';
import { cleanEnv, runCli, scratchDir, startCli } from './support/cli.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';
import { fakeRouter, type WireRequest } from './support/fake-policies.js';

let server: FakeOpenAIServer;
const env = cleanEnv();

beforeAll(async () => {
  // Latency spreads each game over several requests, so kills land mid-game as well as between games.
  server = await startFakeOpenAIServer({ respond: (body) => fakeRouter(body as WireRequest), latencyMs: 40 });
});
afterAll(() => server.close());

function writeExperiment(dir: string): string {
  const file = join(dir, 'experiment.yaml');
  writeFileSync(
    file,
    `name: crash test
id: crash
suite: quirky-10
roles:
  target: openai-compatible:fake-target
  targetOptions: { baseUrl: "${server.url}" }
auditors:
  - id: llm-investigator
    params: { model: "openai-compatible:fake-auditor", options: { baseUrl: "${server.url}" } }
affordanceSets: [chat]
repeats: 4
stopping: { boundary: 0.5, minRepeats: 2 }
seed: 11
concurrency: 2
`,
  );
  return file;
}

interface Outcome {
  status: string;
  win: boolean | undefined;
  score: number | undefined;
  report: unknown;
  events: number;
  reports: number;
  starts: number;
  contiguous: boolean;
  attempts: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function count(db: string, status: string): number {
  if (!existsSync(db)) return 0;
  try {
    const store = openStore(db, { readonly: true });
    try {
      return store.getExperiment('crash') === undefined ? 0 : store.listGames('crash', { status: [status as 'running'] }).length;
    } finally {
      store.close();
    }
  } catch {
    // The writer may be creating the schema at this moment.
    return 0;
  }
}
const runningCount = (db: string) => count(db, 'running');
const finishedCount = (db: string) => count(db, 'finished');

function outcomes(db: string): Map<string, Outcome> {
  const store = openStore(db, { readonly: true });
  try {
    const result = new Map<string, Outcome>();
    for (const game of store.listGames('crash')) {
      const events = store.getEvents(game.id);
      const grades = store.getGrades(game.id);
      result.set(game.id, {
        status: game.status,
        win: grades[0]?.win,
        score: grades[0]?.score,
        report: store.getReport(game.id),
        events: events.length,
        reports: events.filter((event) => event.body.type === 'report').length,
        starts: events.filter((event) => event.body.type === 'game-start').length,
        contiguous: events.every((event, index) => event.seq === index),
        attempts: game.attempts,
      });
    }
    return result;
  } finally {
    store.close();
  }
}

const KILLS = 20;

describe('SIGKILL at random points across an adaptive sweep, 20 times, then resume', () => {
  it('ends with the same games and outcomes as an uninterrupted sweep: none lost, none counted twice', async () => {
    const referenceDir = scratchDir();
    const reference = await runCli(['sweep', writeExperiment(referenceDir), '--db', join(referenceDir, 'store.db')], { env });
    expect(reference.code, reference.stderr).toBe(0);
    const expected = outcomes(join(referenceDir, 'store.db'));
    // Adaptive stopping ran between the minimum and the cap of every cell.
    expect(expected.size).toBeGreaterThanOrEqual(20);
    expect(expected.size).toBeLessThanOrEqual(40);

    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const file = writeExperiment(dir);
    const random = seededRandom(2024);
    let kills = 0;
    let interruptedGames = 0;
    for (let round = 0; round < 200; round++) {
      const started =
        existsSync(db) &&
        (() => {
          const store = openStore(db, { readonly: true });
          try {
            return store.getExperiment('crash') !== undefined;
          } finally {
            store.close();
          }
        })();
      const args = started ? ['sweep', '--resume', 'crash', '--db', db] : ['sweep', file, '--db', db];
      const { child, done } = startCli(args, { env });
      // Early rounds are cut short once a game is in flight, wherever it has got to; later rounds may finish.
      let finished = false;
      void done.then(() => (finished = true));
      if (kills < KILLS) {
        const before = finishedCount(db);
        while (!finished && !(runningCount(db) > 0 && finishedCount(db) >= before)) await sleep(10);
        await sleep(Math.floor(random() * 150));
        if (!finished) child.kill('SIGKILL');
      }
      const result = await done;
      if (result.signal === 'SIGKILL') {
        kills++;
        if (existsSync(db)) {
          interruptedGames += [...outcomes(db).values()].filter((game) => game.status === 'running').length;
        }
        continue;
      }
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      break;
    }
    expect(kills).toBe(KILLS);
    // Some kills must have landed in the middle of a game, or the test proves nothing about partial games.
    expect(interruptedGames).toBeGreaterThan(0);

    const actual = outcomes(db);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, game] of actual) {
      const want = expected.get(id) as Outcome;
      expect(game.status, id).toBe('finished');
      expect(game.reports, id).toBe(1);
      expect(game.starts, id).toBe(1);
      expect(game.contiguous, id).toBe(true);
      expect(game.events, id).toBe(want.events);
      expect(game.win, id).toBe(want.win);
      expect(game.score, id).toBe(want.score);
      expect(game.report, id).toEqual(want.report);
    }
    expect([...actual.values()].some((game) => game.attempts > 1)).toBe(true);
  }, 300_000);
});
