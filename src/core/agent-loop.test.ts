import { describe, expect, it } from 'vitest';
import type { Budgets } from '../contracts/environment.js';
import type { ChatRequest, ChatResponse } from '../contracts/messages.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import { ScriptedModel } from '../../test/support/scripted-model.js';
import { runAgentLoop, SUBMIT_REPORT } from './agent-loop.js';
import { ProviderError } from './errors.js';
import type { Target } from './target.js';
import { chatTool } from './tools/chat-tools.js';
import { notesTool } from './tools/notes-tool.js';
import type { Tool } from './tools/tool.js';
import { TranscriptWriter } from './transcript.js';
import { BudgetMeter } from './meter.js';
import { ToolExecutor } from './tools/executor.js';

const budgets: Budgets = { turns: 10, tokens: 1_000_000, toolCalls: 10, wallTimeSeconds: 600 };
const report = { summary: 'found it', claims: [{ behaviour: 'flatters the user', evidence: 'replies', confidence: 0.9 }] };

/** A target whose replies are computed from the message, so the loop's plumbing can be checked. */
function echoTarget(fail = false): Target & { seen: ChatRequest[] } {
  const seen: ChatRequest[] = [];
  return {
    organismId: 'test/echo',
    model: 'echo:model',
    capabilities: new Set(['chat', 'system-prompt']),
    corpora: [],
    seen,
    async chat(request): Promise<ChatResponse> {
      seen.push(request);
      if (fail) throw new ProviderError('server-error', 'the target is down', { status: 503 });
      const last = request.messages.at(-1);
      return {
        text: `echo: ${last?.content ?? ''}`,
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 5, outputTokens: 5 },
        model: 'echo:model',
      };
    },
  };
}

async function run(model: ScriptedModel, options: { budgets?: Budgets; target?: Target; tools?: Tool[]; signal?: AbortSignal; memory?: { resetAtTokens: number } } = {}) {
  const events: TranscriptEvent[] = [];
  const transcript = new TranscriptWriter('game-1', (event) => {
    events.push(event);
  });
  const target = options.target ?? echoTarget();
  const signal = options.signal ?? new AbortController().signal;
  // The harness's own parts: the meter counts, the executor runs every tool call.
  const meter = new BudgetMeter(
    options.budgets ?? budgets,
    () => 0,
    async (refused) => {
      await transcript.append({ type: 'budget-exhausted', budget: refused.budget, used: refused.used, limit: refused.limit });
    },
  );
  const tools = new ToolExecutor({ tools: options.tools ?? [chatTool as Tool, notesTool as Tool], context: { target, seed: 7, notes: [] }, signal, meter, transcript });
  const outcome = await runAgentLoop({ model: meter.meter(model), system: 'audit', task: 'find the quirk', tools, meter, transcript, signal, memory: options.memory });
  const { turns, toolCalls } = meter.reading();
  return { result: { ...outcome, turns, toolCalls }, events };
}

describe('runAgentLoop with a scripted model', () => {
  it('runs tool calls against the target and ends on submit_report', async () => {
    const target = echoTarget();
    const model = new ScriptedModel([{ toolCalls: [{ name: 'chat', arguments: { message: 'hello there' } }] }, { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] }]);
    const { result, events } = await run(model, { target });
    expect(result.stopReason).toBe('submitted');
    expect(result.report).toEqual(report);
    expect(result.turns).toBe(2);
    expect(result.toolCalls).toBe(1);
    expect(target.seen[0]?.messages).toEqual([{ role: 'user', content: 'hello there' }]);
    expect(target.seen[0]?.seed).toBe(7);
    // The target's reply reached the auditor as a tool message answering the right call.
    const second = model.requests[1];
    const toolMessage = second?.messages.find((message) => message.role === 'tool');
    expect(toolMessage).toMatchObject({ role: 'tool', toolName: 'chat', content: 'echo: hello there' });
    const types = events.map((event) => event.body.type);
    expect(types).toEqual(['auditor-input', 'auditor-output', 'tool-call', 'tool-result', 'auditor-output', 'tool-call', 'tool-result', 'report']);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  });

  it('returns invalid JSON arguments and schema violations to the model as error results, then continues', async () => {
    const model = new ScriptedModel([
      { toolCalls: [{ name: 'chat', arguments: '{not json' }] },
      { toolCalls: [{ name: 'chat', arguments: { msg: 'wrong key' } }] },
      { toolCalls: [{ name: 'no_such_tool', arguments: {} }] },
      { toolCalls: [{ name: SUBMIT_REPORT, arguments: { summary: 'x', claims: [{ behaviour: 'b', confidence: 7 }] } }] },
      { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] },
    ]);
    const { result, events } = await run(model);
    expect(result.stopReason).toBe('submitted');
    const failures = events.filter((event) => event.body.type === 'tool-result' && !event.body.ok);
    expect(failures).toHaveLength(4);
    const codes = failures.map((event) => (event.body.type === 'tool-result' ? event.body.error?.code : undefined));
    expect(codes).toEqual(['invalid-tool-arguments', 'invalid-tool-arguments', 'unknown-tool', 'invalid-tool-arguments']);
    const lastRequest = model.requests.at(-1);
    const errors = lastRequest?.messages.filter((message) => message.role === 'tool' && message.isError === true);
    expect(errors).toHaveLength(4);
  });

  it('turns a failing tool into an error result the auditor sees', async () => {
    const model = new ScriptedModel([
      { toolCalls: [{ name: 'chat', arguments: { message: 'hi' } }] },
      (request) => {
        const result = request.messages.find((message) => message.role === 'tool');
        expect(result?.role === 'tool' && result.isError).toBe(true);
        expect(result?.content).toMatch(/provider error, server-error/);
        return { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] };
      },
    ]);
    const { result } = await run(model, { target: echoTarget(true) });
    expect(result.report).toEqual(report);
  });

  it('keeps the last turn of the turn budget for a final report with only submit_report offered', async () => {
    const model = new ScriptedModel([
      { toolCalls: [{ name: 'notes', arguments: { action: 'add', text: 'n' } }] },
      { toolCalls: [{ name: 'notes', arguments: { action: 'read' } }] },
      (request) => {
        expect(request.tools?.map((tool) => tool.name)).toEqual([SUBMIT_REPORT]);
        expect(request.toolChoice).toEqual({ name: SUBMIT_REPORT });
        return { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] };
      },
    ]);
    const { result, events } = await run(model, { budgets: { ...budgets, turns: 3 } });
    expect(result.stopReason).toBe('budget');
    expect(result.turns).toBe(3);
    expect(events.some((event) => event.body.type === 'budget-exhausted' && event.body.budget === 'turns')).toBe(true);
  });

  it('enforces the tool-call budget and the token budget', async () => {
    const chatty = new ScriptedModel([{ toolCalls: Array.from({ length: 4 }, () => ({ name: 'chat', arguments: { message: 'x' } })) }, { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] }]);
    const target = echoTarget();
    const { result } = await run(chatty, { budgets: { ...budgets, toolCalls: 2 }, target });
    expect(result.toolCalls).toBe(2);
    expect(target.seen).toHaveLength(2);

    // 600 tokens a turn under a budget of 1,000: a second ordinary turn would not leave room for the report.
    const expensive = new ScriptedModel([{ toolCalls: [{ name: 'notes', arguments: { action: 'read' } }] }, { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] }], 600);
    const tokens = await run(expensive, { budgets: { ...budgets, tokens: 1_000 } });
    expect(tokens.result.turns).toBe(2);
    expect(tokens.result.stopReason).toBe('budget');
    expect(tokens.events.some((event) => event.body.type === 'budget-exhausted' && event.body.budget === 'tokens')).toBe(true);
  });

  it('ends with no report when the harness refuses the last turn', async () => {
    // One turn spends five times the token budget, so the harness refuses the report turn.
    const greedy = new ScriptedModel([{ toolCalls: [{ name: 'notes', arguments: { action: 'read' } }] }, { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] }], 5_000);
    const { result, events } = await run(greedy, { budgets: { ...budgets, tokens: 1_000 } });
    expect(result.stopReason).toBe('no-report');
    expect(result.turns).toBe(1);
    expect(greedy.requests).toHaveLength(1);
    expect(events.filter((event) => event.body.type === 'budget-exhausted' && event.body.budget === 'tokens').length).toBeGreaterThan(0);
  });

  it('nudges a model that answers without tools, and reports nothing when it never submits', async () => {
    const model = new ScriptedModel([{ text: 'I think it is fine.' }]);
    const { result } = await run(model, { budgets: { ...budgets, turns: 2 } });
    expect(result.report).toBeUndefined();
    expect(result.stopReason).toBe('no-report');
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({ role: 'user' });
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel([
      () => {
        controller.abort();
        return { toolCalls: [{ name: 'chat', arguments: { message: 'x' } }] };
      },
    ]);
    await expect(run(model, { signal: controller.signal })).rejects.toThrow();
  });
});

describe('memory and context resets', () => {
  it('clears the context when the prompt grows past the limit, and restarts from the task and the memory file', async () => {
    const model = new ScriptedModel(
      [
        { toolCalls: [{ name: 'memory_write', arguments: { text: 'H1: it praises every idea' } }] },
        { toolCalls: [{ name: 'chat', arguments: { message: 'Is my plan good?' } }] },
        { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] },
      ],
      5_000,
    );
    const { result, events } = await run(model, { tools: [chatTool as Tool], memory: { resetAtTokens: 4_000 } });
    expect(result.stopReason).toBe('submitted');
    expect(result.turns).toBe(3);
    const seen = model.requests.slice(1);
    // After each reset, the only message is the task with the memory file; earlier tool results are gone.
    for (const request of seen) {
      expect(request.messages).toHaveLength(1);
      expect(request.messages[0]?.content).toMatch(/^find the quirk/);
      expect(request.messages[0]?.content).toContain('H1: it praises every idea');
      expect(request.messages[0]?.content).not.toContain('echo:');
    }
    expect(seen[1]?.messages[0]?.content).toMatch(/2 of 10 turns and 1 of 10 tool calls/);
    expect(events.filter((event) => event.body.type === 'auditor-input')).toHaveLength(3);
    expect(events.filter((event) => event.body.type === 'note' && event.body.text.startsWith('context reset'))).toHaveLength(2);
    // The memory tool is offered only when memory is on.
    expect(model.requests[0]?.tools?.map((tool) => tool.name)).toContain('memory_write');
  });

  it('does not offer memory or reset without it', async () => {
    const model = new ScriptedModel([{ toolCalls: [{ name: 'chat', arguments: { message: 'hi' } }] }, { toolCalls: [{ name: SUBMIT_REPORT, arguments: report }] }], 5_000);
    const { result } = await run(model);
    expect(result.stopReason).toBe('submitted');
    expect(model.requests[1]?.messages.length).toBeGreaterThan(1);
    expect(model.requests[0]?.tools?.map((tool) => tool.name)).not.toContain('memory_write');
  });
});
