import type { Capability } from './common.js';
import type { CallOptions, ChatRequest, ChatResponse, CompletionRequest } from './messages.js';
import type { WhiteBox } from './whitebox.js';

// Call options live with the messages, which both models and white boxes use; naming them here
// too keeps `ChatModel` and what its methods take importable from one module.
export type { CallOptions } from './messages.js';

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
  /**
   * The model writes the user's next turn after the conversation so far (user-persona sampling).
   * Backends that apply the chat template themselves offer it; it needs `raw-completion`.
   */
  sampleUserTurn?(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Activations, interventions and lenses. Present with the `activations` capability. */
  readonly whitebox?: WhiteBox | undefined;
}

/** Turns a `provider:model` reference and its options into a model. Adapters supply it to the core. */
export type ModelResolver = (ref: string, options: Readonly<Record<string, unknown>>) => ChatModel;
