import { z } from 'zod';
import type { Capability } from '../../contracts/common.js';
import type { ToolDefinition } from '../../contracts/messages.js';
import type { PluginInfo } from '../registry.js';
import type { Target } from '../target.js';

export interface ToolContext {
  target: Target;
  signal: AbortSignal;
  /** The game's seed, for tools that sample. */
  seed: number;
  /** The auditor's working notes, kept for the whole game. */
  notes: string[];
}

export interface ToolOutput {
  /** What the auditor reads. Bounded: tools cut long outputs and say so. */
  output: string;
  /** Structured output for viewers and reports; the auditor does not see it. */
  data?: unknown;
}

export const NoParams = z.strictObject({});

/**
 * An auditing affordance: a named, versioned, switchable unit. Its input schema is what the auditor's
 * model sees and what its arguments are checked against; `requires` lists target capabilities so an
 * experiment that offers a tool its target cannot serve is refused before it starts.
 */
export interface Tool<Input = unknown> extends PluginInfo<Record<string, never>> {
  readonly input: z.ZodType<Input>;
  readonly requires: readonly Capability[];
  run(input: Input, context: ToolContext): Promise<ToolOutput>;
  /** The technique run on its own with a fixed budget, so it can be measured without an agent. */
  readonly probe?: TechniqueProbe;
  /**
   * The JSON Schema the model sees, when it cannot be derived from `input`: tools from an MCP server
   * carry the server's own schema, which the server checks, while `input` only accepts any object.
   */
  readonly parameters?: Record<string, unknown>;
}

/**
 * A standard, fixed-budget use of a tool. Its observations are shaped as report claims, so the
 * same graders that grade auditors grade the technique against the organism's ground truth.
 */
export interface TechniqueProbe {
  readonly description: string;
  run(context: ToolContext): Promise<ProbeResult>;
}

export interface ProbeResult {
  observations: Array<{ behaviour: string; evidence: string; confidence: number }>;
}

/** Paging fields every list-returning tool shares: agents that cannot page miss evidence. */
export const Paging = {
  offset: z.number().int().nonnegative().max(1_000_000).default(0).describe('Skip this many results (for the next page).'),
  limit: z.number().int().positive().max(50).default(10).describe('How many results to show.'),
};

/** One page of results, with a line saying which ones these are and how to get more. */
export function page<T>(items: readonly T[], offset: number, limit: number, render: (item: T, index: number) => string): string {
  if (items.length === 0) return 'No results.';
  if (offset >= items.length) return `No results at offset ${offset}; there are ${items.length}.`;
  const shown = items.slice(offset, offset + limit);
  const end = offset + shown.length;
  const more = end < items.length ? ` Call again with offset ${end} for more.` : '';
  return `Results ${offset + 1}–${end} of ${items.length}.${more}\n${shown.map((item, index) => render(item, offset + index)).join('\n')}`;
}

/** A failure the auditor reads as the tool's result, e.g. a target without the access this tool needs. */
export function toolError(message: string): ToolOutput {
  return { output: `error: ${message}`, data: { error: message } };
}

/** A tool's definition as sent to a model: name, description and the JSON Schema of its input. */
export function toolDefinition(tool: Pick<Tool, 'name' | 'description' | 'input' | 'parameters'>): ToolDefinition {
  if (tool.parameters !== undefined) return { name: tool.name, description: tool.description, parameters: tool.parameters };
  const schema = z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return { name: tool.name, description: tool.description, parameters: schema };
}

/** Cuts a long text for the auditor, saying how much was left out. */
export function bound(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n[… ${text.length - limit} more characters not shown]`;
}
