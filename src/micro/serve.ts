import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ChatMessage } from '../contracts/messages.js';
import { encodeChat } from './chat-format.js';
import type { MicroChatModel } from './micro-model.js';
import type { ResidualHook } from './transformer.js';

/**
 * Serves one micro-organism over HTTP: OpenAI-compatible chat and text completions, and the
 * white-box protocol of docs/whitebox-protocol.md. Bound to 127.0.0.1 unless told otherwise.
 */

const WireMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.null()]).optional(),
});

const ChatBody = z.object({
  model: z.string().optional(),
  messages: z.array(WireMessage).min(1),
  max_tokens: z.number().int().positive().max(4_096).nullish(),
  max_completion_tokens: z.number().int().positive().max(4_096).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  continue_final_message: z.boolean().nullish(),
});

const CompletionBody = z.object({
  model: z.string().optional(),
  prompt: z.string(),
  max_tokens: z.number().int().positive().max(4_096).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  seed: z.number().int().nullish(),
});

const Vector = z.array(z.number().finite()).max(65_536);
export const WireHook = z.strictObject({
  layer: z.number().int().nonnegative(),
  read: z.boolean().optional(),
  add: Vector.optional(),
  noise: z.strictObject({ scale: z.number().nonnegative().max(1_000), seed: z.number().int() }).optional(),
  projectOut: Vector.optional(),
});

/** Either text (encoded as a chat turn, or raw) or token ids. */
const Input = z.object({
  text: z.string().max(20_000).optional(),
  tokens: z.array(z.number().int().nonnegative()).max(4_096).optional(),
  /** How `text` is encoded: a user turn with the assistant's turn opened (default), or raw. */
  format: z.enum(['chat', 'raw']).default('chat'),
});

const ForwardBody = Input.extend({ hooks: z.array(WireHook).max(64).default([]), top: z.number().int().positive().max(100).default(10) });
const LensBody = Input.extend({ position: z.number().int().optional(), top: z.number().int().positive().max(100).default(10), hooks: z.array(WireHook).max(64).default([]) });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** `{ [key]: value }` when the wire sent a value; nothing for null or a missing field. */
function given<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  return value === null || value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 'invalid_request_error', issue?.path.join('.') ?? null);
  }
  return parsed.data;
}

export interface OrganismServer {
  url: string;
  close(): Promise<void>;
}

export async function serveOrganism(model: MicroChatModel, options: { port?: number; host?: string } = {}): Promise<OrganismServer> {
  const { tokenizer } = model;
  const transformer = model.model;
  const created = Math.floor(Date.now() / 1_000);
  let counter = 0;

  const tokensOf = (input: z.infer<typeof Input>): number[] => {
    if (input.tokens !== undefined) {
      if (input.tokens.some((token) => token >= tokenizer.vocabSize)) throw new HttpError(400, `token ids must be below ${tokenizer.vocabSize}`, 'invalid_request_error', 'tokens');
      return input.tokens;
    }
    if (input.text === undefined) throw new HttpError(400, 'give text or tokens', 'invalid_request_error', 'text');
    const ids = input.format === 'raw' ? [tokenizer.specialIds['<|bos|>'], ...tokenizer.encode(input.text)] : encodeChat(tokenizer, { turns: [{ role: 'user', content: input.text }] }, { openAssistant: true });
    return ids.slice(-transformer.config.contextLength);
  };

  const checkHooks = (hooks: readonly z.infer<typeof WireHook>[]): ResidualHook[] =>
    hooks.map((hook, index) => {
      if (hook.layer > transformer.config.layers) throw new HttpError(400, `hooks[${index}].layer must be at most ${transformer.config.layers}`, 'invalid_request_error', `hooks.${index}.layer`);
      for (const key of ['add', 'projectOut'] as const) {
        if (hook[key] !== undefined && hook[key].length !== transformer.config.dModel) {
          throw new HttpError(400, `hooks[${index}].${key} needs ${transformer.config.dModel} values`, 'invalid_request_error', `hooks.${index}.${key}`);
        }
      }
      return hook as ResidualHook;
    });

  const top = (logprobs: ArrayLike<number>, count: number) =>
    Array.from(logprobs, (logprob, id) => ({ id, logprob }))
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, count)
      .map((entry) => ({ token: tokenizer.tokenText(entry.id), id: entry.id, logprob: entry.logprob }));

  const routes: Record<string, (body: unknown) => Promise<unknown>> = {
    'POST /v1/chat/completions': async (body) => {
      const request = parse(ChatBody, body);
      if (request.stream === true) throw new HttpError(400, 'streaming is not supported; send stream: false', 'invalid_request_error', 'stream');
      const system = request.messages.filter((message) => message.role === 'system').map((message) => message.content ?? '').join('\n');
      const turns = request.messages.filter((message) => message.role !== 'system');
      const last = turns.at(-1);
      const prefill = request.continue_final_message === true && last?.role === 'assistant' ? (last.content ?? '') : undefined;
      const messages: ChatMessage[] = (prefill === undefined ? turns : turns.slice(0, -1)).map((message) =>
        message.role === 'assistant' ? { role: 'assistant', content: message.content ?? '' } : { role: 'user', content: message.content ?? '' },
      );
      const response = await model.chat(
        {
          messages,
          ...(system === '' ? {} : { system }),
          ...(prefill === undefined ? {} : { prefill }),
          ...given('temperature', request.temperature),
          ...given('topP', request.top_p),
          ...given('seed', request.seed),
          ...given('maxTokens', request.max_completion_tokens ?? request.max_tokens),
        },
        { signal: new AbortController().signal },
      );
      // Like vLLM, a continued message returns only the continuation.
      const content = prefill === undefined ? response.text : response.text.slice(prefill.length);
      return {
        id: `chatcmpl-micro-${++counter}`,
        object: 'chat.completion',
        created,
        model: model.id,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: response.finishReason === 'stop' ? 'stop' : 'length' }],
        usage: { prompt_tokens: response.usage.inputTokens, completion_tokens: response.usage.outputTokens, total_tokens: response.usage.inputTokens + response.usage.outputTokens },
      };
    },
    'POST /v1/completions': async (body) => {
      const request = parse(CompletionBody, body);
      const response = await model.complete(
        { prompt: request.prompt, ...given('maxTokens', request.max_tokens), ...given('temperature', request.temperature), ...given('seed', request.seed) },
        { signal: new AbortController().signal },
      );
      return {
        id: `cmpl-micro-${++counter}`,
        object: 'text_completion',
        created,
        model: model.id,
        choices: [{ index: 0, text: response.text, finish_reason: response.finishReason === 'stop' ? 'stop' : 'length', logprobs: null }],
        usage: { prompt_tokens: response.usage.inputTokens, completion_tokens: response.usage.outputTokens, total_tokens: response.usage.inputTokens + response.usage.outputTokens },
      };
    },
    'GET /v1/models': async () => ({ object: 'list', data: [{ id: model.id, object: 'model', created, owned_by: 'auditgym' }] }),
    'GET /v1/whitebox/info': async () => ({
      model: model.id,
      protocol: 'auditgym-whitebox-1',
      config: transformer.config,
      hookLayers: { first: 0, last: transformer.config.layers, meaning: 'residual stream after block n; 0 is the embedding output' },
    }),
    'POST /v1/whitebox/tokenize': async (body) => {
      const ids = tokensOf(parse(Input, body));
      return { tokens: ids, pieces: ids.map((id) => tokenizer.tokenText(id)) };
    },
    'POST /v1/whitebox/forward': async (body) => {
      const request = parse(ForwardBody, body);
      const ids = tokensOf(request);
      const { logits, residuals } = transformer.forward([ids], checkHooks(request.hooks));
      const vocab = transformer.config.vocabSize;
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      const last = Array.from(values.slice((ids.length - 1) * vocab));
      const max = Math.max(...last);
      const logZ = Math.log(last.reduce((sum, value) => sum + Math.exp(value - max), 0)) + max;
      const read = Object.fromEntries([...residuals].map(([layer, tensor]) => {
        const rows = tensor.arraySync()[0] as number[][];
        tensor.dispose();
        return [String(layer), rows];
      }));
      return { tokens: ids, next: top(last.map((value) => value - logZ), request.top), residuals: read };
    },
    'POST /v1/whitebox/logit-lens': async (body) => {
      const request = parse(LensBody, body);
      const ids = tokensOf(request);
      const position = request.position === undefined ? ids.length - 1 : request.position < 0 ? ids.length + request.position : request.position;
      if (position < 0 || position >= ids.length) throw new HttpError(400, `position must be within the ${ids.length} tokens`, 'invalid_request_error', 'position');
      const lens = transformer.logitLens(ids, checkHooks(request.hooks));
      return { tokens: ids, position, layers: lens.map((layer, index) => ({ layer: index, top: top(layer[position] as Float32Array, request.top) })) };
    },
    'POST /v1/whitebox/logprobs': async (body) => {
      const ids = tokensOf(parse(Input, body));
      const logprobs = transformer.tokenLogprobs(ids);
      return { tokens: ids, logprobs: ids.slice(1).map((id, index) => ({ token: tokenizer.tokenText(id), id, logprob: logprobs[index] })) };
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 8 * 1024 * 1024) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        const send = (status: number, body: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        try {
          const route = routes[`${request.method ?? 'GET'} ${(request.url ?? '').split('?')[0]}`];
          if (route === undefined) throw new HttpError(404, `no route ${request.method} ${request.url}`, 'not_found_error');
          let body: unknown;
          if (request.method === 'POST') {
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              throw new HttpError(400, 'the body is not valid JSON');
            }
          }
          send(200, await route(body));
        } catch (error) {
          const http = error instanceof HttpError ? error : new HttpError(500, error instanceof Error ? error.message : String(error), 'server_error');
          send(http.status, { error: { message: http.message, type: http.type, param: http.param, code: null } });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
