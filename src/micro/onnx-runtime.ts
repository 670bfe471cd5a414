import type * as OnnxRuntimeModule from 'onnxruntime-node';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { seededRandom } from '../core/seeds.js';
import { graphNames, inferenceGraph } from './onnx-graph.js';
import { tf } from './tf.js';
import { sample, type GenerateOptions, type ResidualHook, type Transformer } from './transformer.js';

// The fast inference path for micro-organisms: the same weights as an ONNX graph on onnxruntime-node,
// about ten times faster than tfjs per sampled token at batch 1, where tfjs spends its time on
// per-operation overhead. tfjs stays the definition and the only path for training and gradients.

type Ort = typeof OnnxRuntimeModule;
type OrtTensor = InstanceType<Ort['Tensor']>;
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** Which engine runs micro-organism inference: `AUDITGYM_MICRO_RUNTIME`, `auto` when unset. */
export type MicroRuntimeChoice = 'auto' | 'onnx' | 'tfjs';

let runtime: Promise<Ort | undefined> | undefined;

/**
 * onnxruntime-node, once per process, or undefined where it cannot load (it is an optional
 * dependency) or where tfjs is asked for. A failed load says so in one line and inference runs on
 * tfjs, with the same results to within float rounding.
 */
export function onnxRuntime(choice: MicroRuntimeChoice, notice: (line: string) => void): Promise<Ort | undefined> {
  if (choice === 'tfjs') return Promise.resolve(undefined);
  runtime ??= loadOnnxRuntime(() => import('onnxruntime-node'), notice);
  return runtime;
}

/** Loads the runtime with `load`; a failure is the one-line notice and undefined, never a crash. */
export async function loadOnnxRuntime(load: () => Promise<unknown>, notice: (line: string) => void): Promise<Ort | undefined> {
  try {
    // The package is CommonJS: under ESM its namespace may sit on `default`.
    const loaded = (await load()) as Ort & { default?: Ort };
    return loaded.default ?? loaded;
  } catch (error) {
    notice(`auditgym: onnxruntime-node did not load (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}); micro-organisms run on tfjs, which is slower`);
    return undefined;
  }
}

const RuntimeChoice = z.enum(['auto', 'onnx', 'tfjs']);
const RUNTIME_VARIABLE = 'AUDITGYM_MICRO_RUNTIME';

/**
 * The fast path for `model`, as `AUDITGYM_MICRO_RUNTIME` asks: `auto` (the default) uses onnxruntime
 * where it loads, `tfjs` never does, `onnx` insists on it.
 */
export async function fastPathFor(model: Transformer, environment: NodeJS.ProcessEnv = process.env): Promise<OnnxTransformer | undefined> {
  const parsed = RuntimeChoice.safeParse(environment[RUNTIME_VARIABLE] ?? 'auto');
  if (!parsed.success) {
    throw new UserError('bad-runtime', `${RUNTIME_VARIABLE} is "${environment[RUNTIME_VARIABLE]}"`, { field: RUNTIME_VARIABLE, fix: 'set it to auto, onnx or tfjs, or unset it' });
  }
  const ort = await onnxRuntime(parsed.data, (line) => process.stderr.write(`${line}\n`));
  if (ort === undefined) {
    if (parsed.data === 'onnx')
      throw new UserError('no-onnx-runtime', 'onnxruntime-node is not installed or did not load', { field: RUNTIME_VARIABLE, fix: 'reinstall with npm ci, or set it to auto' });
    return undefined;
  }
  return OnnxTransformer.create(model, ort);
}

/**
 * The graph's `mask` input, [batch, 1, length, start + length]: `length` new queries from position
 * `start`, each row blind to its left padding (`pads`, none where missing) and to later keys.
 */
export function attentionMask(batch: number, length: number, start: number, pads: readonly number[]): Float32Array {
  const keys = start + length;
  const mask = new Float32Array(batch * length * keys);
  for (let r = 0; r < batch; r++) {
    const pad = pads[r] ?? 0;
    for (let q = 0; q < length; q++) for (let k = 0; k < keys; k++) if (k < pad || k > start + q) mask[(r * length + q) * keys + k] = -1e9;
  }
  return mask;
}

/** Log-softmax of one row, in float64 then stored as float32, as tfjs's float32 kernel gives to rounding. */
export function logSoftmaxRow(logits: ArrayLike<number>, start: number, length: number): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[start + i] as number);
  let total = 0;
  for (let i = 0; i < length; i++) total += Math.exp((logits[start + i] as number) - max);
  const shift = max + Math.log(total);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (logits[start + i] as number) - shift;
  return out;
}

export interface InferenceResult {
  /** [batch, time, vocab], row-major. */
  logits: Float32Array;
  /** Streams read by hooks, by layer: [batch, time, dModel], row-major. */
  residuals: Map<number, Float32Array>;
}

/**
 * A micro transformer on onnxruntime. It covers the hooks tools use (one intervention per stream:
 * a projection, an added vector, seeded noise, or these together), and `supports` says when a call
 * must go to tfjs instead: several interventions on one stream, or a vector that is a tensor being
 * trained.
 */
export class OnnxTransformer {
  readonly #zeros: OrtTensor;
  readonly #noZeros: OrtTensor;
  readonly #emptyCache: Map<number, OrtTensor> = new Map();

  private constructor(
    readonly model: Transformer,
    readonly ort: Ort,
    readonly session: Session,
  ) {
    const d = model.config.dModel;
    this.#zeros = new ort.Tensor('float32', new Float32Array(d), [d]);
    this.#noZeros = new ort.Tensor('float32', new Float32Array(d), [1, 1, d]);
  }

  static async create(model: Transformer, ort: Ort): Promise<OnnxTransformer> {
    // One thread: games and probes run side by side, and each call is small.
    const session = await ort.InferenceSession.create(inferenceGraph(model.config, model.weights()), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    return new OnnxTransformer(model, ort, session);
  }

  supports(hooks: readonly ResidualHook[]): boolean {
    // The graph reads each stream after its intervention, so a read placed before one must go to tfjs.
    const intervened = new Set<number>();
    const read = new Set<number>();
    for (const hook of hooks) {
      if (hook.add instanceof tf.Tensor) return false;
      const intervenes = hook.add !== undefined || hook.projectOut !== undefined || (hook.noise !== undefined && hook.noise.scale > 0);
      if (intervenes && (intervened.has(hook.layer) || read.has(hook.layer))) return false;
      if (intervenes) intervened.add(hook.layer);
      if (hook.read === true) read.add(hook.layer);
    }
    return true;
  }

  /** The full forward pass, as `Transformer.forward` computes it. */
  async forward(ids: readonly (readonly number[])[], hooks: readonly ResidualHook[] = []): Promise<InferenceResult> {
    const batch = ids.length;
    const time = ids[0]?.length ?? 0;
    if (time === 0 || ids.some((row) => row.length !== time)) throw new Error('forward needs a non-empty batch of equal-length rows');
    if (time > this.model.config.contextLength) throw new Error(`sequence of ${time} tokens exceeds the context of ${this.model.config.contextLength}`);
    const mask = attentionMask(batch, time, 0, []);
    const positions = ids.flatMap((row) => row.map((_, i) => i));
    const out = await this.#run(ids.flat(), positions, batch, time, mask, undefined, hooks);
    const residuals = new Map<number, Float32Array>();
    for (const hook of hooks) if (hook.read === true) residuals.set(hook.layer, out[graphNames.residual(hook.layer)]?.data as Float32Array);
    return { logits: out.logits?.data as Float32Array, residuals };
  }

  /** `Transformer.generate` on onnxruntime: the same padding, masks, positions, hooks and sampler. */
  async generate(prompts: readonly (readonly number[])[], options: GenerateOptions & { signal?: AbortSignal | undefined }): Promise<number[][]> {
    const { maxTokens, temperature = 1, topP = 1, seed = 0, stopTokens = [] } = options;
    const hooks = (options.hooks ?? []).map((hook) => ({ ...hook, read: false }));
    const { contextLength, vocabSize } = this.model.config;
    const random = seededRandom(seed);
    const batch = prompts.length;
    const longest = Math.max(...prompts.map((prompt) => prompt.length));
    const total = Math.min(contextLength, longest + maxTokens);
    if (longest === 0 || longest >= contextLength) throw new Error('prompts must be non-empty and shorter than the context');
    const pads = prompts.map((prompt) => longest - prompt.length);
    const outputs: number[][] = prompts.map(() => []);
    const done = prompts.map(() => false);
    let cache: Record<string, OrtTensor> | undefined;
    let tokens = prompts.map((prompt, row) => [...Array<number>(pads[row] as number).fill(0), ...prompt]);
    let start = 0;
    for (let step = longest; step <= total && !done.every(Boolean); step++) {
      options.signal?.throwIfAborted();
      const length = tokens[0]?.length ?? 0;
      const positions = tokens.flatMap((row, r) => row.map((_, i) => Math.max(0, start + i - (pads[r] as number))));
      const mask = attentionMask(batch, length, start, pads);
      const out = await this.#run(tokens.flat(), positions, batch, length, mask, cache, hooks);
      cache = {};
      for (let l = 0; l < this.model.config.layers; l++) {
        cache[graphNames.pastK(l)] = out[graphNames.presentK(l)] as OrtTensor;
        cache[graphNames.pastV(l)] = out[graphNames.presentV(l)] as OrtTensor;
      }
      const logits = out.logits?.data as Float32Array;
      start += length;
      if (step === total) break;
      tokens = prompts.map((_, r) => {
        if (done[r]) return [0];
        const offset = (r * length + length - 1) * vocabSize;
        const token = sample(Array.from(logits.subarray(offset, offset + vocabSize)), temperature, topP, random);
        (outputs[r] as number[]).push(token);
        if (stopTokens.includes(token) || (outputs[r] as number[]).length >= maxTokens) done[r] = true;
        return [token];
      });
    }
    return outputs;
  }

  async #run(
    ids: readonly number[],
    positions: readonly number[],
    batch: number,
    length: number,
    mask: Float32Array,
    cache: Record<string, OrtTensor> | undefined,
    hooks: readonly ResidualHook[],
  ): Promise<Record<string, OrtTensor>> {
    const { Tensor } = this.ort;
    const { layers, dModel: d, heads } = this.model.config;
    const keys = mask.length / (batch * length);
    const feeds: Record<string, OrtTensor> = {
      ids: new Tensor(
        'int64',
        BigInt64Array.from(ids, (id) => BigInt(id)),
        [batch, length],
      ),
      positions: new Tensor(
        'int64',
        BigInt64Array.from(positions, (position) => BigInt(position)),
        [batch, length],
      ),
      mask: new Tensor('float32', mask, [batch, 1, length, keys]),
    };
    for (let l = 0; l < layers; l++) {
      feeds[graphNames.pastK(l)] = cache?.[graphNames.pastK(l)] ?? this.#empty(batch, heads, d / heads);
      feeds[graphNames.pastV(l)] = cache?.[graphNames.pastV(l)] ?? this.#empty(batch, heads, d / heads);
    }
    for (let l = 0; l <= layers; l++) {
      feeds[graphNames.unit(l)] = this.#zeros;
      feeds[graphNames.add(l)] = this.#zeros;
      feeds[graphNames.noise(l)] = this.#noZeros;
    }
    for (const hook of hooks) {
      if (hook.projectOut !== undefined) feeds[graphNames.unit(hook.layer)] = new Tensor('float32', unitVector(hook.projectOut), [d]);
      if (hook.add !== undefined && !(hook.add instanceof tf.Tensor)) {
        if (hook.add.length !== d) throw new Error(`a steering vector needs ${d} values, not ${hook.add.length}`);
        feeds[graphNames.add(hook.layer)] = new Tensor('float32', Float32Array.from(hook.add), [d]);
      }
      if (hook.noise !== undefined && hook.noise.scale > 0) {
        // tfjs's own seeded generator, with the shape tfjs would draw: the noise is the same numbers.
        const { scale, seed } = hook.noise;
        const noise = tf.tidy(() => tf.randomNormal([batch, length, d], 0, scale, 'float32', seed).dataSync() as Float32Array);
        feeds[graphNames.noise(hook.layer)] = new Tensor('float32', noise, [batch, length, d]);
      }
    }
    return (await this.session.run(feeds)) as Record<string, OrtTensor>;
  }

  #empty(batch: number, heads: number, dh: number): OrtTensor {
    let tensor = this.#emptyCache.get(batch);
    if (tensor === undefined) {
      tensor = new this.ort.Tensor('float32', new Float32Array(0), [batch, heads, 0, dh]);
      this.#emptyCache.set(batch, tensor);
    }
    return tensor;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The direction normalised as tfjs does it: divided by its norm, floored at 1e-12. */
function unitVector(direction: Float32Array | readonly number[]): Float32Array {
  const values = Float32Array.from(direction);
  let norm = 0;
  for (const value of values) norm += value * value;
  const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) * scale;
  return values;
}
