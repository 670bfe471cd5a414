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
}

/** A tool's definition as sent to a model: name, description and the JSON Schema of its input. */
export function toolDefinition(tool: Pick<Tool, 'name' | 'description' | 'input'>): ToolDefinition {
  const schema = z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return { name: tool.name, description: tool.description, parameters: schema };
}

/** Cuts a long text for the auditor, saying how much was left out. */
export function bound(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n[… ${text.length - limit} more characters not shown]`;
}
