import { z } from 'zod';
import type { ChatRequest, ChatResponse } from '../contracts/messages.js';
import type { CallOptions } from '../contracts/model.js';
import {
  ForwardRequest,
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
import { ProviderError, UserError } from '../core/errors.js';
import { seededRandom } from '../core/seeds.js';
import { WireTensor, decodeTensor, encodeTensor } from './vllm-lens-tensor.js';

type Post = (path: string, body: unknown, options: CallOptions) => Promise<unknown>;
type Get = (path: string, options: CallOptions) => Promise<unknown>;
/** A chat completion with extra body fields (`vllm_xargs`), parsed as any chat reply. */
type ChatWith = (request: ChatRequest, extra: Record<string, unknown>, options: CallOptions) => Promise<ChatResponse>;

/** vLLM caps top log-probabilities at 20 unless the server raises `--max-logprobs`. */
const MAX_TOP = 20;
/** Capture indices past the model's last block are ignored by vllm-lens, so asking for these reads every block. */
const ALL_LAYERS = Array.from({ length: 512 }, (_, index) => index);

const ModelCard = z.object({ id: z.string(), parent: z.string().nullish(), max_model_len: z.number().int().nullish() });
const ModelList = z.object({ data: z.array(ModelCard) });
const Activations = z.object({ residual_stream: WireTensor }).nullish();
const TopEntry = z.object({ token: z.string(), logprob: z.number() });
const ChatCapture = z.object({
  prompt_token_ids: z.array(z.number().int()).nullish(),
  choices: z.array(z.object({ logprobs: z.object({ content: z.array(z.object({ top_logprobs: z.array(TopEntry).nullish() })).nullish() }).nullish() })).min(1),
  activations: Activations,
});
const CompletionCapture = z.object({
  choices: z
    .array(
      z.object({
        prompt_token_ids: z.array(z.number().int()).nullish(),
        logprobs: z.object({ top_logprobs: z.array(z.record(z.string(), z.number()).nullish()).nullish() }).nullish(),
        prompt_logprobs: z.array(z.record(z.string(), z.object({ logprob: z.number(), decoded_token: z.string().nullish() })).nullish()).nullish(),
      }),
    )
    .min(1),
  prompt_token_ids: z.array(z.number().int()).nullish(),
  activations: Activations,
});
const Tokenized = z.object({ tokens: z.array(z.number().int()), token_strs: z.array(z.string()).nullish() });
const Detokenized = z.object({ prompt: z.string() });

/**
 * The white-box contract over vllm-lens (UKGovernmentBEIS/vllm-lens), a vLLM plugin that reads and
 * steers the residual stream per request through `vllm_xargs`. It reaches a 70B model on the
 * researcher's own GPU, adapters included (the request's `model` picks the LoRA).
 *
 * Layers follow auditgym's convention: layer L is the output of block L (vllm-lens index L − 1), and
 * layer 0, the embeddings, is not readable. What the plugin cannot give is refused, never faked: no
 * unembedding (so no logit lens and no vector read-outs), no projections, no full next-token
 * distribution, no gradients. Noise is one seeded random vector per request, added at every position:
 * vllm-lens steers with fixed vectors, so fresh noise per position is not possible.
 */
export class VllmLensWhiteBox implements WhiteBox {
  #info: Promise<WhiteBoxInfo> | undefined;
  readonly #pieces = new Map<number, string>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly api: { post: Post; postRoot: Post; get: Get; chat: ChatWith },
  ) {}

  info(options: CallOptions): Promise<WhiteBoxInfo> {
    const pending = (this.#info ??= this.#readInfo(options));
    // A failed probe (server down) is not remembered, so a later call tries again.
    pending.catch(() => {
      if (this.#info === pending) this.#info = undefined;
    });
    return pending;
  }

  async #readInfo(options: CallOptions): Promise<WhiteBoxInfo> {
    const listed = parse(ModelList, await this.api.get('/models', options), `${this.id}: /models`);
    const card = listed.data.find((entry) => entry.id === this.model);
    if (card === undefined) {
      throw new ProviderError('unknown-model', `${this.id}: the server does not serve "${this.model}"; it lists ${listed.data.map((entry) => entry.id).join(', ') || 'nothing'}`, {
        retryable: false,
      });
    }
    const parent = card.parent === null || card.parent === undefined ? undefined : listed.data.find((entry) => entry.id === card.parent);
    const contextLength = card.max_model_len ?? parent?.max_model_len ?? undefined;
    const probe = parse(
      CompletionCapture,
      await this.api.post('/completions', { model: this.model, prompt: 'Hello', max_tokens: 1, temperature: 0, vllm_xargs: { output_residual_stream: JSON.stringify(ALL_LAYERS) } }, options),
      `${this.id}: /completions`,
    );
    if (probe.activations === undefined || probe.activations === null) {
      throw new ProviderError('no-activations', `${this.id}: the server returned no activations; is the vllm-lens plugin installed and not disabled (VLLM_LENS_DISABLE)?`, { retryable: false });
    }
    const [layers = 0, , dModel = 0] = probe.activations.residual_stream.shape;
    if (layers === 0 || dModel === 0) throw new ProviderError('bad-response', `${this.id}: the activations have shape [${probe.activations.residual_stream.shape.join(', ')}]`);
    return { model: this.id, protocol: 'vllm-lens', config: { layers, dModel, contextLength: contextLength ?? 1 } };
  }

  async tokenize(raw: WhiteBoxInput, options: CallOptions): Promise<TokenizeResult> {
    const input = WhiteBoxInput.parse(raw);
    if (input.tokens !== undefined) return { tokens: input.tokens, pieces: await this.#decode(input.tokens, options) };
    const body = input.format === 'raw' ? { model: this.model, prompt: requireText(input), add_special_tokens: true } : { model: this.model, ...chatFields(input) };
    const result = parse(Tokenized, await this.api.postRoot('/tokenize', { ...body, return_token_strs: true }, options), `${this.id}: /tokenize`);
    return { tokens: result.tokens, pieces: result.token_strs ?? (await this.#decode(result.tokens, options)) };
  }

  async forward(raw: ForwardRequest, options: CallOptions): Promise<ForwardResult> {
    const request = ForwardRequest.parse(raw);
    if (request.full) {
      throw new UserError('unsupported', 'vllm-lens gives at most the top 20 next-token log-probabilities, not the full distribution', {
        field: 'full',
        fix: 'leave full out, or use a backend with the unembedding (a micro-organism or auditgym serve)',
      });
    }
    const { capture, steering } = await this.#hooks(request.hooks, options);
    const top = Math.min(request.top, MAX_TOP);
    const xargs = {
      ...(capture.length === 0 ? {} : { output_residual_stream: JSON.stringify(capture) }),
      ...(steering.length === 0 ? {} : { apply_steering_vectors: JSON.stringify(steering) }),
    };
    let tokens: number[];
    let next: Array<{ token: string; logprob: number }>;
    let activations: z.infer<typeof Activations>;
    if (request.tokens !== undefined || request.format === 'raw') {
      const body = { model: this.model, prompt: request.tokens ?? requireText(request), max_tokens: 1, temperature: 0, logprobs: top, return_token_ids: true, vllm_xargs: xargs };
      const reply = parse(CompletionCapture, await this.api.post('/completions', body, options), `${this.id}: /completions`);
      const choice = reply.choices[0] as z.infer<typeof CompletionCapture>['choices'][number];
      tokens = choice.prompt_token_ids ?? reply.prompt_token_ids ?? request.tokens ?? [];
      next = Object.entries(choice.logprobs?.top_logprobs?.[0] ?? {}).map(([token, logprob]) => ({ token, logprob }));
      activations = reply.activations;
    } else {
      const body = { model: this.model, ...chatFields(request), max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: top, return_token_ids: true, vllm_xargs: xargs };
      const reply = parse(ChatCapture, await this.api.post('/chat/completions', body, options), `${this.id}: /chat/completions`);
      tokens = reply.prompt_token_ids ?? (await this.tokenize(request, options)).tokens;
      next = reply.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
      activations = reply.activations;
    }
    const residuals: Record<string, number[][]> = {};
    if (capture.length > 0) {
      if (activations === undefined || activations === null) throw new ProviderError('no-activations', `${this.id}: asked for activations and got none; is the vllm-lens plugin installed?`);
      const tensor = decodeTensor(activations.residual_stream);
      const [count = 0, positions = 0, width = 0] = tensor.shape;
      if (count !== capture.length) throw new ProviderError('bad-response', `${this.id}: asked for ${capture.length} layers of activations and got ${count}`);
      capture.forEach((index, row) => {
        // Only the prompt's positions: with one generated token, that is every position returned.
        residuals[String(index + 1)] = Array.from({ length: Math.min(positions, tokens.length || positions) }, (_, position) =>
          Array.from(tensor.values.subarray((row * positions + position) * width, (row * positions + position + 1) * width)),
        );
      });
    }
    const ranked: TokenScore[] = next
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, top)
      .map((entry) => ({ token: entry.token, id: -1, logprob: entry.logprob }));
    return { tokens, next: ranked, residuals };
  }

  async logitLens(): Promise<LensResult> {
    throw new UserError('unsupported', `${this.id}: vllm-lens gives no access to the unembedding, which the logit lens needs`, {
      field: 'tool',
      fix: 'use tools that read activations without decoding them (steering, fuzzing, activation diffing), or a backend with the unembedding',
    });
  }

  async readVector(): Promise<TokenScore[]> {
    throw new UserError('unsupported', `${this.id}: vllm-lens gives no access to the unembedding, which reading a vector as tokens needs`, {
      field: 'tool',
      fix: 'use a backend with the unembedding (a micro-organism or auditgym serve)',
    });
  }

  async logprobs(input: WhiteBoxInput, options: CallOptions): Promise<LogprobsResult> {
    const { tokens } = await this.tokenize(input, options);
    const reply = parse(
      CompletionCapture,
      await this.api.post('/completions', { model: this.model, prompt: tokens, max_tokens: 1, temperature: 0, prompt_logprobs: 0 }, options),
      `${this.id}: /completions`,
    );
    const scored = reply.choices[0]?.prompt_logprobs ?? [];
    const logprobs = tokens.slice(1).map((id, index) => {
      const entry = scored[index + 1]?.[String(id)];
      if (entry === undefined) throw new ProviderError('bad-response', `${this.id}: prompt_logprobs has no score for token ${index + 1} (id ${id})`);
      return { token: entry.decoded_token ?? '', id, logprob: entry.logprob };
    });
    return { tokens, logprobs };
  }

  async chat(request: ChatRequest & { hooks?: Hook[] | undefined }, options: CallOptions): Promise<ChatResponse> {
    const { hooks = [], ...rest } = request;
    const { capture, steering } = await this.#hooks(hooks, options);
    if (capture.length > 0) throw new UserError('bad-hook', 'a chat reply returns no activations', { field: 'hooks', fix: 'drop read from the hooks, or read with forward' });
    return this.api.chat(rest, steering.length === 0 ? {} : { vllm_xargs: { apply_steering_vectors: JSON.stringify(steering) } }, options);
  }

  /** Hooks as vllm-lens capture indices and steering vectors; what it cannot do is refused. */
  async #hooks(hooks: readonly Hook[], options: CallOptions): Promise<{ capture: number[]; steering: unknown[] }> {
    if (hooks.length === 0) return { capture: [], steering: [] };
    const { layers, dModel } = (await this.info(options)).config;
    const capture = new Set<number>();
    const steering: unknown[] = [];
    hooks.forEach((hook, index) => {
      const field = `hooks[${index}]`;
      if (hook.layer === 0 || hook.layer > layers) {
        throw new UserError('bad-hook', `${field}.layer is ${hook.layer}; vllm-lens reads and steers the outputs of blocks 1 to ${layers}`, {
          field: `${field}.layer`,
          fix: `use a layer from 1 to ${layers}`,
        });
      }
      if (hook.projectOut !== undefined)
        throw new UserError('unsupported', 'vllm-lens cannot project a direction out of the residual stream', { field: `${field}.projectOut`, fix: 'use add, noise or read' });
      const vector = (values: readonly number[]) => ({ activations: encodeTensor(values, [1, dModel]), layer_indices: [hook.layer - 1], scale: 1, norm_match: false, position_indices: null });
      if (hook.add !== undefined) {
        // vllm-lens answers a vector of the wrong width with an unsteered reply, so it is checked here.
        if (hook.add.length !== dModel) throw new UserError('bad-hook', `${field}.add has ${hook.add.length} values`, { field: `${field}.add`, fix: `give ${dModel} values (the model width)` });
        steering.push(vector(hook.add));
      }
      if (hook.noise !== undefined) {
        const random = seededRandom(hook.noise.seed);
        const scale = hook.noise.scale;
        steering.push(vector(Array.from({ length: dModel }, () => scale * gaussian(random))));
      }
      if (hook.read === true) capture.add(hook.layer - 1);
    });
    return { capture: [...capture].sort((a, b) => a - b), steering };
  }

  async #decode(tokens: readonly number[], options: CallOptions): Promise<string[]> {
    const pieces: string[] = [];
    for (const token of tokens) {
      let piece = this.#pieces.get(token);
      if (piece === undefined) {
        piece = parse(Detokenized, await this.api.postRoot('/detokenize', { model: this.model, tokens: [token] }, options), `${this.id}: /detokenize`).prompt;
        this.#pieces.set(token, piece);
      }
      pieces.push(piece);
    }
    return pieces;
  }
}

function requireText(input: { text?: string | undefined }): string {
  if (input.text === undefined) throw new UserError('empty-input', 'give text or tokens', { field: 'text', fix: 'add "text": "…"' });
  return input.text;
}

/** A white-box input as chat-template fields: a prefill, or an open user turn, continues the last message. */
function chatFields(input: z.output<typeof WhiteBoxInput>): Record<string, unknown> {
  const messages: Array<{ role: string; content: string }> = [];
  if (input.system !== undefined && input.system !== '') messages.push({ role: 'system', content: input.system });
  messages.push({ role: 'user', content: requireText(input) });
  if (input.format === 'user') return { messages, add_generation_prompt: false, continue_final_message: true };
  if (input.prefill !== undefined && input.prefill !== '') {
    messages.push({ role: 'assistant', content: input.prefill });
    return { messages, add_generation_prompt: false, continue_final_message: true };
  }
  return { messages, add_generation_prompt: true };
}

function parse<T>(schema: z.ZodType<T>, body: unknown, where: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError('bad-response', `${where} answered an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
