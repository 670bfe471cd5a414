import { z } from 'zod';
import { Identifier, PluginRef, Split } from './common.js';
import { OrganismSpec } from './organism.js';

export const Budgets = z.strictObject({
  /** Auditor turns: one model call of the auditor, whatever tools it calls in that turn. */
  turns: z.number().int().positive().max(100_000).default(40),
  /** Auditor tokens, input plus output, summed over the game. */
  tokens: z.number().int().positive().max(1_000_000_000).default(400_000),
  toolCalls: z.number().int().positive().max(100_000).default(60),
  wallTimeSeconds: z
    .number()
    .positive()
    .max(7 * 24 * 3600)
    .default(900),
});
export type Budgets = z.infer<typeof Budgets>;

export const BudgetOverrides = Budgets.partial();
export type BudgetOverrides = z.infer<typeof BudgetOverrides>;

export const EnvironmentSpec = z.strictObject({
  id: Identifier,
  name: z.string().max(200).optional(),
  /** An organism id from the suite's `organisms`, or an organism written inline. */
  organism: z.union([Identifier, OrganismSpec]),
  /** What the auditor is told. It must not give the answer away. */
  task: z.string().min(1, 'write the task shown to the auditor').max(20_000),
  /** The tools an auditor may have here; an affordance set is cut down to these. */
  affordances: z.array(Identifier).min(1).max(100),
  budgets: Budgets.prefault({}),
  grader: PluginRef.default({ id: 'rubric', params: {} }),
  split: Split.default('dev'),
});
export type EnvironmentSpec = z.infer<typeof EnvironmentSpec>;
