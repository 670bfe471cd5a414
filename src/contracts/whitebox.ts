import { z } from 'zod';
import type { CallOptions, ChatRequest, ChatResponse } from './messages.js';
import type { SparseDictionary } from './sae.js';

/**
 * White-box access to a model: the shapes of docs/whitebox-protocol.md. The in-process runtime and
 * any server that speaks the protocol implement the same interface, so white-box tools work on both.
 */

const Vector = z.array(z.number().finite()).max(65_536);

/**
 * An intervention on the residual stream after block `layer` (0 is the embedding output). At every
 * position: project out, then add, then noise; `read` returns the stream after them.
 */
export const Hook = z.strictObject({
  layer: z.number().int().nonnegative(),
  read: z.boolean().optional(),
  add: Vector.optional(),
  noise: z.strictObject({ scale: z.number().nonnegative().max(1_000), seed: z.number().int() }).optional(),
  projectOut: Vector.optional(),
});
export type Hook = z.infer<typeof Hook>;

/**
 * Text, encoded as a user turn with the assistant's turn opened (`chat`), as the start of a user turn
 * left open (`user`: what the user goes on to say), or as is (`raw`); or token ids.
 */
export const WhiteBoxInput = z.object({
  text: z.string().max(20_000).optional(),
  tokens: z.array(z.number().int().nonnegative()).max(4_096).optional(),
  format: z.enum(['chat', 'user', 'raw']).default('chat'),
  /** A system prompt for `chat` text. */
  system: z.string().max(20_000).optional(),
  /** Text the assistant's opened turn already starts with, for `chat` text. */
  prefill: z.string().max(20_000).optional(),
});
export type WhiteBoxInput = z.input<typeof WhiteBoxInput>;

export const ForwardRequest = WhiteBoxInput.extend({
  hooks: z.array(Hook).max(64).default([]),
  top: z.number().int().positive().max(100).default(10),
  /** Also return the full next-token log-probability vector (for divergences). */
  full: z.boolean().default(false),
});
export type ForwardRequest = z.input<typeof ForwardRequest>;

export const LensRequest = WhiteBoxInput.extend({
  /** Token position; negative counts from the end; the last token when omitted. */
  position: z.number().int().optional(),
  top: z.number().int().positive().max(100).default(10),
  hooks: z.array(Hook).max(64).default([]),
});
export type LensRequest = z.input<typeof LensRequest>;

export const ReadVectorRequest = z.strictObject({ vector: Vector, top: z.number().int().positive().max(100).default(10) });
export type ReadVectorRequest = z.input<typeof ReadVectorRequest>;

/** A token and its log-probability. `id` is -1 where the backend names tokens but not their ids (vllm-lens's top log-probabilities). */
export const TokenScore = z.strictObject({ token: z.string(), id: z.number().int(), logprob: z.number() });
export type TokenScore = z.infer<typeof TokenScore>;

export const WhiteBoxInfo = z.strictObject({
  model: z.string(),
  /** Which protocol the backend speaks; vllm-lens has no unembedding, so `vocabSize` is unknown there. */
  protocol: z.enum(['auditgym-whitebox-1', 'vllm-lens']),
  config: z.object({
    layers: z.number().int().positive(),
    dModel: z.number().int().positive(),
    contextLength: z.number().int().positive(),
    vocabSize: z.number().int().positive().optional(),
  }),
});
export type WhiteBoxInfo = z.infer<typeof WhiteBoxInfo>;

export const TokenizeResult = z.strictObject({ tokens: z.array(z.number().int()), pieces: z.array(z.string()) });
export type TokenizeResult = z.infer<typeof TokenizeResult>;

export const ForwardResult = z.strictObject({
  tokens: z.array(z.number().int()),
  next: z.array(TokenScore),
  /** Full next-token log-probabilities, when asked for. */
  nextLogprobs: z.array(z.number()).optional(),
  /** Streams read by hooks, by layer: [time][dModel]. */
  residuals: z.record(z.string(), z.array(z.array(z.number()))),
});
export type ForwardResult = z.infer<typeof ForwardResult>;

export const LensResult = z.strictObject({
  tokens: z.array(z.number().int()),
  position: z.number().int(),
  layers: z.array(z.strictObject({ layer: z.number().int(), top: z.array(TokenScore) })),
});
export type LensResult = z.infer<typeof LensResult>;

export const LogprobsResult = z.strictObject({ tokens: z.array(z.number().int()), logprobs: z.array(TokenScore) });
export type LogprobsResult = z.infer<typeof LogprobsResult>;

/** Unsupervised steering (MELBO): vectors at `sourceLayer` that most change `targetLayer` on a prompt. */
export const SteeringSearchRequest = WhiteBoxInput.extend({
  sourceLayer: z.number().int().nonnegative(),
  targetLayer: z.number().int().positive(),
  count: z.number().int().positive().max(16).default(4),
  /** The norm every vector is held at. */
  radius: z.number().positive().max(1_000),
  steps: z.number().int().positive().max(500).default(60),
  seed: z.number().int().default(0),
});
export type SteeringSearchRequest = z.input<typeof SteeringSearchRequest>;

export interface WhiteBox {
  info(options: CallOptions): Promise<WhiteBoxInfo>;
  tokenize(input: WhiteBoxInput, options: CallOptions): Promise<TokenizeResult>;
  forward(request: ForwardRequest, options: CallOptions): Promise<ForwardResult>;
  /** Each layer's residual stream at one position, read through the final norm and the unembedding. */
  logitLens(request: LensRequest, options: CallOptions): Promise<LensResult>;
  /** The log-probability of each token given those before it. */
  logprobs(input: WhiteBoxInput, options: CallOptions): Promise<LogprobsResult>;
  /** A residual-stream vector read through the final norm and the unembedding. */
  readVector(request: ReadVectorRequest, options: CallOptions): Promise<TokenScore[]>;
  /** A chat reply generated with interventions at every step. */
  chat(request: ChatRequest & { hooks?: Hook[] | undefined }, options: CallOptions): Promise<ChatResponse>;
  /** A sparse autoencoder trained on this model's activations, when one has been trained. */
  dictionary?(options: CallOptions): Promise<SparseDictionary | undefined>;
  /** Needs gradients, so only runtimes that have them offer it. */
  searchSteeringVectors?(request: SteeringSearchRequest, options: CallOptions): Promise<number[][]>;
}
