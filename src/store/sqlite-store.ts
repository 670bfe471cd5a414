import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { PluginRecord } from '../contracts/common.js';
import { ErrorInfo } from '../contracts/errors.js';
import { GameUsage, type ExperimentRecord, type GamePlan, type GameRecord, type GameStatus } from '../contracts/game.js';
import { Grade } from '../contracts/grade.js';
import { AuditReport } from '../contracts/report.js';
import { EventBody, type TranscriptEvent } from '../contracts/transcript.js';
import { SystemError, UserError } from '../core/errors.js';
import { CLAIM_LEASE_MS, type RunStore } from '../core/store-port.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';

interface GameRow {
  id: string;
  experiment_id: string;
  environment_id: string;
  organism_id: string;
  auditor: string;
  auditor_index: number;
  affordance_set: string;
  tools: string;
  repeat: number;
  seed: number;
  status: GameStatus;
  attempts: number;
  usage: string | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}

interface ExperimentRow {
  id: string;
  name: string;
  created_at: string;
  spec: string;
  plugins: string;
}

interface EventRow {
  game_id: string;
  seq: number;
  branch: string;
  parent: number | null;
  time: string;
  body: string;
}

const PluginRecords = PluginRecord.array();

/** Parses a JSON column with its contract; a row that fails is corruption, reported with where it is. */
function column<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SystemError('corrupt-row', `${where}: invalid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SystemError('corrupt-row', `${where}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const ToolsColumn = z.array(z.string());
const AnyJson = z.unknown();

/** The SQLite store: WAL mode, one short transaction per state change, JSON columns checked on read. */
export class SqliteStore implements RunStore {
  readonly path: string;
  readonly readonly: boolean;
  readonly #db: Database.Database;
  readonly #statements;
  /** Who holds this store's claims: host, process and a nonce, so two stores in one process differ. */
  readonly #runner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  #claims: ReturnType<SqliteStore['prepareClaims']> | undefined;

  readonly #cleanup: (() => void) | undefined;

  constructor(path: string, options: { readonly?: boolean; shownPath?: string; cleanup?: () => void } = {}) {
    this.path = options.shownPath ?? path;
    this.#cleanup = options.cleanup;
    this.readonly = options.readonly === true;
    if (!this.readonly) mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path, this.readonly ? { readonly: true, fileMustExist: true } : {});
    this.#db.pragma('busy_timeout = 10000');
    if (!this.readonly) {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
    }
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();
    const db = this.#db;
    this.#statements = {
      insertExperiment: db.prepare('INSERT INTO experiments (id, name, created_at, spec, plugins) VALUES (?, ?, ?, ?, ?)'),
      experimentExists: db.prepare('SELECT 1 FROM experiments WHERE id = ?'),
      getExperiment: db.prepare('SELECT * FROM experiments WHERE id = ?'),
      listExperiments: db.prepare('SELECT * FROM experiments ORDER BY created_at DESC, rowid DESC'),
      insertGame: db.prepare(
        `INSERT INTO games (id, experiment_id, environment_id, organism_id, auditor, auditor_index, affordance_set, tools, repeat, seed, status, attempts)
         VALUES (@id, @experimentId, @environmentId, @organismId, @auditor, @auditorIndex, @affordanceSet, @tools, @repeat, @seed, 'pending', 0)`,
      ),
      listGames: db.prepare('SELECT * FROM games WHERE experiment_id = ? ORDER BY rowid'),
      getGame: db.prepare('SELECT * FROM games WHERE id = ?'),
      findGames: db.prepare("SELECT * FROM games WHERE id LIKE ? ESCAPE '\\' ORDER BY rowid LIMIT ?"),
      deleteEvents: db.prepare('DELETE FROM events WHERE game_id = ?'),
      deleteReport: db.prepare('DELETE FROM reports WHERE game_id = ?'),
      deleteGrades: db.prepare('DELETE FROM grades WHERE game_id = ?'),
      markRunning: db.prepare("UPDATE games SET status = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, error = NULL, usage = NULL WHERE id = ?"),
      insertEvent: db.prepare('INSERT INTO events (game_id, seq, branch, parent, time, type, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      upsertReport: db.prepare('INSERT INTO reports (game_id, report) VALUES (?, ?) ON CONFLICT (game_id) DO UPDATE SET report = excluded.report'),
      upsertGrade: db.prepare(
        'INSERT INTO grades (game_id, grader, grade, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (game_id, grader) DO UPDATE SET grade = excluded.grade, created_at = excluded.created_at',
      ),
      markFinished: db.prepare("UPDATE games SET status = 'finished', usage = ?, error = NULL, finished_at = ? WHERE id = ?"),
      markFailed: db.prepare("UPDATE games SET status = 'error', usage = ?, error = ?, finished_at = ? WHERE id = ?"),
      getEvents: db.prepare('SELECT * FROM events WHERE game_id = ? ORDER BY seq'),
      getReport: db.prepare('SELECT report FROM reports WHERE game_id = ?'),
      getGrades: db.prepare('SELECT grade FROM grades WHERE game_id = ? ORDER BY rowid'),
    };
  }

  #migrate(): void {
    const current = this.schemaVersion();
    if (current > LATEST_VERSION) {
      throw new UserError('store-too-new', `the store ${this.path} has schema version ${current}, newer than this auditgym knows (${LATEST_VERSION})`, {
        field: '--db',
        fix: 'upgrade auditgym, or use another store',
      });
    }
    const pending = MIGRATIONS.filter((migration) => migration.version > current);
    if (pending.length === 0) return;
    if (this.readonly && pending.every((migration) => migration.readCompatible === true)) return;
    if (this.readonly) {
      throw new UserError('store-outdated', `the store ${this.path} needs a schema upgrade, which a read-only command cannot make`, {
        field: '--db',
        fix: 'run any writing command on it first (e.g. auditgym run), which upgrades it',
      });
    }
    for (const migration of pending) {
      this.#db
        .transaction(() => {
          // Another process may have migrated between the read above and this write lock, which
          // an immediate transaction takes first: the version read under the lock decides.
          if (this.schemaVersion() >= migration.version) return;
          this.#db.exec(migration.sql);
          this.#db.pragma(`user_version = ${migration.version}`);
        })
        .immediate();
    }
  }

  schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
    this.#cleanup?.();
  }

  createExperiment(record: ExperimentRecord, games: readonly GamePlan[]): void {
    this.#db
      .transaction(() => {
        if (this.#statements.experimentExists.get(record.id) !== undefined) {
          throw new UserError('experiment-exists', `experiment "${record.id}" already exists in ${this.path}`, {
            field: 'id',
            fix: `continue it with --resume ${record.id} (auditgym run, or auditgym sweep for a sweep), or give the experiment another id`,
          });
        }
        this.#statements.insertExperiment.run(record.id, record.name, record.createdAt, JSON.stringify(record.spec), JSON.stringify(record.plugins));
        for (const game of games) this.#statements.insertGame.run({ ...game, tools: JSON.stringify(game.tools) });
      })
      .immediate();
  }

  addGames(experimentId: string, games: readonly GamePlan[]): void {
    this.#db
      .transaction(() => {
        if (this.#statements.experimentExists.get(experimentId) === undefined) throw new Error(`no experiment ${experimentId}`);
        for (const game of games) {
          if (game.experimentId !== experimentId) throw new Error(`game ${game.id} belongs to ${game.experimentId}`);
          if (this.#statements.getGame.get(game.id) === undefined) this.#statements.insertGame.run({ ...game, tools: JSON.stringify(game.tools) });
        }
      })
      .immediate();
  }

  getExperiment(id: string): ExperimentRecord | undefined {
    const row = this.#statements.getExperiment.get(id) as ExperimentRow | undefined;
    return row && this.#experiment(row);
  }

  listExperiments(): ExperimentRecord[] {
    return (this.#statements.listExperiments.all() as ExperimentRow[]).map((row) => this.#experiment(row));
  }

  #experiment(row: ExperimentRow): ExperimentRecord {
    const where = `experiments ${row.id}`;
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      spec: column(AnyJson, row.spec, `${where}.spec`),
      plugins: column(PluginRecords, row.plugins, `${where}.plugins`),
    };
  }

  listGames(experimentId: string, filter: { status?: readonly GameStatus[] } = {}): GameRecord[] {
    const rows = this.#statements.listGames.all(experimentId) as GameRow[];
    const statuses = filter.status;
    return rows.filter((row) => statuses === undefined || statuses.includes(row.status)).map((row) => this.#game(row));
  }

  getGame(gameId: string): GameRecord | undefined {
    const row = this.#statements.getGame.get(gameId) as GameRow | undefined;
    return row && this.#game(row);
  }

  /** Games whose id starts with `prefix`, for commands that accept a short id. */
  findGames(prefix: string, limit: number): GameRecord[] {
    const pattern = `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return (this.#statements.findGames.all(pattern, limit) as GameRow[]).map((row) => this.#game(row));
  }

  #game(row: GameRow): GameRecord {
    const where = `games ${row.id}`;
    return {
      id: row.id,
      experimentId: row.experiment_id,
      environmentId: row.environment_id,
      organismId: row.organism_id,
      auditor: row.auditor,
      auditorIndex: row.auditor_index,
      affordanceSet: row.affordance_set,
      tools: column(ToolsColumn, row.tools, `${where}.tools`),
      repeat: row.repeat,
      seed: row.seed,
      status: row.status,
      attempts: row.attempts,
      usage: row.usage === null ? null : column(GameUsage, row.usage, `${where}.usage`),
      error: row.error === null ? null : column(ErrorInfo, row.error, `${where}.error`),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  startGame(gameId: string, startedAt: string): void {
    this.#db
      .transaction(() => {
        if (!this.#restart(gameId, startedAt)) throw new SystemError('unknown-game', `cannot start game ${gameId}: it is not in the store`);
      })
      .immediate();
  }

  /** Clears what an earlier attempt left, marks the game running and claims it for this store. */
  #restart(gameId: string, startedAt: string): boolean {
    this.#statements.deleteEvents.run(gameId);
    this.#statements.deleteReport.run(gameId);
    this.#statements.deleteGrades.run(gameId);
    if (this.#statements.markRunning.run(startedAt, gameId).changes !== 1) return false;
    this.#claimStatements().hold.run(this.#runner, Date.now() + CLAIM_LEASE_MS, gameId);
    return true;
  }

  claimGame(gameId: string, startedAt: string, options: { retryErrors: boolean }): boolean {
    const claims = this.#claimStatements();
    return this.#db
      .transaction(() => {
        const row = claims.read.get(gameId) as { status: GameStatus; claimed_by: string | null; claim_expires_at: number | null } | undefined;
        if (row === undefined) throw new SystemError('unknown-game', `cannot claim game ${gameId}: it is not in the store`);
        const claimable = row.status === 'pending' || (row.status === 'error' && options.retryErrors) || (row.status === 'running' && this.#stale(row.claimed_by, row.claim_expires_at));
        return claimable && this.#restart(gameId, startedAt);
      })
      .immediate();
  }

  renewClaim(gameId: string): boolean {
    return this.#claimStatements().renew.run(Date.now() + CLAIM_LEASE_MS, gameId, this.#runner).changes === 1;
  }

  /** A claim is stale when it has expired, or when its runner was a process on this host that is gone. */
  #stale(holder: string | null, expiresAt: number | null): boolean {
    if (holder === null || expiresAt === null || expiresAt < Date.now()) return true;
    const [host, pid] = holder.split(':');
    if (host !== hostname() || pid === undefined || Number(pid) === process.pid) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      // EPERM: the process exists but is another user's; only ESRCH says it is gone.
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  // Prepared on first use: a read-only command may open a store written before claims existed.
  #claimStatements() {
    this.#claims ??= this.prepareClaims();
    return this.#claims;
  }

  private prepareClaims() {
    return {
      read: this.#db.prepare('SELECT status, claimed_by, claim_expires_at FROM games WHERE id = ?'),
      hold: this.#db.prepare('UPDATE games SET claimed_by = ?, claim_expires_at = ? WHERE id = ?'),
      renew: this.#db.prepare("UPDATE games SET claim_expires_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'"),
      release: this.#db.prepare('UPDATE games SET claimed_by = NULL, claim_expires_at = NULL WHERE id = ?'),
      owns: this.#db.prepare('SELECT 1 FROM games WHERE id = ? AND (claimed_by IS NULL OR claimed_by = ?)'),
    };
  }

  /** Whether this store may write the game's outcome: it holds the claim, or nobody does. */
  #owns(gameId: string): boolean {
    return this.#claimStatements().owns.get(gameId, this.#runner) !== undefined;
  }

  appendEvent(event: TranscriptEvent): void {
    this.#statements.insertEvent.run(event.gameId, event.seq, event.branch, event.parent, event.time, event.body.type, JSON.stringify(event.body));
  }

  finishGame(gameId: string, result: { report: AuditReport; grade?: Grade; usage: GameUsage; finishedAt: string }): void {
    this.#db
      .transaction(() => {
        // A runner whose claim was taken over leaves the game to the runner that holds it now.
        if (!this.#owns(gameId)) return;
        this.#claimStatements().release.run(gameId);
        this.#statements.upsertReport.run(gameId, JSON.stringify(result.report));
        if (result.grade !== undefined) this.#statements.upsertGrade.run(gameId, result.grade.grader, JSON.stringify(result.grade), result.finishedAt);
        this.#statements.markFinished.run(JSON.stringify(result.usage), result.finishedAt, gameId);
      })
      .immediate();
  }

  failGame(gameId: string, result: { error: ErrorInfo; usage: GameUsage; finishedAt: string; report?: AuditReport }): void {
    this.#db
      .transaction(() => {
        if (!this.#owns(gameId)) return;
        this.#claimStatements().release.run(gameId);
        if (result.report !== undefined) this.#statements.upsertReport.run(gameId, JSON.stringify(result.report));
        this.#statements.markFailed.run(JSON.stringify(result.usage), JSON.stringify(result.error), result.finishedAt, gameId);
      })
      .immediate();
  }

  saveGrade(gameId: string, grade: Grade): void {
    this.#statements.upsertGrade.run(gameId, grade.grader, JSON.stringify(grade), new Date().toISOString());
  }

  getEvents(gameId: string): TranscriptEvent[] {
    return (this.#statements.getEvents.all(gameId) as EventRow[]).map((row) => ({
      gameId: row.game_id,
      seq: row.seq,
      branch: row.branch,
      parent: row.parent,
      time: row.time,
      body: column(EventBody, row.body, `events ${row.game_id}#${row.seq}`),
    }));
  }

  getReport(gameId: string): AuditReport | undefined {
    const row = this.#statements.getReport.get(gameId) as { report: string } | undefined;
    return row && column(AuditReport, row.report, `reports ${gameId}`);
  }

  getGrades(gameId: string): Grade[] {
    return (this.#statements.getGrades.all(gameId) as Array<{ grade: string }>).map((row) => column(Grade, row.grade, `grades ${gameId}`));
  }
}

/**
 * Opens a store, turning every way a `--db` can be wrong into a user error that names the flag and the
 * fix: a folder, a file that is not SQLite or is damaged, a file or folder auditgym may not write. A
 * read-only command on a store it may not write (a shared, read-only copy) reads a snapshot of it.
 */
export function openStore(path: string, options: { readonly?: boolean } = {}): SqliteStore {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    stat = undefined;
  }
  if (stat !== undefined && !stat.isFile())
    throw new UserError('store-not-a-file', `--db ${path} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}`, {
      field: '--db',
      fix: 'point --db at a store file, e.g. .auditgym/auditgym.db, or at a new file name',
    });
  try {
    return new SqliteStore(path, options);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as { code?: unknown }).code;
    if (options.readonly === true && (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') && stat !== undefined) return openSnapshot(path, error);
    throw storeError(path, error, options.readonly === true);
  }
}

function storeError(path: string, error: unknown, readonly: boolean): UserError {
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new UserError('store-not-sqlite', `--db ${path} is not an auditgym store: ${message}`, {
      field: '--db',
      fix: 'point --db at a store auditgym wrote, or at a new file name; a damaged store can be restored from a copy',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new UserError('store-unwritable', `--db ${path} cannot be ${readonly ? 'opened' : 'written'}: ${message}`, {
      field: '--db',
      fix: readonly ? 'check that the file and its folder can be read' : 'check that the file and its folder can be written, or point --db at a store you may write',
    });
  }
  return new UserError('store-unusable', `--db ${path} cannot be used as a store: ${message}`, { field: '--db', fix: 'point --db at another file', cause: error });
}

/** A read-only store whose WAL auditgym may not open in place is read from a private copy. */
function openSnapshot(path: string, original: unknown): SqliteStore {
  const folder = mkdtempSync(join(tmpdir(), 'auditgym-snapshot-'));
  try {
    const copy = join(folder, basename(path));
    copyFileSync(path, copy);
    for (const suffix of ['-wal']) if (existsSync(`${path}${suffix}`)) copyFileSync(`${path}${suffix}`, `${copy}${suffix}`);
    const store = new SqliteStore(copy, { readonly: true, shownPath: path, cleanup: () => rmSync(folder, { recursive: true, force: true }) });
    return store;
  } catch {
    rmSync(folder, { recursive: true, force: true });
    throw storeError(path, original, true);
  }
}
