import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Catalog } from '../core/catalog.js';
import { catalogRecipe } from './catalog-recipe.js';
import { SystemError, UserError } from '../core/errors.js';
import { storePath, type AppOptions, type Environment } from './context.js';

const WorkersVariable = z.coerce.number().int().min(1).max(64);

/**
 * How many worker threads to use for `jobs` jobs: `AUDITGYM_WORKERS` if set, else one per core, never
 * more than there are jobs. One means everything runs on this thread, as before workers existed.
 */
export function workerCount(env: Environment, jobs: number): number {
  const raw = env.AUDITGYM_WORKERS;
  let wanted = availableParallelism();
  if (raw !== undefined && raw !== '') {
    const parsed = WorkersVariable.safeParse(raw);
    if (!parsed.success) {
      throw new UserError('invalid-env', `AUDITGYM_WORKERS must be a whole number from 1 to 64, not "${raw}"`, {
        field: 'AUDITGYM_WORKERS',
        fix: 'set AUDITGYM_WORKERS=1 to run everything on one thread, or unset it to use one worker per core',
      });
    }
    wanted = parsed.data;
  }
  return Math.max(1, Math.min(wanted, jobs));
}

/** What every worker of a pool shares: where the project and its store are, its environment, and its catalog's recipe. */
export interface PoolInit {
  cwd: string;
  env: Record<string, string>;
  /** The store file, resolved; workers open their own connection to it. */
  db: string;
  plugins: readonly string[];
}

/** A job's request, answered by `src/app/pool-worker.ts`. Everything in it is plain data. */
export type PoolJob = { kind: string; [key: string]: unknown };

/** A value that many jobs read, sent to each worker once under `key` and handed to the jobs there. */
export interface Shared {
  key: string;
  value: unknown;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; stack?: string };

function workerScript(): URL {
  // Under the compiled package the worker sits beside this file; under the test runner's TypeScript
  // sources it is the compiled copy in dist/, which the build writes.
  const beside = new URL('./pool-worker.js', import.meta.url);
  if (beside.pathname.includes('/dist/')) return beside;
  return new URL('../../dist/app/pool-worker.js', import.meta.url);
}

class PoolThread {
  readonly worker: Worker;
  readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** What this thread has worked on (organisms), so later jobs on them go where they are already loaded. */
  readonly seen = new Set<string>();
  /** The keys of the shared values this thread has been sent. */
  readonly shared = new Set<string>();
  active = 0;
  failure: Error | undefined;

  constructor(init: PoolInit) {
    this.worker = new Worker(workerScript(), { workerData: init });
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(Object.assign(new SystemError('worker-job-failed', reply.message), { stack: reply.stack ?? '' }));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (error) => fail(new SystemError('worker-crashed', `a worker thread crashed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => fail(new SystemError('worker-exited', `a worker thread exited with code ${code}`)));
  }
}

/**
 * Worker threads that run games and technique probes, each with its own copy of the catalog, its own
 * store connection and its own loaded organisms, kept for the pool's life so an organism loads once
 * per worker. Jobs carry everything that decides their result (plan, seed), so a result does not
 * depend on which worker ran it or on how many there are.
 */
export class WorkerPool {
  readonly size: number;
  /** Jobs one worker runs at once: more than one only pays where jobs wait on the network. */
  readonly perWorker: number;
  readonly #threads: PoolThread[];
  readonly #queue: Array<{
    job: PoolJob;
    affinity: string | undefined;
    started: (() => void) | undefined;
    shared: Shared | undefined;
    resolve: (value: unknown) => void;
    reject: (error: Error) => void;
  }> = [];
  #nextId = 0;
  #closed = false;

  constructor(init: PoolInit, size: number, perWorker = 1) {
    this.size = size;
    this.perWorker = Math.max(1, perWorker);
    this.#threads = Array.from({ length: size }, () => new PoolThread(init));
  }

  /**
   * Runs one job on a free worker, preferring one that has already run a job of the same `affinity` (an
   * organism), so what that worker already built for it (weights, indexes) is used again.
   */
  run<T>(job: PoolJob, { affinity, started, shared }: { affinity?: string | undefined; started?: (() => void) | undefined; shared?: Shared | undefined } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new SystemError('pool-closed', 'the worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ job, affinity, started, shared, resolve: resolve as (value: unknown) => void, reject });
      this.#pump();
    });
  }

  /**
   * How many jobs to hand the pool at once: more than it runs, so that a free worker can choose one
   * on an organism no other worker holds instead of loading a second copy of a busy worker's.
   */
  get lookahead(): number {
    return this.size * this.perWorker * 8;
  }

  /** Tells every worker to abort what it is doing, as an interrupt does in-thread. */
  abort(): void {
    for (const thread of this.#threads) thread.worker.postMessage({ type: 'abort' });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.reject(new SystemError('pool-closed', 'the worker pool closed before the job ran'));
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }

  #pump(): void {
    for (;;) {
      const free = this.#threads.filter((thread) => thread.active < this.perWorker && thread.failure === undefined).sort((a, b) => a.active - b.active);
      if (free.length === 0 || this.#queue.length === 0) {
        const dead = this.#threads.every((thread) => thread.failure !== undefined);
        if (dead) for (const queued of this.#queue.splice(0)) queued.reject(this.#threads[0]?.failure ?? new SystemError('pool-dead', 'every worker thread has stopped'));
        return;
      }
      const thread = free[0];
      if (thread === undefined) return;
      // An organism this worker already holds first; then one no other worker holds; then whatever is next.
      const elsewhere = (affinity: string) => this.#threads.some((other) => other !== thread && other.seen.has(affinity));
      let index = this.#queue.findIndex((entry) => entry.affinity !== undefined && thread.seen.has(entry.affinity));
      if (index < 0) index = this.#queue.findIndex((entry) => entry.affinity === undefined || !elsewhere(entry.affinity));
      if (index < 0) index = 0;
      const [queued] = this.#queue.splice(index, 1);
      if (queued === undefined) return;
      queued.started?.();
      thread.active++;
      if (queued.affinity !== undefined) thread.seen.add(queued.affinity);
      const id = this.#nextId++;
      thread.pending.set(id, {
        resolve: (value) => {
          thread.active--;
          queued.resolve(value);
          this.#pump();
        },
        reject: (error) => {
          thread.active--;
          queued.reject(error);
          this.#pump();
        },
      });
      // A large value many jobs share (an experiment's spec) crosses to each worker once, not once a job.
      if (queued.shared !== undefined && !thread.shared.has(queued.shared.key)) {
        thread.worker.postMessage({ type: 'share', key: queued.shared.key, value: queued.shared.value });
        thread.shared.add(queued.shared.key);
      }
      thread.worker.postMessage({ type: 'job', id, job: queued.job, shared: queued.shared?.key });
    }
  }
}

/** The environment as plain strings, which is all a worker can be sent and all a run reads from it. */
export function plainEnvironment(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * A worker takes a second or two to load its modules and organisms, so below this many jobs (of a
 * game's size) a run stays on this thread unless `AUDITGYM_WORKERS` asks for workers.
 */
const MINIMUM_POOLED_JOBS = 8;

/**
 * A pool for `jobs` jobs of a run with these options, or undefined where the work stays on this
 * thread: one worker would be wanted, too little work would pay for starting them, or the catalog
 * holds plug-ins a worker cannot rebuild. `minimumJobs` is lower for jobs much larger than a game.
 * `concurrency` (jobs in flight at once) is spread over the workers.
 */
export function openPoolFor(options: AppOptions, catalog: Catalog, jobs: number, { concurrency = 1, minimumJobs = MINIMUM_POOLED_JOBS } = {}): WorkerPool | undefined {
  const plugins = catalogRecipe(catalog);
  if (plugins === undefined) return undefined;
  const asked = options.env.AUDITGYM_WORKERS !== undefined && options.env.AUDITGYM_WORKERS !== '';
  if (!asked && jobs < minimumJobs) return undefined;
  const size = workerCount(options.env, jobs);
  if (size < 2) return undefined;
  return new WorkerPool({ cwd: options.cwd, env: plainEnvironment(options.env), db: storePath(options), plugins }, size, Math.ceil(concurrency / size));
}
