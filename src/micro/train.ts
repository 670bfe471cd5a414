import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { seededRandom } from '../core/seeds.js';
import { tf } from './tf.js';
import type { Transformer, TransformerConfig } from './transformer.js';

export interface Batch {
  inputs: number[][];
  targets: number[][];
  /** 1 where the target counts toward the loss (e.g. only the assistant's tokens when fine-tuning). */
  mask: number[][];
}

export interface TrainOptions {
  steps: number;
  learningRate: number;
  warmupSteps?: number;
  /** Clip the global gradient norm to this. */
  clipNorm?: number;
  seed: number;
  /**
   * Each batch is cut into this many shards whose gradients are summed in a fixed order, so the
   * result does not depend on how many threads computed them. Part of a recipe: changing it changes
   * the weights slightly.
   */
  shards?: number;
  /** Worker threads besides the main one; defaults to one fewer than the cores, at most shards - 1. */
  workers?: number;
  onStep?: (step: number, loss: number) => void;
}

/** One shard's contribution: its mean loss, its counted tokens, and its gradient (flat, variable order). */
export interface ShardGradient {
  loss: number;
  count: number;
  gradient: Float32Array;
}

/** The gradient of the mean masked loss over one shard, flattened in `model.variables()` order. */
export function shardGradient(model: Transformer, batch: Batch): ShardGradient {
  const variables = model.variables();
  const count = batch.mask.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(batch.inputs, batch.targets, batch.mask), variables);
    const gradient = new Float32Array(model.parameterCount());
    let offset = 0;
    for (const variable of variables) {
      const grad = grads[variable.name];
      if (grad !== undefined) gradient.set(grad.dataSync() as Float32Array, offset);
      offset += variable.size;
    }
    return { loss: value.dataSync()[0] as number, count, gradient };
  });
}

function splitBatch(batch: Batch, shards: number): Batch[] {
  const rows = batch.inputs.length;
  const parts = Math.max(1, Math.min(shards, rows));
  return Array.from({ length: parts }, (_, index) => {
    const start = Math.floor((index * rows) / parts);
    const end = Math.floor(((index + 1) * rows) / parts);
    return { inputs: batch.inputs.slice(start, end), targets: batch.targets.slice(start, end), mask: batch.mask.slice(start, end) };
  });
}

/** The compiled worker script; under a TypeScript test runner the sources run directly, so it is taken from dist. */
function workerScript(): URL {
  const beside = new URL('./train-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/micro/train-worker.js', import.meta.url);
}

/** A worker thread holding a replica of the model; each step it receives the weights and its shards. */
class GradientWorker {
  readonly #worker: Worker;
  #pending: { resolve: (value: ShardGradient[]) => void; reject: (error: Error) => void } | undefined;

  constructor(config: TransformerConfig) {
    this.#worker = new Worker(workerScript(), { workerData: { config } });
    this.#worker.on('message', (message: { results?: ShardGradient[]; error?: string }) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (message.error !== undefined) pending?.reject(new Error(`training worker failed: ${message.error}`));
      else pending?.resolve(message.results ?? []);
    });
    this.#worker.on('error', (error) => {
      this.#pending?.reject(error);
      this.#pending = undefined;
    });
  }

  compute(weights: Float32Array, shards: Batch[]): Promise<ShardGradient[]> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage({ weights, shards });
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * Trains with Adam: linear warm-up, then cosine decay to a tenth, and global-norm gradient clipping.
 * `nextBatch` is called once per step with a seeded generator, so a run replays exactly. Shards of
 * each batch run in parallel on worker threads (data parallelism) and the main thread.
 */
export async function train(model: Transformer, nextBatch: (random: () => number) => Batch, options: TrainOptions): Promise<number[]> {
  const random = seededRandom(options.seed);
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.95, 1e-8);
  const warmup = options.warmupSteps ?? Math.min(100, Math.floor(options.steps / 10));
  const clip = options.clipNorm ?? 1;
  const shards = Math.max(1, options.shards ?? 2);
  const workerCount = Math.max(0, Math.min(shards - 1, options.workers ?? availableParallelism() - 1));
  const workers = Array.from({ length: workerCount }, () => new GradientWorker(model.config));
  const losses: number[] = [];
  try {
    for (let step = 0; step < options.steps; step++) {
      const progress = step < warmup ? (step + 1) / warmup : 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / Math.max(1, options.steps - warmup)));
      // Adam is scale-invariant in its gradients, so the schedule has to change the rate itself.
      (optimizer as unknown as { learningRate: number }).learningRate = options.learningRate * progress;
      const parts = splitBatch(nextBatch(random), shards);
      // Shard i goes to executor i mod (workers + 1); executor 0 is this thread.
      const executors = workers.length + 1;
      const assigned = (executor: number) => parts.map((part, index) => ({ part, index })).filter(({ index }) => index % executors === executor);
      const weights = workers.length > 0 ? model.flatWeights() : undefined;
      const remote = workers.map((worker, w) => {
        const mine = assigned(w + 1);
        return worker
          .compute(
            weights as Float32Array,
            mine.map(({ part }) => part),
          )
          .then((results) => results.map((result, k) => ({ index: (mine[k] as { index: number }).index, result })));
      });
      const local = assigned(0).map(({ part, index }) => ({ index, result: shardGradient(model, part) }));
      const all = [...local, ...(await Promise.all(remote)).flat()].sort((a, b) => a.index - b.index);
      losses.push(
        applyShards(
          model,
          optimizer,
          all.map(({ result }) => result),
          clip,
        ),
      );
      options.onStep?.(step, losses.at(-1) as number);
    }
  } finally {
    optimizer.dispose();
    await Promise.all(workers.map((worker) => worker.close()));
  }
  return losses;
}

/** Sums the shards' gradients in order, weighted by their token counts, clips, and takes an Adam step. */
function applyShards(model: Transformer, optimizer: tf.Optimizer, results: readonly ShardGradient[], clip: number): number {
  const total = Math.max(
    1,
    results.reduce((sum, result) => sum + result.count, 0),
  );
  const gradient = new Float32Array(model.parameterCount());
  let loss = 0;
  for (const result of results) {
    const weight = result.count / total;
    loss += result.loss * weight;
    for (let i = 0; i < gradient.length; i++) gradient[i] = (gradient[i] as number) + (result.gradient[i] as number) * weight;
  }
  tf.tidy(() => {
    let norm = 0;
    for (const value of gradient) norm += value * value;
    const scale = Math.min(1, clip / Math.max(Math.sqrt(norm), 1e-6));
    const grads: Record<string, tf.Tensor> = {};
    let offset = 0;
    for (const variable of model.variables()) {
      grads[variable.name] = tf.mul(tf.tensor(gradient.subarray(offset, offset + variable.size), variable.shape), scale);
      offset += variable.size;
    }
    optimizer.applyGradients(grads as tf.NamedTensorMap);
  });
  return loss;
}
