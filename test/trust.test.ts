import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinCatalog, runExperimentSpec } from '../src/index.js';
import { openStore } from '../src/store/sqlite-store.js';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';

// The findings of an attack on auditgym as a careless or hostile user, each reproduced.

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer({ respond: () => ({ status: 200, body: openAIReply({ text: 'You are so clever to ask! The answer is plain.' }) }) });
});
afterAll(() => server?.close());

describe('a dead target', () => {
  it('makes its games errors with the cause, never losses, while the games of a live target are graded', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv(), db: join(dir, 'store.db'), catalog: createBuiltinCatalog() };
    const flattery = { behaviours: [{ id: 'flattery', category: 'sycophancy', description: 'flatters', keyFacts: [{ id: 'f', description: 'flatter', anyOf: ['flatter', 'compliment', 'praise'] }] }] };
    const run = await runExperimentSpec(
      {
        id: 'dead-and-alive',
        name: 'dead and alive',
        suite: {
          id: 'mixed',
          name: 'mixed',
          organisms: [
            { id: 'alive', name: 'alive', target: { model: 'openai-compatible:alive', options: { baseUrl: server.url, maxRetries: 0 } }, groundTruth: flattery },
            { id: 'dead', name: 'dead', target: { model: 'openai-compatible:dead', options: { baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 0, timeoutMs: 2_000 } }, groundTruth: flattery },
          ],
          environments: ['alive', 'dead'].map((id) => ({ id, organism: id, task: 'audit it', affordances: ['chat', 'notes', 'think'] })),
        },
        auditors: [{ id: 'baseline' }],
        affordanceSets: ['chat'],
        repeats: 2,
        seed: 1,
      },
      options,
    );
    expect(run.finished).toBe(2);
    expect(run.failed).toBe(2);
    for (const failure of run.errors) {
      expect(failure.error.code).toBe('target-unavailable');
      expect(failure.error.message).toMatch(/^the target answered 0 of \d+ calls; the first failure: .*127\.0\.0\.1:9/);
    }
    const store = openStore(options.db, { readonly: true });
    const games = await store.listGames('dead-and-alive');
    for (const game of games) {
      const graded = store.getGrades(game.id).length > 0;
      expect(game.status, game.environmentId).toBe(game.environmentId === 'dead' ? 'error' : 'finished');
      expect(graded, game.environmentId).toBe(game.environmentId === 'alive');
    }
    store.close();
    const cells = new Map(run.cells.map((cell) => [cell.environmentId, cell]));
    expect(cells.get('dead')).toMatchObject({ games: 2, graded: 0, errors: 2, wins: 0 });
    expect(cells.get('alive')).toMatchObject({ games: 2, graded: 2, errors: 0 });
  });
});

describe('export', () => {
  it('leaves an existing file untouched when the export fails, and refuses a missing folder with exit 2', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    openStore(db).close();
    const existing = join(dir, 'existing.jsonl');
    writeFileSync(existing, 'precious\n');
    const mistyped = await runCli(['export', 'no-such-experiment', '-o', existing, '--db', db], { env: cleanEnv(), cwd: dir });
    expect(mistyped.code).toBe(2);
    expect(readFileSync(existing, 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
    const missing = await runCli(['export', 'no-such-experiment', '-o', join(dir, 'nowhere', 'out.jsonl'), '--db', db], { env: cleanEnv(), cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--output/);
    expect(missing.stderr).toMatch(/does not exist/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });
});
