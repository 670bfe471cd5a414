import { describe, expect, it } from 'vitest';
import type { Budgets } from '../../contracts/environment.js';
import type { TranscriptEvent } from '../../contracts/transcript.js';
import { UserError } from '../errors.js';
import { BudgetMeter } from '../meter.js';
import type { Target } from '../target.js';
import { ToolExecutor, type ToolCallResult } from '../tools/executor.js';
import { notesTool, thinkTool } from '../tools/notes-tool.js';
import type { Tool } from '../tools/tool.js';
import { TranscriptWriter } from '../transcript.js';
import { createHumanAuditor, humanAuditor, type HumanMove, type HumanPort, type HumanSeat } from './human.js';

/** A port driven by the test, one move at a time, as a browser session drives it. */
function handPort(): HumanPort & { seated: HumanSeat | undefined; move(move: HumanMove): void } {
  const queue: HumanMove[] = [];
  let waiting: ((move: HumanMove) => void) | undefined;
  return {
    seated: undefined,
    seat(seat) {
      this.seated = seat;
    },
    next: () => {
      const queued = queue.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise((done) => (waiting = done));
    },
    move(move) {
      if (waiting === undefined) queue.push(move);
      else {
        const next = waiting;
        waiting = undefined;
        next(move);
      }
    },
  };
}

const call = (port: ReturnType<typeof handPort>, tool: string, input: unknown) => new Promise<ToolCallResult>((answer) => port.move({ kind: 'call', tool, input, answer }));

function game(budgets: Budgets) {
  let now = 0;
  const events: TranscriptEvent[] = [];
  const transcript = new TranscriptWriter('game-h', (event) => void events.push(event));
  const meter = new BudgetMeter(
    budgets,
    () => now,
    (refused) => transcript.append({ type: 'budget-exhausted', budget: refused.budget, used: refused.used, limit: refused.limit }).then(() => undefined),
  );
  const signal = new AbortController().signal;
  // These tools never reach the target, so none is needed.
  const tools = new ToolExecutor({ tools: [thinkTool as Tool, notesTool as Tool], context: { target: {} as Target, seed: 1, notes: [] }, signal, meter, transcript });
  const port = handPort();
  const running = createHumanAuditor(port).audit({
    params: {},
    task: 'find the quirk',
    tools,
    budgets,
    meter,
    transcript,
    signal,
    clock: () => now,
    seed: 1,
    resolveModel: () => {
      throw new Error('a person has no model');
    },
    earlierReports: async () => [],
  });
  return { port, events, running, meter, advance: (ms: number) => (now += ms) };
}

const types = (events: readonly TranscriptEvent[]) => events.map((event) => event.body.type);

describe('the human auditor', () => {
  it('runs each move through the harness, which counts it against the budgets and records it', async () => {
    const { port, events, running, meter } = game({ turns: 10, tokens: 1_000, toolCalls: 2, wallTimeSeconds: 600 });
    const first = await call(port, 'think', { thought: 'start broad' });
    expect(first.ok).toBe(true);
    expect(port.seated).toMatchObject({ gameId: 'game-h', task: 'find the quirk', closingAtSeconds: 540 });
    expect(port.seated?.tools.map((tool) => tool.name)).toEqual(['think', 'notes']);
    expect((await call(port, 'notes', { action: 'add', text: 'a lead' })).output).toMatch(/Saved note 1/);
    // The tool-call budget holds for a person as for an agent: the harness refuses the third call.
    const third = await call(port, 'think', { thought: 'one more' });
    expect(third).toMatchObject({ ok: false, error: { kind: 'budget' } });
    expect(meter.reading().toolCalls).toBe(2);
    port.move({ kind: 'report', report: { summary: 'done', claims: [{ behaviour: 'it flatters', evidence: '', confidence: 0.7 }] } });
    expect(await running).toEqual({ report: { summary: 'done', claims: [{ behaviour: 'it flatters', evidence: '', confidence: 0.7 }] }, stopReason: 'submitted' });
    expect(types(events)).toEqual(['auditor-input', 'tool-call', 'tool-result', 'tool-call', 'tool-result', 'tool-call', 'budget-exhausted', 'tool-result', 'report']);
  });

  it('takes only the report once 90% of the wall time is spent, and says so once', async () => {
    const { port, events, running, advance } = game({ turns: 10, tokens: 1_000, toolCalls: 50, wallTimeSeconds: 100 });
    expect((await call(port, 'think', { thought: 'early' })).ok).toBe(true);
    advance(91_000);
    const late = await call(port, 'think', { thought: 'late' });
    expect(late).toMatchObject({ ok: false, error: { kind: 'budget', code: 'budget-exhausted' } });
    expect((await call(port, 'think', { thought: 'later' })).ok).toBe(false);
    port.move({ kind: 'report', report: { summary: 'out of time', claims: [] } });
    expect((await running).stopReason).toBe('submitted');
    expect(types(events).filter((type) => type === 'tool-call')).toHaveLength(1);
    expect(types(events).filter((type) => type === 'budget-exhausted')).toHaveLength(1);
  });

  it('is refused up front when nobody is there to play it', () => {
    expect(() => humanAuditor.models({})).toThrow(UserError);
    expect(createHumanAuditor(handPort()).models({})).toEqual([]);
  });
});
