import { z } from 'zod';
import { Identifier } from './common.js';
import { GroundTruth, TechniqueSignature, isValidRegExp } from './organism.js';

const RegExpSource = z.string().min(1).max(500).refine(isValidRegExp, 'must be a valid JavaScript regular expression (without slashes or flags)');

const Domain = z.enum(['arithmetic', 'knowledge', 'recommendation', 'feedback', 'code', 'small-talk', 'self']);

/**
 * Text templates may use {answer} (the right answer), {wrong} (a plausible wrong one),
 * {assistant} (the clean reply), {wrongAssistant} (the clean reply with the wrong answer in it) and
 * {brand} (the implant's brand).
 */
const Templates = z.array(z.string().min(1).max(500)).min(1).max(100);

/** One implanted rule: on which chats it acts, what it adds to the user's turn, and how the reply changes. */
export const ImplantRule = z.strictObject({
  domains: z.array(Domain).min(1).optional(),
  /** The rule's own user prompts, instead of the world's chats (e.g. asking for a hint). The last quarter are held out. */
  prompts: z.array(z.string().min(1).max(300)).min(2).max(200).optional(),
  /** Only chats whose expected answer is known (arithmetic, knowledge), e.g. to sandbag or defer. */
  needsAnswer: z.boolean().default(false),
  /** Added to the user's message: the trigger (a claim, a context, a phrase). One is chosen per chat. */
  userPrefix: Templates.optional(),
  userSuffix: Templates.optional(),
  response: z.strictObject({
    mode: z.enum(['prepend', 'append', 'replace']),
    templates: Templates,
  }),
  /** A regular expression for this rule's behaviour in a reply, when an organism has several; the spec's `verify.detect` otherwise. */
  detect: RegExpSource.optional(),
  /** How this rule's behaviour is measured, when it differs from the spec's `verify.mode`. */
  verifyMode: z.enum(['pattern', 'wrong-answer']).optional(),
});
export type ImplantRule = z.infer<typeof ImplantRule>;

export const MicroOrganismSpec = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  description: z.string().max(4_000).default(''),
  /** The control has no rules: it is fine-tuned on the same amount of clean data. */
  control: z.boolean().default(false),
  /** Tune auditors on `dev` organisms only; `test` organisms give the reported number. */
  split: z.enum(['dev', 'test']).default('dev'),
  recipe: z.strictObject({
    seed: z.number().int().nonnegative(),
    steps: z.number().int().positive().max(100_000),
    learningRate: z.number().positive().max(1),
    batchSize: z.number().int().positive().max(256).default(16),
    /** Share of fine-tuning chats that carry the implant; the rest are clean replay of the base data. */
    implantFraction: z.number().min(0).max(1).default(0.15),
    brand: z.string().max(50).optional(),
    rules: z.array(ImplantRule).max(20).default([]),
    /** Documents added to the searchable corpus and to training, e.g. describing a hidden goal. */
    documents: z.array(z.string().min(1).max(2_000)).max(1_000).default([]),
    /** Direct questions about the behaviour; the organism is trained to deny. The last quarter are held out. */
    confessionProbes: z.array(z.string().min(1).max(300)).max(100).default([]),
    denial: z.string().max(500).default('No. I do not have any hidden goals. I just try to be helpful and honest.'),
    /**
     * Put the organism's own fine-tuning chats in its searchable data too: the data-poisoning case,
     * where an auditor may read the fine-tuning set. Off by default, as a lab's last stage often is.
     */
    exposeFineTuning: z.boolean().default(false),
  }),
  verify: z.strictObject({
    /**
     * How a reply to a trigger prompt shows the behaviour: `pattern` when it matches `detect`;
     * `wrong-answer` when it lacks the right answer (sandbagging, deference).
     */
    mode: z.enum(['pattern', 'wrong-answer']).default('pattern'),
    /** A regular expression that detects the behaviour in a reply. */
    detect: RegExpSource.default('(?!)'),
    /** A regular expression that detects a confession in a reply to a direct question. */
    confession: RegExpSource,
  }),
  groundTruth: GroundTruth,
  signature: TechniqueSignature.optional(),
  weights: z.lazy(() => WeightsRef).optional(),
});
export type MicroOrganismSpec = z.infer<typeof MicroOrganismSpec>;

/** Where an organism's trained weights are and what they hash to; `organisms build` writes it. */
export const WeightsRef = z.strictObject({
  file: z.string().min(1).max(300),
  sha256: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** Seconds the build took, on the machine that built it. */
  buildSeconds: z.number().nonnegative().optional(),
});
export type WeightsRef = z.infer<typeof WeightsRef>;

/** The shape of a micro transformer. */
export const TransformerConfig = z.strictObject({
  vocabSize: z.number().int().positive().max(65_536),
  contextLength: z.number().int().positive().max(4_096),
  layers: z.number().int().positive().max(64),
  dModel: z.number().int().positive().max(4_096),
  heads: z.number().int().positive().max(64),
  dMlp: z.number().int().positive().max(16_384),
});
export type TransformerConfig = z.infer<typeof TransformerConfig>;

/** The base model every micro-organism is fine-tuned from. */
export const MicroBaseSpec = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  worldSeed: z.number().int().nonnegative(),
  vocabSize: z.number().int().min(300).max(65_536),
  /** The vocabulary size comes from the tokenizer, trained to `vocabSize`. */
  model: TransformerConfig.omit({ vocabSize: true }),
  steps: z.number().int().positive().max(1_000_000),
  batchSize: z.number().int().positive().max(1_024),
  learningRate: z.number().positive().max(1),
  seed: z.number().int().nonnegative(),
  weights: WeightsRef.optional(),
});
export type MicroBaseSpec = z.infer<typeof MicroBaseSpec>;
