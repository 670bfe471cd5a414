import { z } from 'zod';
import { Identifier, PluginRecord, TokenUsage } from './common.js';
import { ErrorInfo } from './errors.js';

export const GameStatus = z.enum(['pending', 'running', 'finished', 'error']);
export type GameStatus = z.infer<typeof GameStatus>;

/** One game: an auditor with one affordance set against one environment, one repeat. */
export const GamePlan = z.strictObject({
  id: z.string(),
  experimentId: Identifier,
  environmentId: Identifier,
  organismId: Identifier,
  auditor: z.string(),
  /** Index into the experiment's auditors, because the same auditor may run with different parameters. */
  auditorIndex: z.number().int().nonnegative(),
  affordanceSet: z.string(),
  tools: z.array(z.string()),
  repeat: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
});
export type GamePlan = z.infer<typeof GamePlan>;

export const GameUsage = z.strictObject({
  auditor: TokenUsage,
  target: TokenUsage,
  judge: TokenUsage,
  costUsd: z.number().nonnegative(),
  toolCalls: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
});
export type GameUsage = z.infer<typeof GameUsage>;

export const GameRecord = GamePlan.extend({
  status: GameStatus,
  attempts: z.number().int().nonnegative(),
  usage: GameUsage.nullable(),
  error: ErrorInfo.nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type GameRecord = z.infer<typeof GameRecord>;

export const ExperimentRecord = z.strictObject({
  id: Identifier,
  name: z.string(),
  createdAt: z.string(),
  /** The spec after loading and defaults: what ran, in full. */
  spec: z.unknown(),
  /** Every plug-in used, by name, version and parameters. */
  plugins: z.array(PluginRecord),
});
export type ExperimentRecord = z.infer<typeof ExperimentRecord>;
