import type { ErrorInfo } from '../contracts/errors.js';
import type { GamePlan } from '../contracts/game.js';
import type { ModelResolver } from '../contracts/model.js';
import { SystemError, UserError } from './errors.js';
import { playGame, type GameOutcome } from './game.js';
import type { PreparedExperiment } from './plan.js';
import { drainConcurrent } from './pool.js';
import type { Unsealer } from './sealing.js';
import type { RunStore } from './store-port.js';

export interface RunProgress {
  total: number;
  done: number;
  failed: number;
  running: number;
}

export interface RunOptions {
  store: RunStore;
  resolveModel: ModelResolver;
  signal?: AbortSignal | undefined;
  concurrency?: number;
  /** Continue an experiment already in the store; without it, an existing id is refused. */
  resume?: boolean;
  /** Also rerun games that ended in an error. */
  retryErrors?: boolean;
  /**
   * The planned games that should be in the store after this call (default: all of them). Adaptive
   * sweeps pass one more round at a time; games already stored are kept.
   */
  games?: readonly GamePlan[] | undefined;
  /**
   * Called after each game is stored (graded or failed); the games it returns are added to the
   * experiment and queued. Adaptive sweeps use it to give a cell its next game as soon as its last one
   * ends, instead of waiting for a whole round. Not called once `signal` has aborted.
   */
  next?: ((game: GamePlan) => Promise<readonly GamePlan[]>) | undefined;
  onProgress?: ((progress: RunProgress) => void) | undefined;
  /** Milliseconds, for budgets. */
  clock?: () => number;
  now?: () => Date;
  /** Applied to everything stored, so secrets that leak into provider messages never reach the store. */
  redact?: (text: string) => string;
  /**
   * Opens sealed ground truth and hidden prompts. Only grading and the target backend call it; without
   * it (or without the right key) a sealed game still runs where it can, and its grade waits for the key.
   */
  unseal?: Unsealer | undefined;
  /**
   * Plays one game somewhere else than on this thread (a worker pool), with the same plan and the
   * same store, so a game's result does not depend on where it ran. It calls `started` when the game
   * leaves its queue, which is when progress counts it as running. Without it, games run here.
   */
  play?: ((game: GamePlan, started: () => void) => Promise<GameOutcome>) | undefined;
}

export interface RunSummary {
  experimentId: string;
  total: number;
  /** Games this call ran to a grade. */
  finished: number;
  /** Games this call stored as errors. */
  failed: number;
  /** Games already finished before this call. */
  skipped: number;
  /** Games left unfinished because the run was interrupted; `--resume` reruns them. */
  interrupted: number;
  /** Games another runner held when this one came to them (two resumes of one experiment at once). */
  elsewhere: number;
  errors: Array<{ gameId: string; error: ErrorInfo }>;
}

/**
 * Runs the games of an experiment that have not finished, under a concurrency limit. Creates the
 * experiment, or with `resume` continues it. A failing game is stored with its cause and
 * the rest go on. When `signal` aborts, games in flight are left unfinished for a later resume.
 */
export async function runExperiment(prepared: PreparedExperiment, options: RunOptions): Promise<RunSummary> {
  const { store } = options;
  const redact = options.redact ?? ((text: string) => text);
  const scrub = <T>(value: T): T => JSON.parse(redact(JSON.stringify(value))) as T;
  const deps = {
    store,
    resolveModel: options.resolveModel,
    signal: options.signal,
    clock: options.clock ?? (() => performance.now()),
    now: options.now ?? (() => new Date()),
    redact,
    unseal: options.unseal,
    retryErrors: options.retryErrors,
  };

  const wanted = options.games ?? prepared.games;
  const existing = await store.getExperiment(prepared.id);
  if (existing === undefined) {
    await store.createExperiment(scrub(prepared.record), wanted);
  } else if (options.resume !== true) {
    throw new UserError('experiment-exists', `experiment "${prepared.id}" already exists in the store`, {
      field: 'id',
      fix: `continue it with --resume ${prepared.id} (auditgym run, or auditgym sweep for a sweep), or give the experiment another id`,
    });
  } else {
    const stored = await store.listGames(prepared.id);
    const planned = new Set(prepared.games.map((game) => game.id));
    // An adaptive sweep stores a round at a time, so the store may hold fewer games than the plan, never others.
    const partial = options.games !== undefined || prepared.spec.stopping !== undefined;
    if (stored.some((game) => !planned.has(game.id)) || (!partial && stored.length !== planned.size)) {
      throw new SystemError('plan-mismatch', `experiment "${prepared.id}" in the store does not match its spec`);
    }
    if (options.games !== undefined) await store.addGames(prepared.id, options.games);
  }
  const statuses = options.retryErrors === true ? (['pending', 'running', 'error'] as const) : (['pending', 'running'] as const);
  const todo = await store.listGames(prepared.id, { status: statuses });
  const total = (await store.listGames(prepared.id)).length;
  const summary: RunSummary = {
    experimentId: prepared.id,
    total,
    finished: 0,
    failed: 0,
    skipped: total - todo.length,
    interrupted: 0,
    elsewhere: 0,
    errors: [],
  };
  const progress: RunProgress = { total, done: summary.skipped, failed: 0, running: 0 };
  options.onProgress?.({ ...progress });

  let added = 0;
  await drainConcurrent(
    todo,
    options.concurrency ?? prepared.spec.concurrency,
    async (game): Promise<readonly GamePlan[]> => {
      let running = false;
      const started = () => {
        running = true;
        progress.running++;
        options.onProgress?.({ ...progress });
      };
      let outcome: GameOutcome;
      if (options.play === undefined) {
        started();
        outcome = await playGame(prepared, game, deps);
      } else outcome = await options.play(game, started);
      if (running) progress.running--;
      if (outcome.status === 'finished') {
        summary.finished++;
        progress.done++;
      } else if (outcome.status === 'failed') {
        summary.failed++;
        progress.done++;
        progress.failed++;
        summary.errors.push({ gameId: game.id, error: outcome.error });
      } else if (outcome.status === 'elsewhere') {
        summary.elsewhere++;
      } else summary.interrupted++;
      options.onProgress?.({ ...progress });
      if (outcome.status === 'interrupted' || outcome.status === 'elsewhere' || options.next === undefined || options.signal?.aborted === true) return [];
      const more = await options.next(game);
      if (more.length === 0) return [];
      await store.addGames(prepared.id, more);
      added += more.length;
      summary.total += more.length;
      progress.total += more.length;
      options.onProgress?.({ ...progress });
      return more;
    },
    options.signal,
  );
  summary.interrupted += todo.length + added - summary.finished - summary.failed - summary.interrupted - summary.elsewhere;
  return summary;
}
