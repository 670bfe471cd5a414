import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/sqlite-store.js';
import { writeFileSync } from 'node:fs';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

const writer = resolve(import.meta.dirname, 'support/store-writer.mjs');

function run(path: string, name: string, count: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [writer, path, name, String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('two processes writing one store at once', () => {
  it('loses no rows and corrupts nothing', async () => {
    const path = join(scratchDir(), 'shared.db');
    openStore(path).close();
    const results = await Promise.all([run(path, 'left', 150), run(path, 'right', 150), run(path, 'third', 150)]);
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM games')).toBe(450);
    expect(count("SELECT count(*) AS n FROM games WHERE status = 'finished'")).toBe(450);
    expect(count('SELECT count(*) AS n FROM events')).toBe(450 * 5);
    expect(count('SELECT count(*) AS n FROM grades')).toBe(450);
    db.close();
  });
});

describe('two auditgym processes running experiments into one store at once', () => {
  it('both finish, every game is stored once, and the store is intact', async () => {
    const dir = scratchDir();
    const db = join(dir, 'shared.db');
    const experiment = (id: string, environments: string) => {
      const file = join(dir, `${id}.yaml`);
      writeFileSync(file, `name: ${id}\nid: ${id}\nsuite: micro\nenvironments: [${environments}]\nauditors: [{ id: baseline }]\naffordanceSets: [chat, chat+prefill]\nconcurrency: 2\n`);
      return file;
    };
    const env = cleanEnv();
    const [left, right] = await Promise.all([
      runCli(['run', experiment('left', 'micro/flattery, micro/control'), '--db', db, '--json'], { cwd: dir, env }),
      runCli(['run', experiment('right', 'micro/backdoor, micro/defer-to-users'), '--db', db, '--json'], { cwd: dir, env }),
    ]);
    expect(left.code, left.stderr).toBe(0);
    expect(right.code, right.stderr).toBe(0);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const count = (sql: string, ...args: unknown[]) => (sqlite.prepare(sql).get(...args) as { n: number }).n;
    for (const id of ['left', 'right']) {
      expect(count("SELECT count(*) AS n FROM games WHERE experiment_id = ? AND status = 'finished'", id)).toBe(4);
      expect(count('SELECT count(*) AS n FROM grades JOIN games ON games.id = grades.game_id WHERE experiment_id = ?', id)).toBe(4);
      expect(count("SELECT count(*) AS n FROM events JOIN games ON games.id = events.game_id WHERE experiment_id = ? AND events.type = 'game-start'", id)).toBe(4);
    }
    sqlite.close();
  }, 180_000);
});
