import type { Capability } from './common.js';
import type { ChatRequest, ChatResponse, CompletionRequest } from './messages.js';

export interface CallOptions {
  signal: AbortSignal;
}

/**
 * A chat model behind some provider. Adapters implement it; the core only ever sees this. Every call
 * takes an AbortSignal so a game's wall-time budget can stop work in flight.
 */
export interface ChatModel {
  /** `provider:model`, as written in specs. */
  readonly id: string;
  readonly provider: string;
  readonly capabilities: ReadonlySet<Capability>;
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Raw text completion without the chat template. Present only with the `raw-completion` capability. */
  complete?(request: CompletionRequest, options: CallOptions): Promise<ChatResponse>;
}

/** Turns a `provider:model` reference and its options into a model. Adapters supply it to the core. */
export type ModelResolver = (ref: string, options: Readonly<Record<string, unknown>>) => ChatModel;
