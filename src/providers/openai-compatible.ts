import { z } from 'zod';
import type { ChatMessage, ChatRequest, ChatResponse, CompletionRequest, TokenLogprob, ToolCall } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import type { WhiteBox } from '../contracts/whitebox.js';
import { HttpChatModel, type ProviderSettings } from './settings.js';
import { VllmLensWhiteBox } from './vllm-lens.js';
import { HttpWhiteBox } from './whitebox-http.js';

const WireToolCall = z.object({
  id: z.string().default(''),
  type: z.string().optional(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
});

const WireLogprob = z.object({
  token: z.string(),
  logprob: z.number(),
  top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number() })).nullish(),
});

const WireUsage = z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish();

const ChatCompletion = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(WireToolCall).nullish(),
        }),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ content: z.array(WireLogprob).nullish() }).nullish(),
      }),
    )
    .min(1),
  usage: WireUsage,
});

const TextCompletion = z.object({
  model: z.string().nullish(),
  choices: z.array(z.object({ text: z.string(), finish_reason: z.string().nullish() })).min(1),
  usage: WireUsage,
});

const OpenAIError = z.object({ error: z.union([z.object({ message: z.string() }), z.string()]) });

function errorMessage(body: unknown): string | undefined {
  const parsed = OpenAIError.safeParse(body);
  if (!parsed.success) return undefined;
  return typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message;
}

function finishReason(reason: string | null | undefined): ChatResponse['finishReason'] {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

function toWireMessages(request: ChatRequest): unknown[] {
  const messages: unknown[] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push(toWireMessage(message));
  return messages;
}

function toWireMessage(message: ChatMessage): unknown {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return message.toolCalls !== undefined && message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content === '' ? null : message.content,
            tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
          }
        : { role: 'assistant', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toolChoice(choice: ChatRequest['toolChoice']): unknown {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

/**
 * OpenAI chat completions, as spoken by OpenAI, vLLM, llama.cpp's server and Ollama. Prefill uses
 * vLLM's `continue_final_message`, which llama.cpp also honours for a trailing assistant message.
 */
export class OpenAICompatibleModel extends HttpChatModel implements ChatModel {
  /** Present when the server also speaks the white-box protocol (capability `activations`). */
  readonly whitebox: WhiteBox | undefined;

  constructor(model: string, settings: ProviderSettings) {
    super(model, settings);
    const get = (path: string, options: CallOptions) => this.getJson(`${this.settings.baseUrl}${path}`, errorMessage, options);
    const post = (path: string, body: unknown, options: CallOptions) => this.#post(path, body, options);
    if (!settings.capabilities.has('activations')) this.whitebox = undefined;
    else if (settings.whitebox === 'vllm-lens') {
      // vLLM serves tokenization beside /v1, not under it.
      const root = this.settings.baseUrl.replace(/\/v1$/, '');
      this.whitebox = new VllmLensWhiteBox(this.id, model, {
        post,
        get,
        postRoot: (path, body, options) => this.post(`${root}${path}`, body, this.authHeaders(), errorMessage, options),
        chat: (request, extra, options) => this.#chat(request, extra, options),
      });
    } else this.whitebox = new HttpWhiteBox(this.id, post, get);
  }

  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    return this.#chat(request, {}, options);
  }

  async #chat(request: ChatRequest, extra: Record<string, unknown>, options: CallOptions): Promise<ChatResponse> {
    const body: Record<string, unknown> = { model: this.model, messages: toWireMessages(request), ...extra };
    const prefill = request.prefill;
    if (prefill !== undefined) {
      this.requireCapability('prefill');
      (body.messages as unknown[]).push({ role: 'assistant', content: prefill });
      body.continue_final_message = true;
      body.add_generation_prompt = false;
    }
    if (request.tools !== undefined && request.tools.length > 0) {
      body.tools = request.tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
      if (request.toolChoice !== undefined) body.tool_choice = toolChoice(request.toolChoice);
    }
    this.#sampling(body, request);
    if (request.logprobs !== undefined) {
      this.requireCapability('logprobs');
      body.logprobs = true;
      if (request.logprobs > 0) body.top_logprobs = request.logprobs;
    }
    const raw = await this.#post('/chat/completions', body, options);
    const parsed = ChatCompletion.safeParse(raw);
    if (!parsed.success) throw this.badResponse(parsed.error);
    const choice = parsed.data.choices[0] as z.infer<typeof ChatCompletion>['choices'][number];
    const content = choice.message.content ?? '';
    // vLLM returns only the continuation; a server that echoes the prefill is not doubled.
    const text = prefill !== undefined && !content.startsWith(prefill) ? prefill + content : content;
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call, index) => ({
      id: call.id || `call_${index}`,
      name: call.function.name,
      arguments: call.function.arguments ?? '',
    }));
    const response: ChatResponse = {
      text,
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool-calls' : finishReason(choice.finish_reason),
      usage: { inputTokens: parsed.data.usage?.prompt_tokens ?? 0, outputTokens: parsed.data.usage?.completion_tokens ?? 0 },
      model: parsed.data.model ?? this.model,
    };
    const logprobs = choice.logprobs?.content;
    if (logprobs !== undefined && logprobs !== null) response.logprobs = logprobs.map(toLogprob);
    return response;
  }

  async complete(request: CompletionRequest, options: CallOptions): Promise<ChatResponse> {
    this.requireCapability('raw-completion');
    const body: Record<string, unknown> = { model: this.model, prompt: request.prompt };
    this.#sampling(body, request);
    const raw = await this.#post('/completions', body, options);
    const parsed = TextCompletion.safeParse(raw);
    if (!parsed.success) throw this.badResponse(parsed.error);
    const choice = parsed.data.choices[0] as z.infer<typeof TextCompletion>['choices'][number];
    return {
      text: choice.text,
      toolCalls: [],
      finishReason: finishReason(choice.finish_reason),
      usage: { inputTokens: parsed.data.usage?.prompt_tokens ?? 0, outputTokens: parsed.data.usage?.completion_tokens ?? 0 },
      model: parsed.data.model ?? this.model,
    };
  }

  #sampling(body: Record<string, unknown>, request: { maxTokens?: number | undefined; temperature?: number | undefined; topP?: number | undefined; seed?: number | undefined }): void {
    const maxTokens = request.maxTokens ?? this.settings.maxTokens;
    if (maxTokens !== undefined) body.max_tokens = maxTokens;
    const temperature = request.temperature ?? this.settings.temperature;
    if (temperature !== undefined) body.temperature = temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.seed !== undefined) body.seed = request.seed;
  }

  protected override authHeaders(): Record<string, string> {
    const key = this.settings.apiKey();
    return key === undefined ? {} : { authorization: `Bearer ${key}` };
  }

  #post(path: string, body: unknown, options: CallOptions): Promise<unknown> {
    return this.post(`${this.settings.baseUrl}${path}`, body, this.authHeaders(), errorMessage, options);
  }
}

function toLogprob(entry: z.infer<typeof WireLogprob>): TokenLogprob {
  return { token: entry.token, logprob: entry.logprob, top: (entry.top_logprobs ?? []).map((top) => ({ token: top.token, logprob: top.logprob })) };
}
