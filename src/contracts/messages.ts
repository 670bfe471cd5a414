import { z } from 'zod';
import { TokenUsage } from './common.js';

/** What every call to a model or white box takes: its AbortSignal, so a game's budget can stop work in flight. */
export interface CallOptions {
  signal: AbortSignal;
}

/** A tool call as a model asked for it. `arguments` is the raw JSON text: it is parsed, never trusted. */
export const ToolCall = z.strictObject({
  id: z.string(),
  name: z.string(),
  arguments: z.string(),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const ChatMessage = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('user'), content: z.string() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z.array(ToolCall).optional(),
  }),
  z.strictObject({
    role: z.literal('tool'),
    toolCallId: z.string(),
    toolName: z.string(),
    content: z.string(),
    isError: z.boolean().optional(),
  }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ToolDefinition = z.strictObject({
  name: z.string(),
  description: z.string(),
  /** JSON Schema of the arguments. */
  parameters: z.record(z.string(), z.unknown()),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

export const ChatRequest = z.strictObject({
  system: z.string().optional(),
  messages: z.array(ChatMessage),
  /** Text the assistant's reply is forced to start with. Needs the `prefill` capability. */
  prefill: z.string().optional(),
  tools: z.array(ToolDefinition).optional(),
  /** `required` forces some tool call; a name forces that tool. */
  toolChoice: z.union([z.enum(['auto', 'required', 'none']), z.strictObject({ name: z.string() })]).optional(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  /** Ask for per-token log-probabilities, with this many alternatives. Needs `logprobs`. */
  logprobs: z.number().int().min(0).max(20).optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

export const TokenLogprob = z.strictObject({
  token: z.string(),
  logprob: z.number(),
  top: z.array(z.strictObject({ token: z.string(), logprob: z.number() })),
});
export type TokenLogprob = z.infer<typeof TokenLogprob>;

export const ChatResponse = z.strictObject({
  /** The reply, with any prefill included at its start, so the text reads as the model's turn. */
  text: z.string(),
  toolCalls: z.array(ToolCall),
  finishReason: z.enum(['stop', 'length', 'tool-calls', 'content-filter', 'other']),
  usage: TokenUsage,
  model: z.string(),
  logprobs: z.array(TokenLogprob).optional(),
});
export type ChatResponse = z.infer<typeof ChatResponse>;

export const CompletionRequest = z.strictObject({
  prompt: z.string(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;
