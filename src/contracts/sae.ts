import { z } from 'zod';

/**
 * A sparse autoencoder over one layer's residual stream, as stored: weights as base64 float32, and
 * for each feature the training contexts where it fired most, so tools can describe features.
 */
export const SparseDictionary = z.strictObject({
  format: z.literal('auditgym-sae-1'),
  /** The model it was trained on, as a model reference (`micro:micro/backdoor`). */
  model: z.string(),
  /** The SHA-256 of the weights file it was trained on; a dictionary of other weights is stale. */
  weights: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .optional(),
  layer: z.number().int().nonnegative(),
  dModel: z.number().int().positive(),
  features: z.number().int().positive().max(65_536),
  /** [dModel × features], row-major. */
  encoder: z.string(),
  encoderBias: z.string(),
  /** [features × dModel], row-major; each row is a unit vector in the residual stream. */
  decoder: z.string(),
  decoderBias: z.string(),
  /** Share of training tokens on which each feature is active. */
  density: z.array(z.number().min(0).max(1)),
  examples: z.array(z.array(z.strictObject({ context: z.string(), activation: z.number() }))),
  training: z.strictObject({
    seed: z.number().int(),
    texts: z.number().int(),
    tokens: z.number().int(),
    steps: z.number().int(),
    l1: z.number(),
    /** Reconstruction error as a share of the activations' variance. */
    varianceUnexplained: z.number(),
    /** Mean number of active features per token. */
    meanActive: z.number(),
  }),
});
export type SparseDictionary = z.infer<typeof SparseDictionary>;
