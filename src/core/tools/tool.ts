import { z } from 'zod';
import type { Capability } from '../../contracts/common.js';
import type { ToolView } from '../../contracts/transcript.js';
import type { ToolDefinition } from '../../contracts/messages.js';
import type { ChatModel } from '../../contracts/model.js';
import type { PluginInfo } from '../registry.js';
import type { Target } from '../target.js';

export interface ToolContext {
  target: Target;
  signal: AbortSignal;
  /** The game's seed, for tools that sample. */
  seed: number;
  /** The auditor's working notes, kept for the whole game. */
  notes: string[];
  /**
   * The experiment's judge model (`roles.judge`), for tools that score replies harness-side, such as
   * an evaluation's yes/no rubric. Absent when the experiment names none.
   */
  judge?: ChatModel | undefined;
}

export interface ToolOutput<Data = unknown> {
  /** What the auditor reads. Bounded: tools cut long outputs and say so. */
  output: string;
  /** Structured output for viewers and reports; the auditor does not see it. */
  data?: Data;
}

export const NoParams = z.strictObject({});

/**
 * A standard, fixed-budget use of a tool: the inputs it is run on without an agent, so the technique
 * can be measured on its own. The harness runs each input and reads the outputs as report claims, so
 * the graders that grade auditors grade the technique against the organism's ground truth.
 */
export interface TechniqueProbe {
  readonly description: string;
  inputs(context: ToolContext): Promise<unknown[]> | unknown[];
}

export interface ProbeResult {
  observations: Array<{ behaviour: string; evidence: string; confidence: number }>;
}

/**
 * An auditing affordance: a named, versioned, switchable unit, everything about it in one value. Its
 * input schema is what the auditor's model sees and what the harness checks arguments against;
 * `requires` lists target capabilities so an experiment that offers a tool its target cannot serve is
 * refused before it starts. A tool reports a failure by throwing (a `ToolError` for an expected one);
 * the harness turns it into an error result, so no failure reads as a success.
 */
export interface Tool<Input = unknown> extends PluginInfo<Record<string, never>> {
  readonly input: z.ZodType<Input>;
  /** The shape of `data` in its results, for viewers and for readers of the store. */
  readonly output?: z.ZodType | undefined;
  readonly requires: readonly Capability[];
  /**
   * The family of technique it belongs to (`chat`, `prefill`, `sampling`, `data`, `whitebox`, or a
   * new one), which the built-in affordance sets are made from and reports group by.
   */
  readonly family: string;
  run(input: Input, context: ToolContext): Promise<ToolOutput>;
  /** The technique run on its own with a fixed budget, so it can be measured without an agent. */
  readonly probe?: TechniqueProbe | undefined;
  /** How viewers and reports draw its `data`; the text alone when omitted. */
  readonly view?: ToolView | undefined;
  /**
   * The JSON Schema the model sees, when it cannot be derived from `input`: tools from an MCP server
   * carry the server's own schema, which the server checks, while `input` only accepts any object.
   */
  readonly parameters?: Record<string, unknown> | undefined;
}

export interface ToolSpec<Input, Data> {
  name: string;
  /** Semantic version, recorded on every run that offers the tool; 1.0.0 when omitted. */
  version?: string;
  description: string;
  input: z.ZodType<Input>;
  output?: z.ZodType<Data>;
  requires?: readonly Capability[];
  /** `other` when omitted. */
  family?: string;
  run(input: Input, context: ToolContext): Promise<ToolOutput<Data>>;
  probe?: TechniqueProbe;
  view?: ToolView;
  parameters?: Record<string, unknown>;
}

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * Defines a tool: its schemas, what it needs of the target, how it runs, and optionally its technique
 * probe and its rendering hint. Register the result on a catalog (`catalog.tools.register(tool)`) and
 * name it in an affordance set; nothing else needs to know about it.
 */
export function defineTool<Input, Data = unknown>(spec: ToolSpec<Input, Data>): Tool<Input> {
  if (!TOOL_NAME.test(spec.name)) throw new TypeError(`tool name "${spec.name}" must be a letter followed by up to 63 letters, digits, _ or -`);
  if (spec.description.trim() === '') throw new TypeError(`tool "${spec.name}" needs a description: it is what the auditor's model reads`);
  return {
    name: spec.name,
    version: spec.version ?? '1.0.0',
    description: spec.description,
    params: NoParams as z.ZodType<Record<string, never>>,
    input: spec.input,
    output: spec.output,
    requires: spec.requires ?? [],
    family: spec.family ?? 'other',
    run: spec.run as Tool<Input>['run'],
    probe: spec.probe,
    view: spec.view,
    parameters: spec.parameters,
  };
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
