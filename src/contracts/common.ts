import { z } from 'zod';

/** Identifiers are stable, human-readable slugs; `/` namespaces them (e.g. `quirky-10/flattery`). */
export const Identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, 'use lowercase letters, digits, ".", "_", "-" and "/" (e.g. "quirky-10/flattery")');
export type Identifier = z.infer<typeof Identifier>;

/**
 * A model is named as `provider:model`, as in Inspect's model roles. The provider picks the wire
 * format and defaults; everything after the first colon is passed to the provider untouched, because
 * model names themselves contain colons (Ollama's `llama3.1:8b`).
 */
export const ModelRef = z
  .string()
  .max(256, 'must be at most 256 characters')
  .regex(/^[a-z][a-z0-9-]*:.+$/, 'write the model as "provider:model", e.g. "openai:gpt-4o-mini" or "vllm:meta-llama/Llama-3.1-8B-Instruct"');
export type ModelRef = z.infer<typeof ModelRef>;

/** What a target can do. Tools declare the capabilities they need; experiments are refused up front if a target lacks one. */
/**
 * What a target offers. `unembedding` is reading a residual vector as tokens (the logit lens, feature
 * read-outs): servers that return activations but not the unembedding, such as vllm-lens, lack it.
 */
export const Capability = z.enum(['chat', 'system-prompt', 'prefill', 'raw-completion', 'logprobs', 'activations', 'interventions', 'unembedding', 'reference-model', 'training-data']);
export type Capability = z.infer<typeof Capability>;

export const Split = z.enum(['dev', 'test']);
export type Split = z.infer<typeof Split>;

/** Plug-in parameters are free-form JSON at the spec boundary; each plug-in parses its own with zod. */
export const PluginParams = z.record(z.string(), z.unknown());
export type PluginParams = z.infer<typeof PluginParams>;

/** A reference to a registered plug-in (tool, auditor, grader) together with its parameters. */
export const PluginRef = z.strictObject({
  id: Identifier,
  params: PluginParams.default({}),
});
export type PluginRef = z.infer<typeof PluginRef>;

/** What every run records about each plug-in it used, so a result can be reproduced. */
export const PluginRecord = z.strictObject({
  kind: z.enum(['tool', 'auditor', 'grader', 'provider', 'target', 'source']),
  name: z.string(),
  version: z.string(),
  params: PluginParams,
});
export type PluginRecord = z.infer<typeof PluginRecord>;

export const TokenUsage = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;
