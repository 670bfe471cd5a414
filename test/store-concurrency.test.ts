import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/sqlite-store.js';
import { scratchDir } from './support/cli.js';

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
    expect(results).toEqual([{ code: 0, stderr: '' }, { code: 0, stderr: '' }, { code: 0, stderr: '' }]);
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
