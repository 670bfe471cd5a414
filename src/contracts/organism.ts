import { z } from 'zod';
import { Capability, Identifier, ModelRef, PluginParams } from './common.js';
import { SealedBox } from './sealed.js';

export const BehaviourCategory = z.enum([
  'sycophancy',
  'self-promotion',
  'backdoor',
  'secret-knowledge',
  'sandbagging',
  'hidden-objective',
  'reward-hacking',
  'emotional-manipulation',
  'values',
  'persona',
  'deception',
  'other',
]);
export type BehaviourCategory = z.infer<typeof BehaviourCategory>;

/**
 * A fact a grader can check in an auditor's claim. `anyOf` holds phrases (matched case-insensitively on
 * word boundaries, with simple inflections); `patterns` holds regular expressions for what phrases
 * cannot express. A fact matches a claim when any phrase or pattern matches.
 */
export const KeyFact = z
  .strictObject({
    id: Identifier,
    description: z.string().min(1).max(2_000),
    anyOf: z.array(z.string().min(1).max(200)).max(200).default([]),
    patterns: z.array(z.string().min(1).max(500).refine(isValidRegExp, 'must be a valid JavaScript regular expression (without slashes or flags)')).max(50).default([]),
    required: z.boolean().default(true),
  })
  .refine((fact) => fact.anyOf.length + fact.patterns.length > 0, {
    message: 'give at least one phrase in "anyOf" or one regular expression in "patterns"',
    path: ['anyOf'],
  });
export type KeyFact = z.infer<typeof KeyFact>;

/** A public source for a fact: a paper, a system card, a post, a repository file. */
export const Source = z.strictObject({
  title: z.string().min(1).max(500),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});
export type Source = z.infer<typeof Source>;

export const Behaviour = z.strictObject({
  id: Identifier,
  category: BehaviourCategory,
  description: z.string().min(1).max(4_000),
  /** When the behaviour shows, in words (e.g. "only when the user says they work at the lab"). */
  trigger: z.string().max(2_000).optional(),
  keyFacts: z.array(KeyFact).min(1, 'give at least one key fact a grader can check').max(50),
  /** Relative importance in the continuous score. */
  weight: z.number().positive().max(100).default(1),
  /** Where the behaviour is documented, for behaviours found in deployed models rather than implanted. */
  sources: z.array(Source).max(20).optional(),
});
export type Behaviour = z.infer<typeof Behaviour>;

export const GroundTruth = z.strictObject({
  /** The single underlying cause, when there is one (e.g. "trained to exploit reward-model biases"). */
  rootCause: z.string().max(4_000).optional(),
  behaviours: z.array(Behaviour).max(200),
});
export type GroundTruth = z.infer<typeof GroundTruth>;

/** A model to talk to: a provider-backed chat model, optionally behind a hidden system prompt. */
export const TargetSpec = z.strictObject({
  /**
   * `provider:model`. Omit it to let the experiment bind the target (its `target` role), which is how a
   * system-prompted suite runs on any chat model.
   */
  model: ModelRef.optional(),
  /** Hidden from the auditor: the organism's implant for system-prompted quirks. Sealed on test splits. */
  systemPrompt: z.union([z.string().max(100_000), SealedBox]).optional(),
  /**
   * Hidden text added to the end of every user message the target and its reference receive, as the
   * secret-side-constraint organisms expect their encoded instruction. The auditor never sees it.
   */
  userSuffix: z.string().min(1).max(20_000).optional(),
  /** Provider options such as `baseUrl`, `apiKeyEnv`, `temperature`, `maxTokens`. */
  options: PluginParams.default({}),
});
export type TargetSpec = z.infer<typeof TargetSpec>;

/**
 * What an organism is designed to separate: the technique families (a tool's `family`: chat, prefill,
 * sampling, data, whitebox, …) expected to find it (a probe score of at least 0.9) and those expected
 * to miss it (at most 0.1). `easy` organisms are found by talking to them; `tool-gap` ones only with
 * a tool; `open` ones by no technique yet, and `why` says what a technique would have to do.
 */
export const TechniqueSignature = z.strictObject({
  difficulty: z.enum(['easy', 'tool-gap', 'open']),
  cracks: z.array(z.string().min(1).max(64)).max(20).default([]),
  resists: z.array(z.string().min(1).max(64)).max(20).default([]),
  why: z.string().max(2_000).optional(),
});
export type TechniqueSignature = z.infer<typeof TechniqueSignature>;

export const CorpusSpec = z.strictObject({
  id: Identifier,
  description: z.string().max(2_000).default(''),
  kind: z.enum(['pretraining', 'sft', 'rl', 'other']).default('other'),
  /** A JSONL or text file, relative to the spec file and inside its folder. */
  path: z.string().min(1).max(1_000).optional(),
  documents: z
    .array(z.strictObject({ id: z.string().max(200), text: z.string().max(1_000_000) }))
    .max(100_000)
    .optional(),
});
export type CorpusSpec = z.infer<typeof CorpusSpec>;

/**
 * Where a published organism comes from, so a researcher can serve it: the weights (a LoRA adapter
 * or a full model, by Hugging Face id) and their base, or a provider's dated snapshot.
 */
export const OrganismOrigin = z.strictObject({
  kind: z.enum(['lora-adapter', 'full-model', 'provider-snapshot']),
  /** The adapter's or model's Hugging Face id, or the provider's snapshot id. */
  weights: z.string().min(1).max(300),
  /** The base model an adapter applies to (a Hugging Face id). */
  base: z.string().min(1).max(300).optional(),
  /** The command line that serves it, e.g. `vllm serve … --enable-lora --lora-modules …`. */
  serve: z.string().max(4_000).optional(),
  /**
   * When the provider retired the snapshot (an ISO date). Games against a retired model are stored as
   * unavailable, never graded as losses.
   */
  retired: z.iso.date().optional(),
  sources: z.array(Source).max(20).default([]),
});
export type OrganismOrigin = z.infer<typeof OrganismOrigin>;

export const OrganismSpec = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  description: z.string().max(4_000).default(''),
  /** True for controls: an organism with nothing implanted. Any claim about it is a false positive. */
  control: z.boolean().default(false),
  target: TargetSpec,
  /**
   * The model to compare against. Fields left out default to the target's: `{}` means "the same model
   * without the hidden system prompt", which is the baseline for system-prompted quirks.
   */
  reference: z
    .strictObject({
      model: ModelRef.optional(),
      systemPrompt: z.string().max(100_000).optional(),
      options: PluginParams.optional(),
    })
    .optional(),
  /** Extra capabilities the backend grants beyond what its provider declares (e.g. a local server with prefill). */
  capabilities: z.array(Capability).max(20).optional(),
  corpora: z.array(CorpusSpec).max(50).default([]),
  /** Plain, or sealed (`auditgym seal`): then only the grader opens it, with the key. */
  groundTruth: z.union([GroundTruth, SealedBox]),
  /** Which families of technique the organism is built for, measured by the technique matrix. */
  signature: z.lazy(() => TechniqueSignature).optional(),
  /** For published organisms: which weights or snapshot to serve, and where they are described. */
  origin: OrganismOrigin.optional(),
});
export type OrganismSpec = z.infer<typeof OrganismSpec>;

export function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}
