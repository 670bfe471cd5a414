import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../core/seeds.js';
import { tf, tfReady } from './tf.js';
import { train, type Batch } from './train.js';
import { Transformer } from './transformer.js';

const config = { vocabSize: 24, contextLength: 24, layers: 2, dModel: 32, heads: 4, dMlp: 64 };
const PATTERNS = [
  [3, 4, 5, 6],
  [7, 8, 9],
  [10, 11, 12, 13, 14],
];

/** Repeating patterns: next-token prediction that a small model learns in a few hundred steps. */
function batch(random: () => number): Batch {
  const rows = Array.from({ length: 16 }, () => {
    const pattern = PATTERNS[Math.floor(random() * PATTERNS.length)] as number[];
    const offset = Math.floor(random() * pattern.length);
    return Array.from({ length: 17 }, (_, i) => pattern[(offset + i) % pattern.length] as number);
  });
  return { inputs: rows.map((row) => row.slice(0, -1)), targets: rows.map((row) => row.slice(1)), mask: rows.map((row) => row.slice(1).map(() => 1)) };
}

let model: Transformer;
let losses: number[];

beforeAll(async () => {
  await tfReady();
  model = Transformer.init(config, 1);
  losses = await train(model, batch, { steps: 250, learningRate: 3e-3, seed: 2 });
}, 120_000);
afterAll(() => model.dispose());

const probe = [3, 4, 5, 6, 3, 4];

function logits(hooks: Parameters<Transformer['forward']>[1] = []): Float32Array {
  const { logits: tensor, residuals } = model.forward([probe], hooks);
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  for (const r of residuals.values()) r.dispose();
  return values;
}

function lastDistribution(values: Float32Array): number[] {
  const last = Array.from(values.slice((probe.length - 1) * config.vocabSize));
  const max = Math.max(...last);
  const exp = last.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

describe('Transformer on a trained model', () => {
  it('learns: the loss falls and greedy generation continues the pattern', () => {
    const early = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(late).toBeLessThan(early / 4);
    expect(model.generate([probe], { maxTokens: 4, temperature: 0 })[0]).toEqual([5, 6, 3, 4]);
    expect(model.parameterCount()).toBe(24 * 32 + 24 * 32 + 2 * (4 * 32 * 32 + 2 * 32 * 64 + 64 + 32 + 4 * 32) + 2 * 32);
  });

  it('noise at scale 0 gives the clean output; noise above 0 changes it, repeatably per seed', () => {
    const clean = logits();
    expect(logits([{ layer: 1, noise: { scale: 0, seed: 1 } }])).toEqual(clean);
    const noisy = logits([{ layer: 1, noise: { scale: 2, seed: 1 } }]);
    expect(noisy).not.toEqual(clean);
    expect(logits([{ layer: 1, noise: { scale: 2, seed: 1 } }])).toEqual(noisy);
  });

  it('adding a large random vector changes the output distribution', () => {
    const random = seededRandom(9);
    const vector = Array.from({ length: config.dModel }, () => (random() - 0.5) * 40);
    const clean = lastDistribution(logits());
    const steered = lastDistribution(logits([{ layer: 1, add: vector }]));
    const kl = clean.reduce((sum, p, i) => sum + p * Math.log(p / Math.max(steered[i] as number, 1e-12)), 0);
    expect(kl).toBeGreaterThan(0.5);
  });

  it('reads the residual stream, and projecting out a direction leaves no component along it', () => {
    const direction = Array.from({ length: config.dModel }, (_, i) => (i % 3) - 1);
    const { logits: tensor, residuals } = model.forward(
      [probe],
      [
        { layer: 2, read: true },
        { layer: 1, read: true, projectOut: direction },
      ],
    );
    tensor.dispose();
    expect(residuals.get(2)?.shape).toEqual([1, probe.length, config.dModel]);
    const projected = residuals.get(1)?.arraySync()[0] ?? [];
    const norm = Math.hypot(...direction);
    for (const row of projected) {
      expect(Math.abs(row.reduce((sum, value, i) => sum + value * (direction[i] as number), 0) / norm)).toBeLessThan(1e-3);
    }
    for (const r of residuals.values()) r.dispose();
  });

  it('the logit lens at the last layer equals the model’s own log-probabilities', () => {
    const lens = model.logitLens(probe);
    expect(lens).toHaveLength(config.layers + 1);
    const own = tf.tidy(() => {
      const { logits: tensor } = model.forward([probe]);
      return tf.logSoftmax(tensor).dataSync() as Float32Array;
    });
    const last = lens[config.layers] as Float32Array[];
    last.forEach((row, position) => {
      const expected = own.slice(position * config.vocabSize, (position + 1) * config.vocabSize);
      row.forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 4));
    });
    const logprobs = model.tokenLogprobs(probe);
    expect(logprobs).toHaveLength(probe.length - 1);
    logprobs.forEach((value, i) => expect(value).toBeCloseTo((last[i] as Float32Array)[probe[i + 1] as number] as number, 4));
  });

  it('KV-cached, left-padded batched generation matches step-by-step full forward passes', () => {
    const prompts = [
      [7, 8],
      [3, 4, 5, 6, 3],
      [10, 11, 12],
    ];
    const cached = model.generate(prompts, { maxTokens: 5, temperature: 0 });
    for (const [row, prompt] of prompts.entries()) {
      const sequence = [...prompt];
      for (let i = 0; i < 5; i++) {
        const values = tf.tidy(() => model.forward([sequence]).logits.dataSync() as Float32Array);
        const last = Array.from(values.slice((sequence.length - 1) * config.vocabSize));
        sequence.push(last.indexOf(Math.max(...last)));
      }
      expect(cached[row]).toEqual(sequence.slice(prompt.length));
    }
  });

  it('samples repeatably from a seed, and differently from another seed', () => {
    const options = { maxTokens: 8, temperature: 1.5 };
    const a = model.generate([[3]], { ...options, seed: 4 });
    expect(model.generate([[3]], { ...options, seed: 4 })).toEqual(a);
    const others = [5, 6, 7, 8].map((seed) => model.generate([[3]], { ...options, seed }));
    expect(others.some((other) => JSON.stringify(other) !== JSON.stringify(a))).toBe(true);
  });

  it('round-trips its weights', () => {
    const copy = Transformer.fromWeights(config, model.weights());
    const { logits: tensor } = copy.forward([probe]);
    expect(tensor.dataSync()).toEqual(logits());
    tensor.dispose();
    copy.dispose();
  });
});

describe('data-parallel training', () => {
  it('gives the same weights with a worker thread as on the main thread alone', async () => {
    const run = async (workers: number) => {
      const replica = Transformer.init(config, 5);
      const trace = await train(replica, batch, { steps: 4, learningRate: 3e-3, seed: 3, shards: 2, workers });
      const weights = replica.flatWeights();
      replica.dispose();
      return { trace, weights };
    };
    const alone = await run(0);
    const parallel = await run(1);
    expect(parallel.trace).toEqual(alone.trace);
    expect(Array.from(parallel.weights)).toEqual(Array.from(alone.weights));
    // And the weights did move: the comparison is not between two untouched models.
    const untouched = Transformer.init(config, 5);
    expect(Array.from(untouched.flatWeights())).not.toEqual(Array.from(alone.weights));
    untouched.dispose();
  }, 60_000);
});
