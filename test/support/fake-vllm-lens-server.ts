import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocally } from './fake-server.js';
import { z } from 'zod';
import { encodeChat, type Turn } from '../../src/micro/chat-format.js';
import { tf } from '../../src/micro/tf.js';
import type { Tokenizer } from '../../src/micro/tokenizer.js';
import type { ResidualHook, Transformer } from '../../src/micro/transformer.js';

/**
 * A local server speaking vLLM's OpenAI-compatible API with the vllm-lens plugin, as read from their
 * source (vllm-lens 1.2, vLLM 0.19): LoRA adapters chosen by the request's `model`, `vllm_xargs` with
 * `output_residual_stream` (a JSON list of block indices) and `apply_steering_vectors` (a JSON list of
 * `{activations, layer_indices, scale, norm_match, position_indices}`), a top-level `activations`
 * object of zstd-compressed little-endian tensors, `/tokenize` and `/detokenize` beside `/v1`, and
 * vLLM's error shape `{"error": {message, type, param, code}}`. Micro-organisms stand behind it, so
 * its tensors are real activations of a real model.
 *
 * Like vllm-lens, it captures every position it processed (the prompt and all generated tokens but
 * the last), ignores capture indices past the last block, answers a steering vector of the wrong width
 * with an unsteered 200, and fails a steering layer out of range. Streaming and Python hooks are not
 * served (501).
 */
export interface ServedModel {
  model: Transformer;
  tokenizer: Tokenizer;
  /** Set for a LoRA adapter: the base model's served name, and the adapter's path. */
  parent?: string;
  root?: string;
}

export interface FakeVllmLensServer {
  url: string;
  requests: Array<{ path: string; body: unknown }>;
  /** Warnings vllm-lens would log (a steering vector it skipped). */
  warnings: string[];
  close(): Promise<void>;
}

class WireFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

const XargValue = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]);
const Xargs = z.record(z.string(), XargValue).nullish();
const Message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const Sampling = {
  model: z.string(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).nullish(),
  top_p: z.number().nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  return_token_ids: z.boolean().nullish(),
  vllm_xargs: Xargs,
};
const ChatBody = z.object({
  ...Sampling,
  messages: z.array(Message).min(1),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().nonnegative().max(20).nullish(),
  add_generation_prompt: z.boolean().nullish(),
  continue_final_message: z.boolean().nullish(),
});
const CompletionBody = z.object({
  ...Sampling,
  prompt: z.union([z.string(), z.array(z.number().int().nonnegative())]),
  logprobs: z.number().int().nonnegative().max(20).nullish(),
  prompt_logprobs: z.number().int().nonnegative().max(20).nullish(),
});
const TokenizeBody = z.union([
  z.object({ model: z.string(), prompt: z.string(), add_special_tokens: z.boolean().nullish(), return_token_strs: z.boolean().nullish() }),
  z.object({
    model: z.string(),
    messages: z.array(Message).min(1),
    add_generation_prompt: z.boolean().nullish(),
    continue_final_message: z.boolean().nullish(),
    return_token_strs: z.boolean().nullish(),
  }),
]);
const DetokenizeBody = z.object({ model: z.string(), tokens: z.array(z.number().int().nonnegative()) });
const InputTensor = z.object({ data: z.string(), dtype: z.string(), shape: z.array(z.number().int()), compression: z.string().nullish(), original_dtype: z.string().nullish() });
const SteeringVector = z.object({
  activations: InputTensor,
  layer_indices: z.array(z.number().int()),
  scale: z.number().default(1),
  norm_match: z.boolean().default(false),
  position_indices: z.array(z.number().int()).nullish(),
});

function validation(error: z.ZodError): WireFailure {
  const issue = error.issues[0];
  return new WireFailure(400, `1 validation error:\n  ${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`, 'Bad Request', issue?.path.join('.') ?? null);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validation(parsed.error);
  return parsed.data;
}

/** A zstd frame of raw (stored) blocks: valid zstd that every decoder reads, without a compressor. */
export function zstdStored(data: Uint8Array): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const parts: Buffer[] = [];
  // Magic, then a frame header: single segment with a 4-byte content size.
  const header = Buffer.alloc(9);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0b1010_0000;
  header.writeUInt32LE(data.byteLength, 5);
  parts.push(header);
  let offset = 0;
  do {
    const size = Math.min(MAX_BLOCK, data.byteLength - offset);
    const last = offset + size >= data.byteLength ? 1 : 0;
    const block = Buffer.alloc(3);
    block.writeUIntLE((size << 3) | last, 0, 3); // block type 0: raw
    parts.push(block, Buffer.from(data.subarray(offset, offset + size)));
    offset += size;
  } while (offset < data.byteLength);
  return Buffer.concat(parts);
}

function tensorOut(values: Float32Array, shape: number[]): object {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return { data: zstdStored(bytes).toString('base64'), dtype: 'float32', original_dtype: 'torch.float32', shape, compression: 'zstd' };
}

function tensorIn(tensor: z.infer<typeof InputTensor>): { values: Float32Array; shape: number[] } {
  if (tensor.compression !== undefined && tensor.compression !== null) throw new WireFailure(501, 'this test server reads uncompressed steering vectors only', 'NotImplementedError');
  if (tensor.dtype !== 'float32') throw new WireFailure(501, `this test server reads float32 steering vectors only, not ${tensor.dtype}`, 'NotImplementedError');
  const bytes = Buffer.from(tensor.data, 'base64');
  const count = tensor.shape.reduce((product, size) => product * size, 1);
  if (bytes.byteLength !== count * 4) throw new WireFailure(400, `cannot reshape array of size ${bytes.byteLength / 4} into shape (${tensor.shape.join(', ')})`, 'BadRequestError');
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = bytes.readFloatLE(index * 4);
  return { values, shape: tensor.shape };
}

export interface FakeVllmLensOptions {
  /** Serve as plain vLLM, as with VLLM_LENS_DISABLE=1: `vllm_xargs` are accepted and ignored. */
  lens?: boolean;
  /**
   * A micro-organism's context is 64 tokens, shorter than any real model's. With this, an over-long
   * prompt keeps its end, as the in-process runtime does, so that real-length prompts (a persona
   * system prompt, an auditor's long questions) get an answer; vLLM itself would refuse it with a 400.
   */
  keepEndOfLongPrompts?: boolean;
}

export async function startFakeVllmLensServer(models: Record<string, ServedModel>, options: FakeVllmLensOptions = {}): Promise<FakeVllmLensServer> {
  const lens = options.lens !== false;
  const requests: Array<{ path: string; body: unknown }> = [];
  const warnings: string[] = [];
  let counter = 0;

  const served = (name: string): ServedModel => {
    const entry = models[name];
    if (entry === undefined) throw new WireFailure(404, `The model \`${name}\` does not exist.`, 'NotFoundError', 'model');
    return entry;
  };

  /** vllm-lens's steering and capture as micro hooks (vllm-lens index i is the output of block i + 1). */
  const interventions = (entry: ServedModel, xargs: z.infer<typeof Xargs>): { hooks: ResidualHook[]; capture: number[] } => {
    if (!lens) return { hooks: [], capture: [] };
    const { layers, dModel } = entry.model.config;
    const hooks: ResidualHook[] = [];
    const steering = xargs?.apply_steering_vectors;
    if (steering !== undefined) {
      let list: unknown;
      try {
        list = typeof steering === 'string' ? JSON.parse(steering) : steering;
      } catch (error) {
        throw new WireFailure(400, `Expecting value: ${(error as Error).message}`, 'BadRequestError');
      }
      for (const raw of z.array(z.unknown()).parse(Array.isArray(list) ? list : [list])) {
        const parsed = SteeringVector.safeParse(raw);
        if (!parsed.success) throw new WireFailure(400, `1 validation error for SteeringVector\n  ${parsed.error.issues[0]?.message ?? ''}`, 'BadRequestError');
        const vector = parsed.data;
        const { values, shape } = tensorIn(vector.activations);
        if (shape.length !== 2) throw new WireFailure(501, 'this test server applies 2D (broadcast) steering vectors only', 'NotImplementedError');
        if (shape[0] !== vector.layer_indices.length) throw new WireFailure(400, `activations dim 0 (${shape[0]}) must match len(layer_indices) (${vector.layer_indices.length})`, 'BadRequestError');
        if (vector.norm_match) throw new WireFailure(501, 'this test server does not apply norm_match', 'NotImplementedError');
        vector.layer_indices.forEach((index, row) => {
          if (index < 0 || index >= layers) throw new WireFailure(400, `layer_index ${index} out of range [0, ${layers})`, 'BadRequestError');
          const width = shape[1] ?? 0;
          if (width !== dModel) {
            warnings.push(`vllm-lens hook error on layer ${index}, skipping`);
            return;
          }
          hooks.push({ layer: index + 1, add: Array.from(values.subarray(row * width, (row + 1) * width), (value) => value * vector.scale) });
        });
      }
    }
    const wanted = xargs?.output_residual_stream;
    let capture: number[] = [];
    if (wanted !== undefined) {
      let list: unknown = wanted;
      if (typeof wanted === 'string') {
        try {
          list = JSON.parse(wanted);
        } catch {
          list = wanted;
        }
      }
      const all = Array.from({ length: layers }, (_, index) => index);
      capture = Array.isArray(list)
        ? [...new Set(list.filter((index): index is number => typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < layers))].sort((a, b) => a - b)
        : all;
    }
    return { hooks, capture };
  };

  /** Generates, then reads what vllm-lens would have captured: every processed position but the last token's. */
  const run = (
    entry: ServedModel,
    full: number[],
    chat: boolean,
    body: { max_tokens?: number | null | undefined; temperature?: number | null | undefined; top_p?: number | null | undefined; seed?: number | null | undefined; vllm_xargs?: z.infer<typeof Xargs> },
  ) => {
    const { model, tokenizer } = entry;
    const context = model.config.contextLength;
    const prompt = options.keepEndOfLongPrompts === true && full.length > context - 8 ? full.slice(-(context - 8)) : full;
    if (prompt.length >= context) throw new WireFailure(400, `This model's maximum context length is ${context} tokens. However, your request has ${prompt.length} input tokens.`, 'BadRequestError');
    const { hooks, capture } = interventions(entry, body.vllm_xargs);
    const eos = tokenizer.specialIds['<|eos|>'];
    // vLLM's defaults: 16 tokens for a text completion, the rest of the context for a chat.
    const maxTokens = Math.max(1, Math.min(body.max_tokens ?? (chat ? context : 16), context - prompt.length));
    const [output = []] = model.generate([prompt], { maxTokens, temperature: body.temperature ?? 1, topP: body.top_p ?? 1, seed: body.seed ?? 0, stopTokens: [eos], hooks });
    const processed = [...prompt, ...output.slice(0, -1)];
    const { logits, residuals } = model.forward([processed], [...hooks, ...capture.map((index) => ({ layer: index + 1, read: true }))]);
    const vocab = model.config.vocabSize;
    const logprobs = tf.tidy(() => tf.logSoftmax(logits.reshape([processed.length, vocab])).arraySync() as number[][]);
    logits.dispose();
    let activations: object | undefined;
    if (capture.length > 0) {
      const { dModel } = model.config;
      const values = new Float32Array(capture.length * processed.length * dModel);
      capture.forEach((index, row) => {
        const tensor = residuals.get(index + 1);
        if (tensor !== undefined) values.set(tensor.dataSync() as Float32Array, row * processed.length * dModel);
      });
      activations = { residual_stream: tensorOut(values, [capture.length, processed.length, dModel]) };
    }
    for (const tensor of residuals.values()) tensor.dispose();
    return { prompt, output, logprobs, activations, finish: output.at(-1) === eos ? 'stop' : 'length' };
  };

  const top = (tokenizer: Tokenizer, row: readonly number[], count: number) =>
    Array.from(row, (logprob, id) => ({ id, logprob }))
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, count)
      .map((entry) => ({ id: entry.id, token: tokenizer.tokenText(entry.id), logprob: entry.logprob }));

  const chatPrompt = (tokenizer: Tokenizer, messages: ReadonlyArray<z.infer<typeof Message>>, generation: boolean | null | undefined, continued: boolean | null | undefined): number[] => {
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const turns: Turn[] = messages.filter((message) => message.role !== 'system').map((message) => ({ role: message.role as Turn['role'], content: message.content }));
    if (continued === true) {
      const last = turns.pop() as Turn;
      return encodeChat(tokenizer, { system, turns }, last.role === 'assistant' ? { openAssistant: true, prefill: last.content } : { openUser: true, prefill: last.content });
    }
    return encodeChat(tokenizer, { system, turns }, { openAssistant: generation !== false });
  };

  const routes: Record<string, (body: unknown) => object> = {
    'GET /v1/models': () => ({
      object: 'list',
      data: Object.entries(models).map(([id, entry]) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'vllm',
        root: entry.root ?? id,
        parent: entry.parent ?? null,
        max_model_len: entry.parent === undefined ? entry.model.config.contextLength : null,
        permission: [{ id: 'modelperm-0', object: 'model_permission', created: 1_700_000_000, allow_sampling: true, allow_logprobs: true, organization: '*', group: null, is_blocking: false }],
      })),
    }),
    'POST /v1/chat/completions': (raw) => {
      const body = parse(ChatBody, raw);
      if (body.stream === true) throw new WireFailure(501, 'this test server does not stream', 'NotImplementedError');
      const entry = served(body.model);
      const { tokenizer } = entry;
      const asked = chatPrompt(tokenizer, body.messages, body.add_generation_prompt, body.continue_final_message);
      const { prompt, output, logprobs, activations, finish } = run(entry, asked, true, body);
      const eos = tokenizer.specialIds['<|eos|>'];
      const content =
        body.logprobs === true
          ? output.map((id, index) => ({
              token: tokenizer.tokenText(id),
              logprob: logprobs[prompt.length - 1 + index]?.[id] ?? 0,
              top_logprobs: top(tokenizer, logprobs[prompt.length - 1 + index] ?? [], body.top_logprobs ?? 0).map(({ token, logprob }) => ({ token, logprob })),
            }))
          : null;
      return {
        id: `chatcmpl-${++counter}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body.model,
        choices: [
          {
            index: 0,
            // The micro template puts a space before every turn's text; a real template's reply has none.
            message: { role: 'assistant', content: tokenizer.decode(output.filter((id) => id !== eos)).replace(/^ /, ''), tool_calls: [] },
            logprobs: content === null ? null : { content },
            finish_reason: finish,
            ...(body.return_token_ids === true ? { token_ids: output } : {}),
          },
        ],
        usage: { prompt_tokens: prompt.length, completion_tokens: output.length, total_tokens: prompt.length + output.length },
        ...(body.return_token_ids === true ? { prompt_token_ids: prompt } : {}),
        ...(activations === undefined ? {} : { activations }),
      };
    },
    'POST /v1/completions': (raw) => {
      const body = parse(CompletionBody, raw);
      if (body.stream === true) throw new WireFailure(501, 'this test server does not stream', 'NotImplementedError');
      const entry = served(body.model);
      const { tokenizer } = entry;
      const asked = typeof body.prompt === 'string' ? [tokenizer.specialIds['<|bos|>'], ...tokenizer.encode(body.prompt)] : body.prompt;
      const { prompt, output, logprobs, activations, finish } = run(entry, asked, false, body);
      const topCount = body.logprobs;
      const promptLogprobs =
        body.prompt_logprobs === undefined || body.prompt_logprobs === null
          ? undefined
          : prompt.map((id, index) => {
              if (index === 0) return null;
              const row = logprobs[index - 1] ?? [];
              const entries = [{ id, logprob: row[id] ?? 0 }, ...top(tokenizer, row, body.prompt_logprobs ?? 0)];
              const rank = (logprob: number) => row.filter((value) => value > logprob).length + 1;
              return Object.fromEntries(entries.map((item) => [String(item.id), { logprob: item.logprob, rank: rank(item.logprob), decoded_token: tokenizer.tokenText(item.id) }]));
            });
      return {
        id: `cmpl-${++counter}`,
        object: 'text_completion',
        created: 1_700_000_000,
        model: body.model,
        choices: [
          {
            index: 0,
            text: tokenizer.decode(output.filter((id) => id !== tokenizer.specialIds['<|eos|>'])),
            logprobs:
              topCount === undefined || topCount === null
                ? null
                : {
                    tokens: output.map((id) => tokenizer.tokenText(id)),
                    token_logprobs: output.map((id, index) => logprobs[prompt.length - 1 + index]?.[id] ?? 0),
                    top_logprobs: output.map((_, index) => Object.fromEntries(top(tokenizer, logprobs[prompt.length - 1 + index] ?? [], topCount).map((entry) => [entry.token, entry.logprob]))),
                    text_offset: output.map(() => 0),
                  },
            finish_reason: finish,
            ...(promptLogprobs === undefined ? {} : { prompt_logprobs: promptLogprobs }),
            ...(body.return_token_ids === true ? { prompt_token_ids: prompt, token_ids: output } : {}),
          },
        ],
        usage: { prompt_tokens: prompt.length, completion_tokens: output.length, total_tokens: prompt.length + output.length },
        ...(activations === undefined ? {} : { activations }),
      };
    },
    'POST /tokenize': (raw) => {
      const body = parse(TokenizeBody, raw);
      const entry = served(body.model);
      const { tokenizer } = entry;
      const tokens =
        'messages' in body
          ? chatPrompt(tokenizer, body.messages, body.add_generation_prompt, body.continue_final_message)
          : [...(body.add_special_tokens === false ? [] : [tokenizer.specialIds['<|bos|>']]), ...tokenizer.encode(body.prompt)];
      return { count: tokens.length, max_model_len: entry.model.config.contextLength, tokens, ...(body.return_token_strs === true ? { token_strs: tokens.map((id) => tokenizer.tokenText(id)) } : {}) };
    },
    'POST /detokenize': (raw) => {
      const body = parse(DetokenizeBody, raw);
      const { tokenizer } = served(body.model);
      return { prompt: body.tokens.map((id) => tokenizer.tokenText(id)).join('') };
    },
  };

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      const route = routes[`${request.method ?? 'GET'} ${path}`];
      try {
        if (route === undefined) throw new WireFailure(404, 'Not Found', 'Not Found');
        let body: unknown = {};
        if (request.method === 'POST') {
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            throw new WireFailure(400, 'JSON decode error', 'Bad Request');
          }
        }
        requests.push({ path, body });
        send(response, 200, route(body));
      } catch (error) {
        const failure = error instanceof WireFailure ? error : new WireFailure(500, (error as Error).message, 'InternalServerError');
        send(response, failure.status, { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.status } });
      }
    });
  });
  const { port, close } = await listenLocally(server);
  return { url: `http://127.0.0.1:${port}/v1`, requests, warnings, close };
}
