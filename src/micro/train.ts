import { seededRandom } from '../core/seeds.js';
import { tf } from './tf.js';
import type { Transformer } from './transformer.js';

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
  onStep?: (step: number, loss: number) => void;
}

/**
 * Trains with Adam: linear warm-up, then cosine decay to a tenth, and global-norm gradient clipping.
 * `nextBatch` is called once per step with a seeded generator, so a run replays exactly.
 */
export function train(model: Transformer, nextBatch: (random: () => number) => Batch, options: TrainOptions): number[] {
  const random = seededRandom(options.seed);
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.95, 1e-8);
  const variables = model.variables();
  const warmup = options.warmupSteps ?? Math.min(100, Math.floor(options.steps / 10));
  const clip = options.clipNorm ?? 1;
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const progress = step < warmup ? (step + 1) / warmup : 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / Math.max(1, options.steps - warmup)));
    // Adam is scale-invariant in its gradients, so the schedule has to change the rate itself.
    (optimizer as unknown as { learningRate: number }).learningRate = options.learningRate * progress;
    const batch = nextBatch(random);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.loss(batch.inputs, batch.targets, batch.mask), variables);
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(grads[name] as tf.Tensor)))));
      const scale = tf.minimum(1, tf.div(clip, tf.maximum(norm, 1e-6)));
      optimizer.applyGradients(Object.fromEntries(names.map((name) => [name, tf.mul(grads[name] as tf.Tensor, scale)])));
      return value.dataSync()[0] as number;
    });
    losses.push(loss);
    options.onStep?.(step, loss);
  }
  optimizer.dispose();
  return losses;
}
