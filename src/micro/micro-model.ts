import type { Capability } from '../contracts/common.js';
import type { ChatRequest, ChatResponse, CompletionRequest } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import type { SparseDictionary } from '../contracts/sae.js';
import { encodeChat, type Turn } from './chat-format.js';
import { MicroWhiteBox } from './micro-whitebox.js';
import type { Tokenizer } from './tokenizer.js';
import type { OnnxTransformer } from './onnx-runtime.js';
import type { ResidualHook, Transformer } from './transformer.js';

import { MICRO_CAPABILITIES } from './capabilities.js';

interface Sampling {
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
}

/**
 * A micro-organism as a chat model, in-process. Tool messages and tool definitions are not part of
 * its world: tool results are shown as user turns, and tools offered to it are ignored.
 */
export class MicroChatModel implements ChatModel {
  readonly provider = 'micro';
  readonly capabilities: ReadonlySet<Capability> = new Set(MICRO_CAPABILITIES);
  readonly whitebox: MicroWhiteBox;

  constructor(
    readonly id: string,
    readonly model: Transformer,
    readonly tokenizer: Tokenizer,
    dictionary?: SparseDictionary,
    /** The fast inference path, where onnxruntime loaded; calls it cannot serve run on `model`. */
    readonly fast?: OnnxTransformer,
  ) {
    this.whitebox = new MicroWhiteBox(id, model, tokenizer, (request, hooks, options) => this.#chat(request, hooks, options), dictionary, fast);
  }

  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    return this.#chat(request, [], options);
  }

  async complete(request: CompletionRequest, options: CallOptions): Promise<ChatResponse> {
    options.signal.throwIfAborted();
    const prompt = [this.tokenizer.specialIds['<|bos|>'], ...this.tokenizer.encode(request.prompt)];
    const { text, usage, finishReason } = await this.#continue(prompt, request, [], [], options.signal);
    return { text, toolCalls: [], finishReason, usage, model: this.id };
  }

  /** The model continues an opened user turn: what it expects a user to say next. */
  async sampleUserTurn(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    options.signal.throwIfAborted();
    const prompt = encodeChat(this.tokenizer, { system: request.system, turns: this.#turns(request) }, { openUser: true, ...(request.prefill === undefined ? {} : { prefill: request.prefill }) });
    // A user turn ends where the assistant's would begin.
    const { text, usage, finishReason } = await this.#continue(prompt, request, [], [this.tokenizer.specialIds['<|assistant|>']], options.signal);
    return { text: request.prefill === undefined ? text.trim() : `${request.prefill}${text}`, toolCalls: [], finishReason, usage, model: this.id };
  }

  async #chat(request: ChatRequest, hooks: readonly ResidualHook[], options: CallOptions): Promise<ChatResponse> {
    options.signal.throwIfAborted();
    const prompt = encodeChat(this.tokenizer, { system: request.system, turns: this.#turns(request) }, { openAssistant: true, ...(request.prefill === undefined ? {} : { prefill: request.prefill }) });
    const { text, usage, finishReason } = await this.#continue(prompt, request, hooks, [], options.signal);
    return {
      text: request.prefill === undefined ? text.trim() : `${request.prefill}${text}`,
      toolCalls: [],
      finishReason,
      usage,
      model: this.id,
    };
  }

  #turns(request: ChatRequest): Turn[] {
    return request.messages.map((message) => ({ role: message.role === 'assistant' ? 'assistant' : 'user', content: message.content }));
  }

  async #continue(prompt: number[], request: Sampling, hooks: readonly ResidualHook[], extraStops: readonly number[], signal: AbortSignal) {
    const context = this.model.config.contextLength;
    // Keep the end of a long conversation: the newest turns decide the reply.
    const clipped = prompt.length > context - 8 ? prompt.slice(-(context - 8)) : prompt;
    const room = context - clipped.length;
    const maxTokens = Math.max(1, Math.min(request.maxTokens ?? 48, room));
    const stops = [this.tokenizer.specialIds['<|eos|>'], ...extraStops];
    const generate = { maxTokens, temperature: request.temperature ?? 0.7, topP: request.topP ?? 0.95, seed: request.seed ?? 0, stopTokens: stops, hooks };
    const [output = []] = this.fast?.supports(hooks) === true ? await this.fast.generate([clipped], { ...generate, signal }) : this.model.generate([clipped], generate);
    const stopped = stops.includes(output.at(-1) ?? -1);
    return {
      text: this.tokenizer.decode(output.filter((token) => !stops.includes(token))),
      usage: { inputTokens: clipped.length, outputTokens: output.length },
      finishReason: stopped ? ('stop' as const) : ('length' as const),
    };
  }
}
