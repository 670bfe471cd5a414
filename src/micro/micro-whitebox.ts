import type { ChatRequest, ChatResponse } from '../contracts/messages.js';
import type { SparseDictionary } from '../contracts/sae.js';
import type { CallOptions } from '../contracts/model.js';
import {
  ForwardRequest,
  LensRequest,
  ReadVectorRequest,
  SteeringSearchRequest,
  WhiteBoxInput,
  type ForwardResult,
  type Hook,
  type LensResult,
  type LogprobsResult,
  type TokenScore,
  type TokenizeResult,
  type WhiteBox,
  type WhiteBoxInfo,
} from '../contracts/whitebox.js';
import { UserError } from '../core/errors.js';
import { seededRandom } from '../core/seeds.js';
import { encodeChat } from './chat-format.js';
import { tf } from './tf.js';
import { logSoftmaxRow, type OnnxTransformer } from './onnx-runtime.js';
import type { Tokenizer } from './tokenizer.js';
import type { ResidualHook, Transformer } from './transformer.js';

// tfjs variable names are process-wide.
let searchCounter = 0;

/** White-box access to an in-process micro-organism. */
export class MicroWhiteBox implements WhiteBox {
  constructor(
    readonly id: string,
    readonly model: Transformer,
    readonly tokenizer: Tokenizer,
    readonly generate: (request: ChatRequest, hooks: readonly ResidualHook[], options: CallOptions) => Promise<ChatResponse>,
    readonly sparseDictionary?: SparseDictionary,
    readonly fast?: OnnxTransformer,
  ) {}

  async dictionary(): Promise<SparseDictionary | undefined> {
    return this.sparseDictionary;
  }

  async info(): Promise<WhiteBoxInfo> {
    const { layers, dModel, contextLength, vocabSize } = this.model.config;
    return { model: this.id, protocol: 'auditgym-whitebox-1', config: { layers, dModel, contextLength, vocabSize } };
  }

  /** Token ids of an input, keeping the end of anything longer than the context. */
  ids(raw: WhiteBoxInput): number[] {
    const input = WhiteBoxInput.parse(raw);
    if (input.tokens !== undefined) {
      const bad = input.tokens.findIndex((token) => token >= this.tokenizer.vocabSize);
      if (bad >= 0) throw new UserError('bad-token', `tokens[${bad}] is not a token id`, { field: `tokens[${bad}]`, fix: `use ids below ${this.tokenizer.vocabSize}` });
      if (input.tokens.length === 0) throw new UserError('empty-input', 'no tokens given', { field: 'tokens', fix: 'give at least one token id, or text' });
      return input.tokens.slice(-this.model.config.contextLength);
    }
    if (input.text === undefined) throw new UserError('empty-input', 'give text or tokens', { field: 'text', fix: 'add "text": "…"' });
    const ids =
      input.format === 'raw'
        ? [this.tokenizer.specialIds['<|bos|>'], ...this.tokenizer.encode(input.text)]
        : input.format === 'user'
          ? encodeChat(this.tokenizer, { system: input.system, turns: [] }, { openUser: true, prefill: input.text })
          : encodeChat(
              this.tokenizer,
              { system: input.system, turns: [{ role: 'user', content: input.text }] },
              { openAssistant: true, ...(input.prefill === undefined ? {} : { prefill: input.prefill }) },
            );
    return ids.slice(-this.model.config.contextLength);
  }

  hooks(hooks: readonly Hook[]): ResidualHook[] {
    const { layers, dModel } = this.model.config;
    return hooks.map((hook, index) => {
      if (hook.layer > layers)
        throw new UserError('bad-hook', `hooks[${index}].layer is ${hook.layer}, past the last layer`, { field: `hooks[${index}].layer`, fix: `use a layer from 0 to ${layers}` });
      for (const key of ['add', 'projectOut'] as const) {
        const vector = hook[key];
        if (vector !== undefined && vector.length !== dModel) {
          throw new UserError('bad-hook', `hooks[${index}].${key} has ${vector.length} values`, { field: `hooks[${index}].${key}`, fix: `give ${dModel} values (the model width)` });
        }
      }
      return hook as ResidualHook;
    });
  }

  top(logprobs: ArrayLike<number>, count: number): TokenScore[] {
    return Array.from(logprobs, (logprob, id) => ({ id, logprob }))
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, count)
      .map((entry) => ({ token: this.tokenizer.tokenText(entry.id), id: entry.id, logprob: entry.logprob }));
  }

  async tokenize(input: WhiteBoxInput, options: CallOptions): Promise<TokenizeResult> {
    options.signal.throwIfAborted();
    const tokens = this.ids(input);
    return { tokens, pieces: tokens.map((id) => this.tokenizer.tokenText(id)) };
  }

  async forward(raw: ForwardRequest, options: CallOptions): Promise<ForwardResult> {
    options.signal.throwIfAborted();
    const request = ForwardRequest.parse(raw);
    const tokens = this.ids(request);
    const hooks = this.hooks(request.hooks);
    const { last, read } = await this.#lastAndReads(tokens, hooks);
    return { tokens, next: this.top(last, request.top), ...(request.full ? { nextLogprobs: Array.from(last) } : {}), residuals: read };
  }

  /** The last position's log-probabilities and the streams hooks read, on whichever engine can run the hooks. */
  async #lastAndReads(tokens: readonly number[], hooks: readonly ResidualHook[]): Promise<{ last: Float32Array; read: Record<string, number[][]> }> {
    const { vocabSize: vocab, dModel: d } = this.model.config;
    if (this.fast?.supports(hooks) === true) {
      const { logits, residuals } = await this.fast.forward([tokens], hooks);
      const read = Object.fromEntries([...residuals].map(([layer, values]) => [String(layer), tokens.map((_, position) => Array.from(values.subarray(position * d, (position + 1) * d)))]));
      return { last: logSoftmaxRow(logits, (tokens.length - 1) * vocab, vocab), read };
    }
    const { logits, residuals } = this.model.forward([tokens], hooks);
    const last = tf.tidy(() => tf.logSoftmax(logits.slice([0, tokens.length - 1, 0], [1, 1, vocab]).reshape([vocab])).dataSync() as Float32Array);
    logits.dispose();
    const read = Object.fromEntries(
      [...residuals].map(([layer, tensor]) => {
        const rows = (tensor.arraySync() as number[][][])[0] as number[][];
        tensor.dispose();
        return [String(layer), rows];
      }),
    );
    return { last, read };
  }

  async logitLens(raw: LensRequest, options: CallOptions): Promise<LensResult> {
    options.signal.throwIfAborted();
    const request = LensRequest.parse(raw);
    const tokens = this.ids(request);
    const position = request.position === undefined ? tokens.length - 1 : request.position < 0 ? tokens.length + request.position : request.position;
    if (position < 0 || position >= tokens.length) {
      throw new UserError('bad-position', `position ${request.position} is outside the ${tokens.length} tokens`, { field: 'position', fix: `use 0 to ${tokens.length - 1}, or -1 for the last` });
    }
    const lens = this.model.logitLens(tokens, this.hooks(request.hooks));
    return { tokens, position, layers: lens.map((layer, index) => ({ layer: index, top: this.top(layer[position] as Float32Array, request.top) })) };
  }

  async logprobs(input: WhiteBoxInput, options: CallOptions): Promise<LogprobsResult> {
    options.signal.throwIfAborted();
    const tokens = this.ids(input);
    const logprobs = this.fast === undefined ? this.model.tokenLogprobs(tokens) : await this.#fastLogprobs(tokens);
    return { tokens, logprobs: tokens.slice(1).map((id, index) => ({ token: this.tokenizer.tokenText(id), id, logprob: logprobs[index] as number })) };
  }

  async #fastLogprobs(tokens: readonly number[]): Promise<number[]> {
    const { logits } = await (this.fast as OnnxTransformer).forward([tokens]);
    const vocab = this.model.config.vocabSize;
    return tokens.slice(1).map((token, index) => logSoftmaxRow(logits, index * vocab, vocab)[token] as number);
  }

  async readVector(raw: ReadVectorRequest, options: CallOptions): Promise<TokenScore[]> {
    options.signal.throwIfAborted();
    const request = ReadVectorRequest.parse(raw);
    if (request.vector.length !== this.model.config.dModel) {
      throw new UserError('bad-vector', `vector has ${request.vector.length} values`, { field: 'vector', fix: `give ${this.model.config.dModel} values (the model width)` });
    }
    return this.top(this.model.readVector(Float32Array.from(request.vector)), request.top);
  }

  async chat(request: ChatRequest & { hooks?: Hook[] | undefined }, options: CallOptions): Promise<ChatResponse> {
    const { hooks = [], ...rest } = request;
    return this.generate(rest, this.hooks(hooks), options);
  }

  /**
   * MELBO: gradient ascent on the squared change of `targetLayer`'s activations (mean over positions)
   * when a vector is added at `sourceLayer`, with each vector held at `radius` and kept orthogonal to
   * the ones before it, so each finds a different direction. The vectors are trained together, as one
   * batch of the prompt, and orthogonalised in order after every step: each vector's objective is its
   * own, and a batch costs the per-step overhead of a small model once instead of once per vector.
   */
  async searchSteeringVectors(raw: SteeringSearchRequest, options: CallOptions): Promise<number[][]> {
    const request = SteeringSearchRequest.parse(raw);
    const { layers, dModel } = this.model.config;
    if (request.sourceLayer >= request.targetLayer || request.targetLayer > layers) {
      throw new UserError('bad-layers', `sourceLayer ${request.sourceLayer} must be below targetLayer ${request.targetLayer}, which must be at most ${layers}`, {
        field: 'sourceLayer',
        fix: `pick 0 ≤ sourceLayer < targetLayer ≤ ${layers}`,
      });
    }
    const tokens = this.ids(request);
    const count = request.count;
    const baseline = this.model.residualsThrough([tokens], [{ layer: request.targetLayer, read: true }], request.targetLayer).get(request.targetLayer) as tf.Tensor3D;
    const random = seededRandom(request.seed);
    const starts: Float32Array[] = [];
    for (let index = 0; index < count; index++) {
      starts.push(
        orthogonalise(
          Float32Array.from({ length: dModel }, () => gaussian(random)),
          starts,
          request.radius,
        ),
      );
    }
    const flat = new Float32Array(count * dModel);
    starts.forEach((start, index) => flat.set(start, index * dModel));
    const vectors = tf.variable(tf.tensor2d(flat, [count, dModel]), true, `melbo/${++searchCounter}`);
    const optimizer = tf.train.adam(0.1 * request.radius);
    const batch = Array.from({ length: count }, () => tokens);
    try {
      for (let step = 0; step < request.steps; step++) {
        options.signal.throwIfAborted();
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const residuals = this.model.residualsThrough(
              batch,
              [
                { layer: request.sourceLayer, add: vectors.reshape([count, 1, dModel]) },
                { layer: request.targetLayer, read: true },
              ],
              request.targetLayer,
            );
            const changed = residuals.get(request.targetLayer) as tf.Tensor3D;
            // Ascent on every vector's own change: the sum over the batch keeps each vector's gradient its own.
            return tf.neg(tf.sum(tf.mean(tf.sum(tf.square(tf.sub(changed, baseline)), -1), -1))) as tf.Scalar;
          }, [vectors]);
          optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
        });
        const current = vectors.dataSync() as Float32Array;
        const kept: Float32Array[] = [];
        for (let index = 0; index < count; index++) kept.push(orthogonalise(current.slice(index * dModel, (index + 1) * dModel), kept, request.radius));
        const next = new Float32Array(count * dModel);
        kept.forEach((vector, index) => next.set(vector, index * dModel));
        tf.tidy(() => vectors.assign(tf.tensor2d(next, [count, dModel])));
      }
      const found = vectors.dataSync() as Float32Array;
      return Array.from({ length: count }, (_, index) => Array.from(found.slice(index * dModel, (index + 1) * dModel)));
    } finally {
      baseline.dispose();
      vectors.dispose();
      optimizer.dispose();
    }
  }
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Removes the components along earlier vectors and rescales to `radius`. */
function orthogonalise(vector: Float32Array, earlier: readonly Float32Array[], radius: number): Float32Array {
  const out = Float32Array.from(vector);
  for (const other of earlier) {
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < out.length; i++) {
      dot += (out[i] as number) * (other[i] as number);
      norm += (other[i] as number) ** 2;
    }
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - (dot / Math.max(norm, 1e-12)) * (other[i] as number);
  }
  const length = Math.sqrt(out.reduce((sum, value) => sum + value * value, 0));
  for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) / Math.max(length, 1e-12)) * radius;
  return out;
}
