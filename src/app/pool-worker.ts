// A worker thread of the pool in worker-pool.ts. It builds the catalog the parent described, opens
// its own connection to the store, and answers jobs: a game of an experiment, or a row of the
// technique matrix. What it loads (organisms, their indexes) stays loaded for the worker's life.
import { parentPort, workerData } from 'node:worker_threads';
import type { GamePlan } from '../contracts/game.js';
import type { Catalog } from '../core/catalog.js';
import { playGame } from '../core/game.js';
import { prepareExperiment, type PreparedExperiment, type ResolvedExperimentSpec } from '../core/plan.js';
import { openStore, type SqliteStore } from '../store/sqlite-store.js';
import { createBuiltinCatalog } from './builtin-catalog.js';
import { modelResolver, redactor } from './context.js';
import { withTools } from './mcp.js';
import { loadPlugins } from './plugins.js';
import { unsealer } from './sealing.js';
import { runMatrixJob, type MatrixJob } from './techniques.js';
import type { PoolInit } from './worker-pool.js';

/** A game job: the experiment as prepared in the parent (its spec, already sealed) and one of its games. */
export interface GameJob {
  kind: 'game';
  experiment: { id: string; input: ResolvedExperimentSpec; redactSpec: unknown; createdAt: string; retryErrors: boolean };
  game: GamePlan;
}

const init = workerData as PoolInit;
const port = parentPort;
if (port === null) throw new Error('pool-worker.js runs as a worker thread of the pool');

let catalog: Promise<Catalog> | undefined;
const catalogHere = () => (catalog ??= loadPlugins(init.plugins, createBuiltinCatalog(), init.cwd));
let store: SqliteStore | undefined;
const experiments = new Map<string, PreparedExperiment>();
let controller = new AbortController();

async function runGame(job: GameJob) {
  const plugins = await catalogHere();
  const resolveModel = modelResolver(init.env, plugins);
  let prepared = experiments.get(job.experiment.id);
  if (prepared === undefined) {
    prepared = prepareExperiment(job.experiment.input, { catalog: withTools(plugins, []), resolveModel, createdAt: job.experiment.createdAt });
    experiments.set(job.experiment.id, prepared);
  }
  store ??= openStore(init.db);
  return playGame(prepared, job.game, {
    store,
    resolveModel,
    signal: controller.signal,
    clock: () => performance.now(),
    now: () => new Date(),
    redact: redactor(init.env, job.experiment.redactSpec),
    unseal: unsealer(init.env),
    retryErrors: job.experiment.retryErrors,
  });
}

async function answer(job: GameJob | MatrixJob): Promise<unknown> {
  if (job.kind === 'game') return runGame(job);
  return runMatrixJob(job, { cwd: init.cwd, env: init.env, catalog: await catalogHere(), signal: controller.signal });
}

port.on('message', (message: { type: 'job'; id: number; job: GameJob | MatrixJob } | { type: 'abort' }) => {
  if (message.type === 'abort') {
    controller.abort(new DOMException('the run was interrupted', 'AbortError'));
    controller = new AbortController();
    return;
  }
  answer(message.job).then(
    (value) => port.postMessage({ id: message.id, ok: true, value }),
    (error: unknown) => port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined }),
  );
});
