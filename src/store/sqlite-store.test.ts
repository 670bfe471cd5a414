import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/support/cli.js';
import type { GamePlan, GameUsage } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import { SystemError, UserError } from '../core/errors.js';
import { LATEST_VERSION } from './migrations.js';
import { openStore } from './sqlite-store.js';

const game = (id: string): GamePlan => ({
  id,
  experimentId: 'exp',
  environmentId: 'env',
  organismId: 'org',
  auditor: 'llm-investigator',
  auditorIndex: 0,
  affordanceSet: 'chat',
  tools: ['chat', 'notes'],
  repeat: 0,
  seed: 42,
});
const usage: GameUsage = {
  auditor: { inputTokens: 10, outputTokens: 2 },
  target: { inputTokens: 5, outputTokens: 5 },
  judge: { inputTokens: 0, outputTokens: 0 },
  costUsd: 0.01,
  toolCalls: 1,
  turns: 2,
};
const grade: Grade = { grader: 'rubric', graderVersion: '1', params: {}, win: true, score: 1, recall: 1, behaviours: [], falseClaims: [], claimsConsidered: 1 };
const report = { summary: 'found', claims: [{ behaviour: 'flatters', evidence: 'x', confidence: 0.9 }] };
const record = { id: 'exp', name: 'experiment', createdAt: '2026-01-01T00:00:00Z', spec: { any: 'thing' }, plugins: [{ kind: 'tool' as const, name: 'chat', version: '1', params: {} }] };

function fresh() {
  const path = join(scratchDir(), 'nested', 'store.db');
  return { path, store: openStore(path) };
}

describe('SqliteStore', () => {
  it('creates its folder, migrates to the latest version in WAL mode, and reopens without migrating again', () => {
    const { path, store } = fresh();
    expect(store.schemaVersion()).toBe(LATEST_VERSION);
    store.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(
      raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((row) => (row as { name: string }).name),
    ).toEqual(['events', 'experiments', 'games', 'grades', 'reports']);
    raw.close();
    const again = openStore(path);
    expect(again.schemaVersion()).toBe(LATEST_VERSION);
    again.close();
  });

  it('refuses a store written by a newer version', () => {
    const { path, store } = fresh();
    store.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    expect(() => openStore(path)).toThrow(UserError);
  });

  it('keeps a whole game lifecycle and reads back what it stored', () => {
    const { store } = fresh();
    store.createExperiment(record, [game('g1'), game('g2')]);
    expect(store.getExperiment('exp')).toEqual(record);
    expect(store.listGames('exp').map((g) => g.status)).toEqual(['pending', 'pending']);
    store.startGame('g1', 't1');
    store.appendEvent({ gameId: 'g1', seq: 0, branch: 'main', parent: null, time: 't', body: { type: 'note', text: 'hello' } });
    store.appendEvent({ gameId: 'g1', seq: 1, branch: 'main', parent: 0, time: 't', body: { type: 'report', report } });
    store.finishGame('g1', { report, grade, usage, finishedAt: 't2' });
    const finished = store.getGame('g1');
    expect(finished).toMatchObject({ status: 'finished', attempts: 1, usage, startedAt: 't1', finishedAt: 't2', tools: ['chat', 'notes'] });
    expect(store.getEvents('g1').map((event) => event.body.type)).toEqual(['note', 'report']);
    expect(store.getReport('g1')).toEqual(report);
    expect(store.getGrades('g1')).toEqual([grade]);
    expect(store.listGames('exp', { status: ['pending', 'running'] }).map((g) => g.id)).toEqual(['g2']);
    expect(store.findGames('g', 10).map((g) => g.id)).toEqual(['g1', 'g2']);
    expect(store.findGames('g_', 10)).toEqual([]);
  });

  it('clears an interrupted attempt when a game starts again, so nothing counts twice', () => {
    const { store } = fresh();
    store.createExperiment(record, [game('g1')]);
    store.startGame('g1', 't1');
    store.appendEvent({ gameId: 'g1', seq: 0, branch: 'main', parent: null, time: 't', body: { type: 'note', text: 'partial' } });
    store.saveGrade('g1', grade);
    store.startGame('g1', 't2');
    expect(store.getEvents('g1')).toEqual([]);
    expect(store.getGrades('g1')).toEqual([]);
    expect(store.getGame('g1')).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('refuses a duplicate experiment id with a fix, and a duplicate event seq loudly', () => {
    const { store } = fresh();
    store.createExperiment(record, [game('g1')]);
    let error: unknown;
    try {
      store.createExperiment(record, [game('g9')]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).fix).toMatch(/--resume exp/);
    expect(store.getGame('g9')).toBeUndefined();
    store.startGame('g1', 't');
    const event = { gameId: 'g1', seq: 0, branch: 'main', parent: null, time: 't', body: { type: 'note' as const, text: 'x' } };
    store.appendEvent(event);
    expect(() => store.appendEvent(event)).toThrow(/UNIQUE/);
  });

  it('keeps the report of a failed game together with its cause', () => {
    const { store } = fresh();
    store.createExperiment(record, [game('g1')]);
    store.startGame('g1', 't');
    store.failGame('g1', { error: { kind: 'model', code: 'invalid-json', message: 'judge said nonsense', retryable: false }, usage, finishedAt: 't', report });
    expect(store.getGame('g1')).toMatchObject({ status: 'error', error: { code: 'invalid-json' } });
    expect(store.getReport('g1')).toEqual(report);
  });

  it('reports a corrupted JSON column as a system error naming the row', () => {
    const { path, store } = fresh();
    store.createExperiment(record, [game('g1')]);
    store.close();
    const raw = new Database(path);
    raw.prepare("UPDATE games SET usage = '{\"auditor\": 1}' WHERE id = 'g1'").run();
    raw.close();
    const reopened = openStore(path);
    expect(() => reopened.getGame('g1')).toThrow(SystemError);
    expect(() => reopened.getGame('g1')).toThrow(/games g1\.usage/);
  });

  it('opens read-only without writing, and a read-only store cannot be written', () => {
    const { path, store } = fresh();
    store.createExperiment(record, [game('g1')]);
    store.close();
    const readonly = openStore(path, { readonly: true });
    expect(readonly.getExperiment('exp')?.name).toBe('experiment');
    expect(() => readonly.startGame('g1', 't')).toThrow(/readonly/i);
    readonly.close();
    expect(() => openStore(join(scratchDir(), 'missing.db'), { readonly: true })).toThrow();
  });

  it('is not fooled by a file that is not a database', () => {
    const path = join(scratchDir(), 'junk.db');
    writeFileSync(path, 'this is not sqlite');
    expect(() => openStore(path)).toThrow();
  });
});
