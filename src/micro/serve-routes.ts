import { z } from 'zod';
import type { ChatMessage } from '../contracts/messages.js';
import { ForwardRequest, Hook, LensRequest, ReadVectorRequest, SteeringSearchRequest, WhiteBoxInput } from '../contracts/whitebox.js';
import { UserError } from '../core/errors.js';
import type { MicroChatModel } from './micro-model.js';

// The routes of a served micro-organism: OpenAI-compatible chat and text completions, and the
// white-box protocol of docs/whitebox-protocol.md. They run where the model is (a worker thread), so
// the server's own thread stays free to answer while a long white-box request computes.

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

const WhiteBoxChatBody = z.strictObject({
  messages: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string() })).min(1),
  system: z.string().optional(),
  prefill: z.string().optional(),
  hooks: z.array(Hook).max(64).default([]),
  max_tokens: z.number().int().positive().max(4_096).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});

export class HttpError extends Error {
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

export type Routes = Record<string, (body: unknown) => Promise<unknown>>;

export function organismRoutes(model: MicroChatModel): Routes {
  const { whitebox } = model;
  const created = Math.floor(Date.now() / 1_000);
  let counter = 0;

  const signal = () => new AbortController().signal;

  const routes: Routes = {
    'POST /v1/chat/completions': async (body) => {
      const request = parse(ChatBody, body);
      if (request.stream === true) throw new HttpError(400, 'streaming is not supported; send stream: false', 'invalid_request_error', 'stream');
      const system = request.messages
        .filter((message) => message.role === 'system')
        .map((message) => message.content ?? '')
        .join('\n');
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
      ...(await whitebox.info()),
      hookLayers: { first: 0, last: model.model.config.layers, meaning: 'residual stream after block n; 0 is the embedding output' },
    }),
    'POST /v1/whitebox/tokenize': async (body) => whitebox.tokenize(parse(WhiteBoxInput, body), { signal: signal() }),
    'POST /v1/whitebox/forward': async (body) => whitebox.forward(parse(ForwardRequest, body), { signal: signal() }),
    'POST /v1/whitebox/logit-lens': async (body) => whitebox.logitLens(parse(LensRequest, body), { signal: signal() }),
    'POST /v1/whitebox/logprobs': async (body) => whitebox.logprobs(parse(WhiteBoxInput, body), { signal: signal() }),
    'POST /v1/whitebox/read-vector': async (body) => ({ top: await whitebox.readVector(parse(ReadVectorRequest, body), { signal: signal() }) }),
    'POST /v1/whitebox/chat': async (body) => {
      const request = parse(WhiteBoxChatBody, body);
      return whitebox.chat(
        {
          messages: request.messages,
          hooks: request.hooks,
          ...given('system', request.system),
          ...given('prefill', request.prefill),
          ...given('maxTokens', request.max_tokens),
          ...given('temperature', request.temperature),
          ...given('seed', request.seed),
        },
        { signal: signal() },
      );
    },
    'POST /v1/whitebox/steering-search': async (body) => ({ vectors: await whitebox.searchSteeringVectors(parse(SteeringSearchRequest, body), { signal: signal() }) }),
  };

  return routes;
}

/** A route's answer as a status and a body, with failures in OpenAI's error shape. */
export async function answer(routes: Routes, key: string, body: unknown): Promise<{ status: number; body: unknown }> {
  try {
    const route = routes[key];
    if (route === undefined) throw new HttpError(404, `no route ${key}`, 'not_found_error');
    return { status: 200, body: await route(body) };
  } catch (error) {
    const http =
      error instanceof HttpError
        ? error
        : error instanceof UserError
          ? new HttpError(400, `${error.field ?? 'body'}: ${error.message}${error.fix === undefined ? '' : ` (${error.fix})`}`, 'invalid_request_error', error.field ?? null)
          : new HttpError(500, error instanceof Error ? error.message : String(error), 'server_error');
    return { status: http.status, body: { error: { message: http.message, type: http.type, param: http.param, code: null } } };
  }
}
