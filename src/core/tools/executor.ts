import type { ErrorInfo } from '../../contracts/errors.js';
import type { ToolDefinition } from '../../contracts/messages.js';
import { ModelError, isAbortError, toErrorInfo } from '../errors.js';
import type { BudgetMeter } from '../meter.js';
import type { TranscriptWriter } from '../transcript.js';
import { toolDefinition, type Tool, type ToolContext } from './tool.js';

/** The result of one tool call, as the auditor reads it and the transcript stores it. */
export interface ToolCallResult {
  ok: boolean;
  /** What the auditor reads; for a failure, what went wrong and what to do instead. */
  output: string;
  data?: unknown;
  error?: ErrorInfo;
}

/** What an auditor can do with its tools. Every call goes through the harness: none reaches a tool directly. */
export interface ToolBox {
  /** The tools offered in this game, in the order the affordance set lists them. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** Name, description and JSON Schema of each tool, as a model's tool list expects them. */
  definitions(): ToolDefinition[];
  /**
   * Runs one tool call. `input` is the parsed arguments, or the raw JSON text a model sent. The result
   * is never thrown: unknown tools, bad arguments, spent budgets and failing tools all come back as
   * results with `ok: false`. Only an abort of the game's signal is thrown.
   */
  call(name: string, input: unknown, options?: CallToolOptions): Promise<ToolCallResult>;
  /**
   * Runs a tool's standard probe (its fixed inputs, see `TechniqueProbe`) as ordinary calls: counted,
   * checked and recorded like any other. Empty when the tool has no probe.
   */
  probe(name: string): Promise<Array<{ input: unknown; result: ToolCallResult }>>;
}

export interface CallToolOptions {
  /** The id the call is recorded under, e.g. the model's own tool-call id. */
  callId?: string | undefined;
  /** `input` is the JSON text a model sent, to be parsed here. */
  raw?: boolean | undefined;
  /** This call's own signal, for servers whose requests are cancelled one by one; the executor's otherwise. */
  signal?: AbortSignal | undefined;
}

export interface ToolExecutorOptions {
  tools: readonly Tool[];
  /** What every call shares besides its signal: the target, the game's seed and the notes. */
  context: Omit<ToolContext, 'signal'>;
  signal: AbortSignal;
  meter: BudgetMeter;
  /** Where the `tool-call` and `tool-result` events go; technique probes run without one. */
  transcript?: TranscriptWriter | undefined;
}

/**
 * The one place a tool runs, for every auditor alike (the baseline, the LLM investigator, a
 * researcher's own, an agent outside auditgym over `auditgym mcp`, and technique probes). It parses
 * arguments with the tool's schema, counts the call against the tool-call budget, records the call
 * and its result, passes the game's signal on, and turns anything a tool throws into an error result.
 */
export class ToolExecutor implements ToolBox {
  readonly #byName: ReadonlyMap<string, Tool>;
  #calls = 0;

  constructor(private readonly options: ToolExecutorOptions) {
    const byName = new Map<string, Tool>();
    for (const tool of options.tools) {
      if (byName.has(tool.name)) throw new Error(`tool "${tool.name}" is given twice`);
      byName.set(tool.name, tool);
    }
    this.#byName = byName;
  }

  get names(): string[] {
    return [...this.#byName.keys()];
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  definitions(): ToolDefinition[] {
    return [...this.#byName.values()].map(toolDefinition);
  }

  async probe(name: string): Promise<Array<{ input: unknown; result: ToolCallResult }>> {
    const tool = this.#byName.get(name);
    if (tool?.probe === undefined) return [];
    const inputs = await tool.probe.inputs({ ...this.options.context, signal: this.options.signal });
    const results: Array<{ input: unknown; result: ToolCallResult }> = [];
    for (const input of inputs) results.push({ input, result: await this.call(name, input) });
    return results;
  }

  async call(name: string, input: unknown, options: CallToolOptions = {}): Promise<ToolCallResult> {
    const callId = options.callId ?? `call-${++this.#calls}`;
    const { transcript, meter } = this.options;
    const signal = options.signal ?? this.options.signal;
    signal.throwIfAborted();
    const parsed = options.raw === true ? parseArguments(name, typeof input === 'string' ? input : JSON.stringify(input ?? {})) : { ok: true as const, value: input ?? {} };
    await transcript?.append({ type: 'tool-call', callId, tool: name, input: parsed.ok ? parsed.value : input });
    const tool = this.#byName.get(name);
    const finish = async (result: ToolCallResult): Promise<ToolCallResult> => {
      const view = result.ok ? tool?.view : undefined;
      await transcript?.append({
        type: 'tool-result',
        callId,
        tool: name,
        ok: result.ok,
        output: result.output,
        ...(result.data === undefined ? {} : { data: result.data }),
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(view === undefined ? {} : { view }),
      });
      return result;
    };
    const refused = await meter.takeToolCall();
    if (refused !== undefined) return finish(failure(`${refused.message}. Finish with what you have.`, refused.toInfo()));
    if (tool === undefined) {
      return finish(failure(`There is no tool "${name}". Your tools: ${this.names.join(', ')}.`, new ModelError('unknown-tool', `unknown tool ${name}`).toInfo()));
    }
    if (!parsed.ok) return finish(failure(parsed.message, new ModelError('invalid-tool-arguments', parsed.message).toInfo()));
    const checked = tool.input.safeParse(parsed.value);
    if (!checked.success) {
      const message = `Invalid arguments for ${name}: ${describeIssues(checked.error.issues)}.`;
      return finish(failure(message, new ModelError('invalid-tool-arguments', message).toInfo()));
    }
    try {
      const result = await tool.run(checked.data, { ...this.options.context, signal });
      return finish({ ok: true, output: result.output, ...(result.data === undefined ? {} : { data: result.data }) });
    } catch (error) {
      // The game's own deadline or a user's interrupt ends the game; any other failure is the tool's.
      if (signal.aborted || isAbortError(error)) throw error;
      const info = toErrorInfo(error);
      const output = info.kind === 'tool' ? `error: ${info.message}` : `error: tool ${name} failed (${info.kind} error, ${info.code}): ${info.message}`;
      return finish(failure(output, info));
    }
  }
}

function failure(output: string, error: ErrorInfo): ToolCallResult {
  return { ok: false, output, error };
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseArguments(name: string, text: string): Parsed {
  try {
    return { ok: true, value: text.trim() === '' ? {} : JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `The arguments of ${name} are not valid JSON (${(error as Error).message}). Send a JSON object.` };
  }
}

export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 6)
    .map((issue) => `${issue.path.map(String).join('.') || '(arguments)'}: ${issue.message}`)
    .join('; ');
}
