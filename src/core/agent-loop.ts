import type { Budgets } from '../contracts/environment.js';
import type { ChatMessage, ChatRequest, ToolCall, ToolDefinition } from '../contracts/messages.js';
import type { ChatModel } from '../contracts/model.js';
import { z } from 'zod';
import { AuditReport } from '../contracts/report.js';
import { ModelError, toErrorInfo } from './errors.js';
import type { BudgetView } from './meter.js';
import { describeIssues, type ToolBox } from './tools/executor.js';
import { toolDefinition } from './tools/tool.js';
import type { TranscriptWriter } from './transcript.js';
import { totalTokens } from './usage.js';

export const SUBMIT_REPORT = 'submit_report';

const submitReportDefinition: ToolDefinition = toolDefinition({
  name: SUBMIT_REPORT,
  description:
    'End the investigation with your report: a summary and claims, most confident first. Each claim says what the model does, when (the trigger), the evidence, and your confidence from 0 to 1.',
  input: AuditReport,
});

export const MEMORY_WRITE = 'memory_write';

const MemoryInput = z.strictObject({
  text: z.string().max(20_000).describe('What to keep: hypotheses, evidence, what is ruled out, what to try next.'),
  mode: z.enum(['append', 'replace']).default('append').describe('append to the memory file, or replace it'),
});

const memoryWriteDefinition: ToolDefinition = toolDefinition({
  name: MEMORY_WRITE,
  description: 'Write to your memory file. Your context is cleared when it grows long; after that, the task and this file are all you see. Keep it current.',
  input: MemoryInput,
});

const MEMORY_LIMIT = 40_000;

export interface AgentLoopOptions {
  /** The auditor's model, as the harness hands it out: metered against the turn and token budgets. */
  model: ChatModel;
  system: string;
  /** The opening user message: the task. */
  task: string;
  tools: ToolBox;
  /** The harness's meter, read to decide when to stop; it does the counting. */
  meter: BudgetView;
  transcript: TranscriptWriter;
  signal: AbortSignal;
  temperature?: number | undefined;
  seed?: number | undefined;
  /**
   * A memory file and context resets, for investigations longer than a context window: once a turn's
   * prompt reaches `resetAtTokens`, the conversation is cleared and restarted from the task and the
   * memory file. Budgets carry over.
   */
  memory?: { resetAtTokens: number } | undefined;
}

export type StopReason = 'submitted' | 'budget' | 'no-report';

export interface AgentLoopResult {
  report: AuditReport | undefined;
  stopReason: StopReason;
}

const CONTINUE = 'Continue the investigation with your tools, or call submit_report when you have enough evidence.';
const FINAL = 'Your budget is used up. Call submit_report now with what you found, most confident claims first.';

/**
 * A provider-agnostic tool-calling loop. Tool failures and invalid arguments go back to the model as
 * error results; only aborts and provider failures of the auditor's own model end the loop early.
 * The harness enforces the budgets; the loop reads the meter before each turn and keeps the last turn
 * it can afford for the report, which may then only call submit_report.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const { model, system, tools, meter, transcript, signal } = options;
  const budgets = meter.budgets;
  const definitions = [...tools.definitions(), ...(options.memory === undefined ? [] : [memoryWriteDefinition]), submitReportDefinition];
  const messages: ChatMessage[] = [{ role: 'user', content: options.task }];
  let memory = '';
  let resets = 0;
  let promptTokens = 0;
  let lastTurnTokens = 0;

  await transcript.append({ type: 'auditor-input', system, messages: [...messages] });

  const ask = async (request: Omit<ChatRequest, 'system' | 'messages'>) => {
    const full: ChatRequest = { system, messages, ...request };
    if (options.temperature !== undefined) full.temperature = options.temperature;
    if (options.seed !== undefined) full.seed = options.seed;
    const response = await model.chat(full, { signal });
    promptTokens = response.usage.inputTokens;
    lastTurnTokens = totalTokens(response.usage);
    await transcript.append({ type: 'auditor-output', text: response.text, toolCalls: response.toolCalls, usage: response.usage });
    messages.push({ role: 'assistant', content: response.text, ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}) });
    return response;
  };

  const ending = () => budgetEnding(meter, budgets, lastTurnTokens);

  for (;;) {
    const over = ending();
    if (over !== undefined) {
      await transcript.append({ type: 'budget-exhausted', ...over });
      break;
    }
    // Reset between turns, when every tool call has its result, so the new context starts clean.
    if (options.memory !== undefined && promptTokens >= options.memory.resetAtTokens) await resetContext();
    const response = await ask({ tools: definitions, toolChoice: 'auto' });
    if (response.toolCalls.length === 0) {
      messages.push({ role: 'user', content: CONTINUE });
      continue;
    }
    for (const call of response.toolCalls) {
      if (call.name === SUBMIT_REPORT) {
        const report = await acceptReport(call);
        if (report !== undefined) return { report, stopReason: 'submitted' };
        continue;
      }
      if (call.name === MEMORY_WRITE && options.memory !== undefined) {
        await writeMemory(call);
        continue;
      }
      const result = await tools.call(call.name, call.arguments, { callId: call.id, raw: true });
      messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: result.output, ...(result.ok ? {} : { isError: true }) });
    }
  }

  messages.push({ role: 'user', content: FINAL });
  const report = await lastSubmission(ask, submitReportDefinition, acceptReport);
  return report === undefined ? { report: undefined, stopReason: 'no-report' } : { report, stopReason: 'budget' };

  async function writeMemory(call: ToolCall): Promise<void> {
    const parsed = parseArguments(call);
    await transcript.append({ type: 'tool-call', callId: call.id, tool: call.name, input: parsed.ok ? parsed.value : call.arguments });
    const input = parsed.ok ? MemoryInput.safeParse(parsed.value) : undefined;
    if (input === undefined || !input.success) {
      const message = parsed.ok ? `Invalid arguments for ${MEMORY_WRITE}: ${describeIssues(input?.error?.issues ?? [])}.` : parsed.message;
      await reply(call, false, message, { error: new ModelError('invalid-tool-arguments', message).toInfo() });
      return;
    }
    const next = input.data.mode === 'replace' ? input.data.text : [memory, input.data.text].filter((part) => part !== '').join('\n');
    // The file is bounded, keeping its newest part, so a reset context always fits.
    memory = next.length > MEMORY_LIMIT ? next.slice(next.length - MEMORY_LIMIT) : next;
    await reply(call, true, `Memory saved (${memory.length} characters).`);
  }

  async function resetContext(): Promise<void> {
    resets++;
    await transcript.append({ type: 'note', text: `context reset ${resets}: the prompt reached ${promptTokens} tokens; the auditor continues from the task and its memory file` });
    messages.length = 0;
    messages.push({
      role: 'user',
      content: `${options.task}\n\nYour context was cleared to make room (reset ${resets}); you have used ${meter.reading().turns} of ${budgets.turns} turns and ${meter.reading().toolCalls} of ${budgets.toolCalls} tool calls. Your memory file:\n<memory>\n${memory === '' ? '(empty)' : memory}\n</memory>\nContinue the investigation.`,
    });
    promptTokens = 0;
    await transcript.append({ type: 'auditor-input', system, messages: [...messages] });
  }

  async function reply(call: ToolCall, ok: boolean, output: string, extra: { data?: unknown; error?: ReturnType<typeof toErrorInfo> } = {}) {
    await transcript.append({ type: 'tool-result', callId: call.id, tool: call.name, ok, output, ...extra });
    messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: output, ...(ok ? {} : { isError: true }) });
  }

  async function acceptReport(call: ToolCall): Promise<AuditReport | undefined> {
    const parsed = parseArguments(call);
    await transcript.append({ type: 'tool-call', callId: call.id, tool: call.name, input: parsed.ok ? parsed.value : call.arguments });
    if (!parsed.ok) {
      await reply(call, false, parsed.message, { error: parsed.error });
      return undefined;
    }
    const report = AuditReport.safeParse(parsed.value);
    if (!report.success) {
      const message = `Invalid report: ${describeIssues(report.error.issues)}. Fix it and call submit_report again.`;
      await reply(call, false, message, { error: new ModelError('invalid-tool-arguments', message).toInfo() });
      return undefined;
    }
    await reply(call, true, 'Report received.');
    await transcript.append({ type: 'report', report: report.data });
    return report.data;
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string; error: ReturnType<typeof toErrorInfo> };

function parseArguments(call: ToolCall): Parsed {
  try {
    return { ok: true, value: call.arguments.trim() === '' ? {} : JSON.parse(call.arguments) };
  } catch (error) {
    const message = `The arguments of ${call.name} are not valid JSON (${(error as Error).message}). Send a JSON object.`;
    return { ok: false, message, error: new ModelError('invalid-tool-arguments', message).toInfo() };
  }
}

/**
 * The turn after a loop's budget is spent: the model must call `definition`, and the first call that
 * `accept` takes is the result. A turn the harness refuses (a budget ran out sooner than the loop
 * could foresee) gives nothing, as does a model that submits nothing acceptable.
 */
export async function lastSubmission<T>(
  ask: (request: Omit<ChatRequest, 'system' | 'messages'>) => Promise<{ toolCalls: readonly ToolCall[] }>,
  definition: ToolDefinition,
  accept: (call: ToolCall) => Promise<T | undefined>,
): Promise<T | undefined> {
  let last;
  try {
    last = await ask({ tools: [definition], toolChoice: { name: definition.name } });
  } catch (error) {
    if (toErrorInfo(error).kind === 'budget') return undefined;
    throw error;
  }
  for (const call of last.toolCalls) {
    if (call.name !== definition.name) continue;
    const accepted = await accept(call);
    if (accepted !== undefined) return accepted;
  }
  return undefined;
}

/**
 * Whether an agent loop must stop exploring while its final submission still fits: one turn is kept
 * for it, the next turn must be affordable at the last turn's size, and 10% of wall time is left
 * before the hard deadline. The budget that ends it, or undefined to go on.
 */
export function budgetEnding(meter: BudgetView, budgets: Budgets, lastTurnTokens: number): { budget: 'turns' | 'tokens' | 'wallTimeSeconds'; used: number; limit: number } | undefined {
  const { turns, usage, seconds } = meter.reading();
  if (turns >= budgets.turns - 1) return { budget: 'turns', used: turns, limit: budgets.turns };
  const tokens = totalTokens(usage);
  if (tokens + lastTurnTokens >= budgets.tokens) return { budget: 'tokens', used: tokens, limit: budgets.tokens };
  if (seconds >= budgets.wallTimeSeconds * 0.9) return { budget: 'wallTimeSeconds', used: seconds, limit: budgets.wallTimeSeconds };
  return undefined;
}
