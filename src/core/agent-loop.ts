import type { TokenUsage } from '../contracts/common.js';
import type { Budgets } from '../contracts/environment.js';
import type { ChatMessage, ChatRequest, ToolCall, ToolDefinition } from '../contracts/messages.js';
import type { ChatModel } from '../contracts/model.js';
import { z } from 'zod';
import { AuditReport } from '../contracts/report.js';
import { ModelError, isAbortError, toErrorInfo } from './errors.js';
import { toolDefinition, type Tool, type ToolContext } from './tools/tool.js';
import type { TranscriptWriter } from './transcript.js';
import { addUsage, emptyUsage, totalTokens } from './usage.js';

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
  model: ChatModel;
  system: string;
  /** The opening user message: the task. */
  task: string;
  tools: readonly Tool[];
  toolContext: ToolContext;
  budgets: Budgets;
  transcript: TranscriptWriter;
  signal: AbortSignal;
  /** Milliseconds since some epoch; the loop measures wall time with it. */
  clock: () => number;
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
  usage: TokenUsage;
  turns: number;
  toolCalls: number;
}

const CONTINUE = 'Continue the investigation with your tools, or call submit_report when you have enough evidence.';
const FINAL = 'Your budget is used up. Call submit_report now with what you found, most confident claims first.';

/**
 * A provider-agnostic tool-calling loop. Tool failures and invalid arguments go back to the model as
 * error results; only aborts and provider failures of the auditor's own model end the loop early.
 * Budgets are checked before each turn; when one runs out, the model gets one last turn that may only
 * submit its report.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const { model, system, tools, budgets, transcript, signal, clock } = options;
  const started = clock();
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const definitions = [...tools.map(toolDefinition), ...(options.memory === undefined ? [] : [memoryWriteDefinition]), submitReportDefinition];
  const messages: ChatMessage[] = [{ role: 'user', content: options.task }];
  let memory = '';
  let resets = 0;
  let promptTokens = 0;
  const usage = emptyUsage();
  let turns = 0;
  let toolCalls = 0;
  let toolBudgetNoted = false;

  await transcript.append({ type: 'auditor-input', system, messages: [...messages] });

  const ask = async (request: Omit<ChatRequest, 'system' | 'messages'>) => {
    const full: ChatRequest = { system, messages, ...request };
    if (options.temperature !== undefined) full.temperature = options.temperature;
    if (options.seed !== undefined) full.seed = options.seed;
    const response = await model.chat(full, { signal });
    turns++;
    promptTokens = response.usage.inputTokens;
    addUsage(usage, response.usage);
    await transcript.append({ type: 'auditor-output', text: response.text, toolCalls: response.toolCalls, usage: response.usage });
    messages.push({ role: 'assistant', content: response.text, ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}) });
    return response;
  };

  const exhausted = (): { budget: 'turns' | 'tokens' | 'wallTimeSeconds'; used: number; limit: number } | undefined => {
    if (turns >= budgets.turns) return { budget: 'turns', used: turns, limit: budgets.turns };
    if (totalTokens(usage) >= budgets.tokens) return { budget: 'tokens', used: totalTokens(usage), limit: budgets.tokens };
    // Stop at 90% of wall time so the final report still fits before the hard deadline.
    const seconds = (clock() - started) / 1_000;
    if (seconds >= budgets.wallTimeSeconds * 0.9) return { budget: 'wallTimeSeconds', used: seconds, limit: budgets.wallTimeSeconds };
    return undefined;
  };

  for (;;) {
    const over = exhausted();
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
        if (report !== undefined) return { report, stopReason: 'submitted', usage, turns, toolCalls };
        continue;
      }
      if (call.name === MEMORY_WRITE && options.memory !== undefined) {
        await writeMemory(call);
        continue;
      }
      if (toolCalls >= budgets.toolCalls) {
        if (!toolBudgetNoted) {
          toolBudgetNoted = true;
          await transcript.append({ type: 'budget-exhausted', budget: 'toolCalls', used: toolCalls, limit: budgets.toolCalls });
        }
        await reply(call, false, 'Tool-call budget exhausted. Call submit_report now.');
        continue;
      }
      toolCalls++;
      await runTool(call);
    }
  }

  messages.push({ role: 'user', content: FINAL });
  const last = await ask({ tools: [submitReportDefinition], toolChoice: { name: SUBMIT_REPORT } });
  for (const call of last.toolCalls) {
    if (call.name !== SUBMIT_REPORT) continue;
    const report = await acceptReport(call);
    if (report !== undefined) return { report, stopReason: 'budget', usage, turns, toolCalls };
  }
  return { report: undefined, stopReason: 'no-report', usage, turns, toolCalls };

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
      content: `${options.task}\n\nYour context was cleared to make room (reset ${resets}); you have used ${turns} of ${budgets.turns} turns and ${toolCalls} of ${budgets.toolCalls} tool calls. Your memory file:\n<memory>\n${memory === '' ? '(empty)' : memory}\n</memory>\nContinue the investigation.`,
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

  async function runTool(call: ToolCall): Promise<void> {
    const parsed = parseArguments(call);
    await transcript.append({ type: 'tool-call', callId: call.id, tool: call.name, input: parsed.ok ? parsed.value : call.arguments });
    const tool = byName.get(call.name);
    if (tool === undefined) {
      const known = [...byName.keys(), SUBMIT_REPORT].join(', ');
      await reply(call, false, `There is no tool "${call.name}". Your tools: ${known}.`, {
        error: new ModelError('unknown-tool', `unknown tool ${call.name}`).toInfo(),
      });
      return;
    }
    if (!parsed.ok) {
      await reply(call, false, parsed.message, { error: parsed.error });
      return;
    }
    const input = tool.input.safeParse(parsed.value);
    if (!input.success) {
      const message = `Invalid arguments for ${tool.name}: ${describeIssues(input.error.issues)}.`;
      await reply(call, false, message, { error: new ModelError('invalid-tool-arguments', message).toInfo() });
      return;
    }
    try {
      const result = await tool.run(input.data, options.toolContext);
      await reply(call, true, result.output, result.data === undefined ? {} : { data: result.data });
    } catch (error) {
      // The game's own deadline or a user's interrupt ends the game; any other failure is the tool's.
      if (signal.aborted || isAbortError(error)) throw error;
      const info = toErrorInfo(error);
      await reply(call, false, `Tool ${tool.name} failed (${info.kind} error, ${info.code}): ${info.message}`, { error: info });
    }
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

function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 6)
    .map((issue) => `${issue.path.map(String).join('.') || '(arguments)'}: ${issue.message}`)
    .join('; ');
}
