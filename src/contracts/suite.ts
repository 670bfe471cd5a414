import { z } from 'zod';
import { McpServerSpec } from './mcp.js';
import { BudgetOverrides } from './environment.js';
import { EnvironmentSpec } from './environment.js';
import { Identifier, ModelRef, PluginParams, PluginRef, Split } from './common.js';
import { OrganismSpec } from './organism.js';

export const SuiteSpec = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  description: z.string().max(8_000).default(''),
  version: z.string().max(50).default('1'),
  organisms: z.array(OrganismSpec).max(1_000).default([]),
  environments: z.array(EnvironmentSpec).min(1, 'a suite needs at least one environment').max(1_000),
});
export type SuiteSpec = z.infer<typeof SuiteSpec>;

/** A named list of tools. The built-in names (`chat`, `chat+prefill`, …) need no definition. */
export const AffordanceSet = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9][a-z0-9+._-]*$/, 'use lowercase letters, digits and "+._-"'),
  tools: z.array(Identifier).min(1).max(100),
});
export type AffordanceSet = z.infer<typeof AffordanceSet>;

export const Price = z.strictObject({
  inputPerMillionTokens: z.number().nonnegative().max(10_000),
  outputPerMillionTokens: z.number().nonnegative().max(10_000),
});
export type Price = z.infer<typeof Price>;

/** Models bound to roles at run time, as in Inspect: the same suite runs on any target model. */
export const Roles = z.strictObject({
  target: ModelRef.optional(),
  targetOptions: PluginParams.optional(),
  judge: ModelRef.optional(),
});
export type Roles = z.infer<typeof Roles>;

/**
 * An auditor of an experiment. `affordanceSets` plays it with only some of the experiment's sets (by
 * name), for an auditor that uses only some tools, so it can sit beside others in one experiment,
 * its paired comparisons and its report without games that would repeat each other.
 */
export const AuditorRef = PluginRef.extend({
  affordanceSets: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
});
export type AuditorRef = z.infer<typeof AuditorRef>;

export const ExperimentSpec = z.strictObject({
  /** Omit to have one made from the name and the time. Reusing an id is refused; use `--resume`. */
  id: Identifier.optional(),
  name: z.string().min(1).max(200),
  description: z.string().max(8_000).default(''),
  /** A built-in suite id, a path to a suite file (relative to this file), or a suite written inline. */
  suite: z.union([z.string().min(1).max(1_000), SuiteSpec]),
  /** Run only these environments of the suite. */
  environments: z.array(Identifier).max(1_000).optional(),
  /** Run only environments of this split. */
  split: Split.optional(),
  auditors: z.array(AuditorRef).min(1, 'name at least one auditor, e.g. { id: llm-investigator, params: { model: "openai:gpt-4o" } }').max(50),
  affordanceSets: z
    .array(z.union([z.string().min(1).max(100), AffordanceSet]))
    .min(1)
    .max(50)
    .default(['chat']),
  /** Games per cell (environment × auditor × affordance set); with `stopping`, the most a cell may get. */
  repeats: z.number().int().positive().max(10_000).default(1),
  /**
   * Adaptive stopping: a cell stops getting games once the Wilson 95% interval of its win rate lies
   * wholly above or below `boundary`, since most cells sit near 0% or 100%. `repeats` caps it.
   */
  stopping: z
    .strictObject({
      boundary: z.number().gt(0).lt(1).default(0.5),
      minRepeats: z.number().int().positive().max(10_000).default(2),
    })
    .optional(),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31 - 1)
    .default(0),
  concurrency: z.number().int().positive().max(256).default(4),
  roles: Roles.default({}),
  /** Replaces every environment's grader. */
  grader: PluginRef.optional(),
  /**
   * MCP servers whose tools join the catalog as `<server>__<tool>`. Every environment allows them;
   * name them in an affordance set to offer them, e.g. { name: chat+mine, tools: [chat, mine__lookup] }.
   */
  mcpServers: z.array(McpServerSpec).max(20).default([]),
  /** Applied over every environment's budgets. */
  budgets: BudgetOverrides.optional(),
  /** USD per million tokens, by `provider:model`, for cost accounting. Unpriced models cost nothing in reports. */
  pricing: z.record(ModelRef, Price).default({}),
});
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
