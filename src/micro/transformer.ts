import { TransformerConfig } from '../contracts/micro-organism.js';
import { seededRandom } from '../core/seeds.js';
import { tf } from './tf.js';

export { TransformerConfig };

/**
 * An intervention on the residual stream after block `layer` (0 is the embedding output, `layers` is
 * the last block's output). Interventions apply at every position, in this order: project out, add,
 * noise. `read` keeps a copy of the stream after them.
 */
export interface ResidualHook {
  layer: number;
  read?: boolean;
  /** A tensor here keeps the gradient path open (unsupervised steering learns the vector). */
  add?: Float32Array | readonly number[] | tf.Tensor;
  /** Gaussian noise with this standard deviation; the seed makes it repeatable. */
  noise?: { scale: number; seed: number };
  /** Removes the component along this direction (it is normalised first). */
  projectOut?: Float32Array | readonly number[];
}

export interface ForwardResult {
  /** [batch, time, vocab] */
  logits: tf.Tensor3D;
  /** Residual streams read by hooks, by layer: [batch, time, dModel]. */
  residuals: Map<number, tf.Tensor3D>;
}

interface Block {
  ln1g: tf.Variable;
  ln1b: tf.Variable;
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  ln2g: tf.Variable;
  ln2b: tf.Variable;
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

const EPSILON = 1e-5;

// tfjs variable names are process-wide; each model prefixes its own so several can coexist.
let modelCounter = 0;

/**
 * A decoder-only, pre-norm transformer with a tied unembedding. Small enough to train in-process on
 * CPU, and fully white-box: every residual stream can be read or changed through hooks.
 */
export class Transformer {
  readonly config: TransformerConfig;
  readonly embed: tf.Variable;
  readonly pos: tf.Variable;
  readonly blocks: Block[];
  readonly lnfG: tf.Variable;
  readonly lnfB: tf.Variable;

  readonly #prefix: string;

  private constructor(config: TransformerConfig, tensors: Map<string, tf.Tensor>) {
    this.config = config;
    this.#prefix = `model${++modelCounter}/`;
    const take = (name: string) => {
      const tensor = tensors.get(name);
      if (tensor === undefined) throw new Error(`weights have no tensor "${name}"`);
      return tf.variable(tensor, true, this.#prefix + name);
    };
    this.embed = take('embed');
    this.pos = take('pos');
    this.blocks = Array.from({ length: config.layers }, (_, l) => ({
      ln1g: take(`blocks.${l}.ln1.g`),
      ln1b: take(`blocks.${l}.ln1.b`),
      wq: take(`blocks.${l}.attn.wq`),
      wk: take(`blocks.${l}.attn.wk`),
      wv: take(`blocks.${l}.attn.wv`),
      wo: take(`blocks.${l}.attn.wo`),
      ln2g: take(`blocks.${l}.ln2.g`),
      ln2b: take(`blocks.${l}.ln2.b`),
      w1: take(`blocks.${l}.mlp.w1`),
      b1: take(`blocks.${l}.mlp.b1`),
      w2: take(`blocks.${l}.mlp.w2`),
      b2: take(`blocks.${l}.mlp.b2`),
    }));
    this.lnfG = take('lnf.g');
    this.lnfB = take('lnf.b');
  }

  /** A freshly initialised model (GPT-2 style: N(0, 0.02), residual projections scaled by depth). */
  static init(config: TransformerConfig, seed: number): Transformer {
    if (config.dModel % config.heads !== 0) throw new Error('dModel must be a multiple of heads');
    const { dModel: d, dMlp, layers, vocabSize, contextLength } = config;
    const tensors = new Map<string, tf.Tensor>();
    let counter = seed;
    const normal = (shape: number[], std: number) => tf.randomNormal(shape, 0, std, 'float32', counter++);
    const residualStd = 0.02 / Math.sqrt(2 * layers);
    tensors.set('embed', normal([vocabSize, d], 0.02));
    tensors.set('pos', normal([contextLength, d], 0.01));
    for (let l = 0; l < layers; l++) {
      tensors.set(`blocks.${l}.ln1.g`, tf.ones([d]));
      tensors.set(`blocks.${l}.ln1.b`, tf.zeros([d]));
      tensors.set(`blocks.${l}.attn.wq`, normal([d, d], 0.02));
      tensors.set(`blocks.${l}.attn.wk`, normal([d, d], 0.02));
      tensors.set(`blocks.${l}.attn.wv`, normal([d, d], 0.02));
      tensors.set(`blocks.${l}.attn.wo`, normal([d, d], residualStd));
      tensors.set(`blocks.${l}.ln2.g`, tf.ones([d]));
      tensors.set(`blocks.${l}.ln2.b`, tf.zeros([d]));
      tensors.set(`blocks.${l}.mlp.w1`, normal([d, dMlp], 0.02));
      tensors.set(`blocks.${l}.mlp.b1`, tf.zeros([dMlp]));
      tensors.set(`blocks.${l}.mlp.w2`, normal([dMlp, d], residualStd));
      tensors.set(`blocks.${l}.mlp.b2`, tf.zeros([d]));
    }
    tensors.set('lnf.g', tf.ones([d]));
    tensors.set('lnf.b', tf.zeros([d]));
    const model = new Transformer(config, tensors);
    for (const tensor of tensors.values()) tensor.dispose();
    return model;
  }

  /** A model from named weights, e.g. read from a weights file. */
  static fromWeights(config: TransformerConfig, weights: ReadonlyMap<string, { shape: number[]; values: Float32Array }>): Transformer {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, { shape, values }] of weights) tensors.set(name, tf.tensor(values, shape, 'float32'));
    const model = new Transformer(config, tensors);
    for (const tensor of tensors.values()) tensor.dispose();
    return model;
  }

  /** Every trainable variable with its stable name, in a fixed order. */
  variables(): tf.Variable[] {
    return [
      this.embed,
      this.pos,
      ...this.blocks.flatMap((block) => [block.ln1g, block.ln1b, block.wq, block.wk, block.wv, block.wo, block.ln2g, block.ln2b, block.w1, block.b1, block.w2, block.b2]),
      this.lnfG,
      this.lnfB,
    ];
  }

  parameterCount(): number {
    return this.variables().reduce((sum, variable) => sum + variable.size, 0);
  }

  /** Named copies of the weights, for saving. */
  weights(): Map<string, { shape: number[]; values: Float32Array }> {
    return new Map(this.variables().map((variable) => [variable.name.slice(this.#prefix.length), { shape: [...variable.shape], values: variable.dataSync() as Float32Array }]));
  }

  /** Every weight in one array, in `variables()` order: what data-parallel replicas exchange. */
  flatWeights(): Float32Array {
    const flat = new Float32Array(this.parameterCount());
    let offset = 0;
    for (const variable of this.variables()) {
      flat.set(variable.dataSync() as Float32Array, offset);
      offset += variable.size;
    }
    return flat;
  }

  setFlatWeights(flat: Float32Array): void {
    if (flat.length !== this.parameterCount()) throw new Error(`expected ${this.parameterCount()} weights, got ${flat.length}`);
    let offset = 0;
    for (const variable of this.variables()) {
      tf.tidy(() => variable.assign(tf.tensor(flat.subarray(offset, offset + variable.size), variable.shape)));
      offset += variable.size;
    }
  }

  dispose(): void {
    for (const variable of this.variables()) variable.dispose();
  }

  /**
   * The full forward pass over token ids `[batch][time]` (equal lengths). Hooks read or change the
   * residual stream. Callers own the returned tensors and must dispose them.
   */
  forward(ids: readonly (readonly number[])[], hooks: readonly ResidualHook[] = []): ForwardResult {
    const residuals = new Map<number, tf.Tensor3D>();
    const logits = tf.tidy(() => this.#unembed(this.#stream(ids, hooks, residuals, this.config.layers)));
    return { logits, residuals };
  }

  /**
   * The read streams of a forward pass that stops after residual stream `last`: the same values as
   * `forward`'s, without the blocks above it or the unembedding, which an optimisation of a stream
   * (unsupervised steering) would compute and throw away on every step.
   */
  residualsThrough(ids: readonly (readonly number[])[], hooks: readonly ResidualHook[], last: number): Map<number, tf.Tensor3D> {
    const residuals = new Map<number, tf.Tensor3D>();
    tf.tidy(() => {
      this.#stream(ids, hooks, residuals, last);
    });
    return residuals;
  }

  #stream(ids: readonly (readonly number[])[], hooks: readonly ResidualHook[], residuals: Map<number, tf.Tensor3D>, last: number): tf.Tensor3D {
    const batch = ids.length;
    const time = ids[0]?.length ?? 0;
    if (time === 0 || ids.some((row) => row.length !== time)) throw new Error('forward needs a non-empty batch of equal-length rows');
    if (time > this.config.contextLength) throw new Error(`sequence of ${time} tokens exceeds the context of ${this.config.contextLength}`);
    let x = tf.add(embeddingLookup(this.embed, ids.flat()).reshape([batch, time, this.config.dModel]), this.pos.slice([0, 0], [time, -1])) as tf.Tensor3D;
    x = this.#hook(x, 0, hooks, residuals);
    const mask = causalMask(time);
    for (let l = 0; l < Math.min(last, this.blocks.length); l++) {
      x = this.#block(this.blocks[l] as Block, x, mask);
      x = this.#hook(x, l + 1, hooks, residuals);
    }
    return x;
  }

  #block(block: Block, x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
    const [batch, time, d] = x.shape;
    const heads = this.config.heads;
    const dh = d / heads;
    const h = layerNorm(x, block.ln1g, block.ln1b).reshape([batch * time, d]);
    const split = (w: tf.Tensor) =>
      matMul(h, w)
        .reshape([batch, time, heads, dh])
        .transpose([0, 2, 1, 3])
        .reshape([batch * heads, time, dh]);
    const q = split(block.wq);
    const k = split(block.wk);
    const v = split(block.wv);
    const scores = tf.add(tf.mul(matMul(q, transposeLast(k)), 1 / Math.sqrt(dh)), mask);
    const attended = matMul(tf.softmax(scores), v)
      .reshape([batch, heads, time, dh])
      .transpose([0, 2, 1, 3])
      .reshape([batch * time, d]);
    const afterAttention = tf.add(x, matMul(attended, block.wo).reshape([batch, time, d])) as tf.Tensor3D;
    return tf.add(afterAttention, this.#mlp(block, afterAttention)) as tf.Tensor3D;
  }

  #mlp(block: Block, x: tf.Tensor3D): tf.Tensor3D {
    const [batch, time, d] = x.shape;
    const h = layerNorm(x, block.ln2g, block.ln2b).reshape([batch * time, d]);
    const hidden = gelu(tf.add(matMul(h, block.w1), block.b1));
    return tf.add(matMul(hidden, block.w2), block.b2).reshape([batch, time, d]);
  }

  /** `unembedding` is the transposed embedding, where a caller keeps one across calls. */
  #unembed(x: tf.Tensor3D, unembedding?: tf.Tensor): tf.Tensor3D {
    const [batch, time, d] = x.shape;
    const normed = layerNorm(x, this.lnfG, this.lnfB).reshape([batch * time, d]);
    return matMul(normed, unembedding ?? transposeLast(this.embed)).reshape([batch, time, this.config.vocabSize]);
  }

  #hook(x: tf.Tensor3D, layer: number, hooks: readonly ResidualHook[], residuals: Map<number, tf.Tensor3D>): tf.Tensor3D {
    let out = x;
    for (const hook of hooks) {
      if (hook.layer !== layer) continue;
      out = applyHook(out, hook, this.config.dModel);
      if (hook.read === true) residuals.set(layer, tf.keep(out.clone()));
    }
    return out;
  }

  /**
   * The logit lens: the residual stream after each layer, read through the final norm and the
   * unembedding. Returns [layer][position] log-probabilities over the vocabulary.
   */
  logitLens(ids: readonly number[], hooks: readonly ResidualHook[] = []): Float32Array[][] {
    const layers = Array.from({ length: this.config.layers + 1 }, (_, layer) => layer);
    const reads: ResidualHook[] = [...hooks, ...layers.filter((layer) => !hooks.some((hook) => hook.layer === layer && hook.read)).map((layer) => ({ layer, read: true }))];
    const { logits, residuals } = this.forward([ids], reads);
    logits.dispose();
    const result = layers.map((layer) => {
      const residual = residuals.get(layer) as tf.Tensor3D;
      const values = tf.tidy(() => tf.logSoftmax(this.#unembed(residual)).dataSync() as Float32Array);
      residual.dispose();
      const vocab = this.config.vocabSize;
      return ids.map((_, position) => values.slice(position * vocab, (position + 1) * vocab));
    });
    return result;
  }

  /** A residual-stream vector read through the final norm and the unembedding, as log-probabilities. */
  readVector(vector: Float32Array): Float32Array {
    return tf.tidy(() => tf.logSoftmax(this.#unembed(tf.tensor3d(vector, [1, 1, this.config.dModel]))).dataSync() as Float32Array);
  }

  /** Log-probability of each token given the ones before it (the first token gets none). */
  tokenLogprobs(ids: readonly number[], hooks: readonly ResidualHook[] = []): number[] {
    const { logits, residuals } = this.forward([ids], hooks);
    for (const tensor of residuals.values()) tensor.dispose();
    const values = tf.tidy(() => tf.logSoftmax(logits).dataSync() as Float32Array);
    logits.dispose();
    const vocab = this.config.vocabSize;
    return ids.slice(1).map((token, index) => values[index * vocab + token] as number);
  }

  /**
   * Mean next-token cross-entropy over positions whose mask is 1. `inputs` and `targets` are
   * [batch][time]; targets are the inputs shifted by one.
   */
  loss(inputs: readonly (readonly number[])[], targets: readonly (readonly number[])[], mask: readonly (readonly number[])[]): tf.Scalar {
    return tf.tidy(() => {
      const { logits } = this.forward(inputs);
      const vocab = this.config.vocabSize;
      const flatLogits = logits.reshape([-1, vocab]);
      const logProbs = tf.logSoftmax(flatLogits);
      const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(targets.flat(), 'int32'), vocab)), 1);
      const weights = tf.tensor1d(mask.flat(), 'float32');
      return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    });
  }

  /**
   * Samples continuations for a batch of prompts with a KV cache. Prompts may differ in length:
   * they are left-padded, and padding is masked out of attention. Seeded: the same call gives the
   * same tokens.
   */
  generate(prompts: readonly (readonly number[])[], options: GenerateOptions): number[][] {
    const { maxTokens, temperature = 1, topP = 1, seed = 0, stopTokens = [] } = options;
    // Reads are for forward passes; during sampling only interventions apply.
    const hooks = (options.hooks ?? []).map((hook) => ({ ...hook, read: false }));
    const random = seededRandom(seed);
    const batch = prompts.length;
    const longest = Math.max(...prompts.map((prompt) => prompt.length));
    const total = Math.min(this.config.contextLength, longest + maxTokens);
    if (longest === 0 || longest >= this.config.contextLength) throw new Error('prompts must be non-empty and shorter than the context');
    const pads = prompts.map((prompt) => longest - prompt.length);
    const d = this.config.dModel;
    const heads = this.config.heads;
    const dh = d / heads;
    const cacheK: tf.Tensor[] = [];
    const cacheV: tf.Tensor[] = [];
    const outputs: number[][] = prompts.map(() => []);
    const done = prompts.map(() => false);
    // Attention bias per row: padding positions are never attended to.
    const padBias = (length: number) =>
      tf.tensor(
        prompts.flatMap((_, row) => Array.from({ length }, (_, position) => (position < (pads[row] as number) ? -1e9 : 0))),
        [batch, 1, 1, length],
      );
    let tokens = prompts.map((prompt, row) => [...Array<number>(pads[row] as number).fill(0), ...prompt]);
    let start = 0;
    // Transposing the embedding every step cost a third of sampling time.
    const unembedding = tf.keep(transposeLast(this.embed));
    for (let step = longest; step <= total && !done.every(Boolean); step++) {
      const length = tokens[0]?.length ?? 0;
      const next = tf.tidy(() => {
        const positions = tokens.flatMap((row, r) => row.map((_, i) => Math.max(0, start + i - (pads[r] as number))));
        const flat = tf.tensor1d(tokens.flat(), 'int32');
        let x = tf.add(tf.gather(this.embed, flat), tf.gather(this.pos, tf.tensor1d(positions, 'int32'))).reshape([batch, length, d]) as tf.Tensor3D;
        x = this.#hook(x, 0, hooks, new Map());
        const keyLength = start + length;
        const bias = tf.add(padBias(keyLength), stepMask(start, length, keyLength));
        this.blocks.forEach((block, l) => {
          const h = layerNorm(x, block.ln1g, block.ln1b).reshape([batch * length, d]);
          const split = (w: tf.Tensor) => tf.matMul(h, w).reshape([batch, length, heads, dh]).transpose([0, 2, 1, 3]);
          const k = split(block.wk);
          const v = split(block.wv);
          const fullK = cacheK[l] ? tf.concat([cacheK[l] as tf.Tensor, k], 2) : k;
          const fullV = cacheV[l] ? tf.concat([cacheV[l] as tf.Tensor, v], 2) : v;
          cacheK[l]?.dispose();
          cacheV[l]?.dispose();
          cacheK[l] = tf.keep(fullK);
          cacheV[l] = tf.keep(fullV);
          const q = split(block.wq);
          const scores = tf.add(
            tf.mul(tf.matMul(q.reshape([batch * heads, length, dh]), fullK.reshape([batch * heads, keyLength, dh]), false, true), 1 / Math.sqrt(dh)).reshape([batch, heads, length, keyLength]),
            bias,
          );
          const attended = tf
            .matMul(tf.softmax(scores).reshape([batch * heads, length, keyLength]), fullV.reshape([batch * heads, keyLength, dh]))
            .reshape([batch, heads, length, dh])
            .transpose([0, 2, 1, 3])
            .reshape([batch * length, d]);
          const afterAttention = tf.add(x, tf.matMul(attended, block.wo).reshape([batch, length, d])) as tf.Tensor3D;
          x = tf.add(afterAttention, this.#mlp(block, afterAttention)) as tf.Tensor3D;
          x = this.#hook(x, l + 1, hooks, new Map());
        });
        const last = x.slice([0, length - 1, 0], [batch, 1, d]) as tf.Tensor3D;
        return this.#unembed(last, unembedding).reshape([batch, this.config.vocabSize]);
      });
      const logits = next.arraySync() as number[][];
      next.dispose();
      start += length;
      if (step === total) break;
      tokens = logits.map((row, r) => {
        if (done[r]) return [0];
        const token = sample(row, temperature, topP, random);
        (outputs[r] as number[]).push(token);
        if (stopTokens.includes(token) || (outputs[r] as number[]).length >= maxTokens) done[r] = true;
        return [token];
      });
    }
    for (const tensor of [...cacheK, ...cacheV, unembedding]) tensor.dispose();
    return outputs;
  }
}

export interface GenerateOptions {
  maxTokens: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stopTokens?: readonly number[];
  hooks?: readonly ResidualHook[];
}

/** Samples a token: argmax at temperature 0, else softmax at the temperature within the top-p nucleus. */
export function sample(logits: readonly number[], temperature: number, topP: number, random: () => number): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    return best;
  }
  const max = Math.max(...logits);
  const weights = logits.map((value) => Math.exp((value - max) / temperature));
  const order = weights.map((_, index) => index).sort((a, b) => (weights[b] as number) - (weights[a] as number));
  const total = weights.reduce((sum, value) => sum + value, 0);
  const nucleus: number[] = [];
  let mass = 0;
  for (const index of order) {
    nucleus.push(index);
    mass += (weights[index] as number) / total;
    if (mass >= topP) break;
  }
  const nucleusTotal = nucleus.reduce((sum, index) => sum + (weights[index] as number), 0);
  let threshold = random() * nucleusTotal;
  for (const index of nucleus) {
    threshold -= weights[index] as number;
    if (threshold <= 0) return index;
  }
  return nucleus.at(-1) as number;
}

function applyHook(x: tf.Tensor3D, hook: ResidualHook, d: number): tf.Tensor3D {
  let out = x;
  if (hook.projectOut !== undefined) {
    const direction = tf.tensor1d(Array.from(hook.projectOut));
    const unit = tf.div(direction, tf.maximum(tf.norm(direction), 1e-12));
    const along = tf.sum(tf.mul(out, unit), -1, true);
    out = tf.sub(out, tf.mul(along, unit));
  }
  if (hook.add !== undefined) {
    if (hook.add instanceof tf.Tensor) {
      out = tf.add(out, hook.add);
    } else {
      if (hook.add.length !== d) throw new Error(`a steering vector needs ${d} values, not ${hook.add.length}`);
      out = tf.add(out, tf.tensor1d(Array.from(hook.add)));
    }
  }
  if (hook.noise !== undefined && hook.noise.scale > 0) {
    out = tf.add(out, tf.randomNormal(out.shape, 0, hook.noise.scale, 'float32', hook.noise.seed));
  }
  return out;
}

function layerNorm(x: tf.Tensor3D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON))), gain), bias) as tf.Tensor3D;
}

/** GELU by its sigmoid approximation: cheap on wasm, where `pow` and large `exp`s are slow. */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

function causalMask(time: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([time, time]), -1, 0)), -1e9) as tf.Tensor2D);
}

/** Mask for `length` new queries starting at `start` against `keys` cached + new keys. */
function stepMask(start: number, length: number, keys: number): tf.Tensor {
  const values = new Float32Array(length * keys);
  for (let q = 0; q < length; q++) for (let k = 0; k < keys; k++) if (k > start + q) values[q * keys + k] = -1e9;
  return tf.tensor(values, [1, 1, length, keys]);
}

/** Swaps the last two axes. */
function transposeLast(x: tf.Tensor): tf.Tensor {
  const rank = x.shape.length;
  return tf.transpose(x, [...Array.from({ length: rank - 2 }, (_, axis) => axis), rank - 1, rank - 2]);
}

/**
 * Matrix product whose gradients transpose explicitly and then multiply plainly. tfjs's own gradient
 * multiplies with transpose flags, which the wasm kernel runs at about a tenth of its plain speed;
 * a transpose copy costs far less than the difference.
 */
const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedA, savedB] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast(savedB)), tf.matMul(transposeLast(savedA), dy)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Embedding lookup with a scatter-add gradient: tfjs's own gather gradient needs a kernel the wasm
 * backend lacks, while scatterND sums repeated ids, which is exactly the embedding gradient.
 */
function embeddingLookup(table: tf.Variable, ids: readonly number[]): tf.Tensor2D {
  // The gradient runs after the forward pass's tensors are freed, so it rebuilds the ids from values.
  const lookup = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t, tf.tensor1d(ids as number[], 'int32')),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(ids as number[], [ids.length, 1], 'int32'), dy, t.shape),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table) as tf.Tensor2D;
}
