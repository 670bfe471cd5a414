// A worker thread of the pool in worker-pool.ts. It builds the catalog the parent described, opens
// its own connection to the store, and answers jobs: a game of an experiment, or a row of the
// technique matrix. What it loads (organisms, their indexes) stays loaded for the worker's life.
import { parentPort, workerData } from 'node:worker_threads';
import type { GamePlan } from '../contracts/game.js';
import type { ModelResolver } from '../contracts/model.js';
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

/** The experiment as prepared in the parent (its spec, already sealed): shared by its game jobs. */
export interface GameExperiment {
  id: string;
  input: ResolvedExperimentSpec;
  redactSpec: unknown;
  createdAt: string;
  retryErrors: boolean;
}

/** A game job: one game of the experiment sent with it as the shared value. */
export interface GameJob {
  kind: 'game';
  game: GamePlan;
}

const init = workerData as PoolInit;
const port = parentPort;
if (port === null) throw new Error('pool-worker.js runs as a worker thread of the pool');

let catalog: Promise<Catalog> | undefined;
const catalogHere = () => (catalog ??= loadPlugins(init.plugins, createBuiltinCatalog(), init.cwd));
let store: SqliteStore | undefined;
// What a game needs that depends only on its experiment, made once per experiment in this worker.
const experiments = new Map<string, { prepared: PreparedExperiment; resolveModel: ModelResolver; redact: (text: string) => string }>();
let controller = new AbortController();

const sharedValues = new Map<string, unknown>();

async function runGame(job: GameJob, experiment: GameExperiment) {
  let ready = experiments.get(experiment.id);
  if (ready === undefined) {
    const plugins = await catalogHere();
    const resolveModel = modelResolver(init.env, plugins);
    const prepared = prepareExperiment(experiment.input, { catalog: withTools(plugins, []), resolveModel, createdAt: experiment.createdAt });
    ready = { prepared, resolveModel, redact: redactor(init.env, experiment.redactSpec) };
    experiments.set(experiment.id, ready);
  }
  const { prepared, resolveModel, redact } = ready;
  store ??= openStore(init.db);
  return playGame(prepared, job.game, {
    store,
    resolveModel,
    signal: controller.signal,
    clock: () => performance.now(),
    now: () => new Date(),
    redact,
    unseal: unsealer(init.env),
    retryErrors: experiment.retryErrors,
  });
}

async function answer(job: GameJob | MatrixJob, shared: string | undefined): Promise<unknown> {
  if (job.kind === 'game') {
    const experiment = shared === undefined ? undefined : sharedValues.get(shared);
    if (experiment === undefined) throw new Error('a game job came without its experiment');
    return runGame(job, experiment as GameExperiment);
  }
  return runMatrixJob(job, { cwd: init.cwd, env: init.env, catalog: await catalogHere(), signal: controller.signal });
}

port.on('message', (message: { type: 'job'; id: number; job: GameJob | MatrixJob; shared?: string } | { type: 'share'; key: string; value: unknown } | { type: 'abort' }) => {
  if (message.type === 'share') {
    sharedValues.set(message.key, message.value);
    return;
  }
  if (message.type === 'abort') {
    controller.abort(new DOMException('the run was interrupted', 'AbortError'));
    controller = new AbortController();
    return;
  }
  answer(message.job, message.shared).then(
    (value) => port.postMessage({ id: message.id, ok: true, value }),
    (error: unknown) => port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined }),
  );
});
