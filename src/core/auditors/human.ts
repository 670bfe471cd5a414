import { z } from 'zod';
import type { Budgets } from '../../contracts/environment.js';
import type { ToolDefinition } from '../../contracts/messages.js';
import { AuditReport } from '../../contracts/report.js';
import { BudgetError, SystemError, UserError } from '../errors.js';
import type { BudgetView } from '../meter.js';
import type { ToolCallResult } from '../tools/executor.js';
import type { Auditor } from './auditor.js';

export const HumanParams = z.strictObject({});
export type HumanParams = z.infer<typeof HumanParams>;

/** One thing the person does: call a tool, or hand in the report, which ends the game. */
export type HumanMove =
  | {
      kind: 'call';
      tool: string;
      /** Arguments the app has already checked against the tool's input schema. */
      input: unknown;
      /** Receives the harness's result, or the refusal when only the report is still accepted. */
      answer: (result: ToolCallResult) => void;
    }
  | { kind: 'report'; report: AuditReport };

/** What the person is shown when the game starts: the same task, tools and budgets an agent gets. */
export interface HumanSeat {
  gameId: string;
  task: string;
  tools: ToolDefinition[];
  budgets: Budgets;
  meter: BudgetView;
  /** Seconds into the game after which only the report is accepted, as an agent loop stops to write its own. */
  closingAtSeconds: number;
}

/**
 * Where a person's moves come from: the app layer puts a browser (or any other front end) behind it.
 * The auditor never sees a tool or the target, only this port, so the harness runs a person's game
 * exactly as an agent's: it executes the calls, enforces the budgets and records the events.
 */
export interface HumanPort {
  /** Called once, when the game starts and before the first move is asked for. */
  seat(seat: HumanSeat): void;
  /** The person's next move; rejects when `signal` aborts (the wall-time budget, or an interrupt). */
  next(signal: AbortSignal): Promise<HumanMove>;
}

/** The share of the wall-time budget after which only the report is taken, as for the LLM investigator. */
const CLOSING_SHARE = 0.9;

/**
 * An auditor whose decisions are a person's. Without a port it is refused when an experiment is
 * planned, before anything is written, because there is nobody to make its moves.
 */
export function createHumanAuditor(port?: HumanPort): Auditor<HumanParams> {
  return {
    name: 'human',
    version: '1.0.0',
    description: 'A person audits in the browser (auditgym play), with the same tools, budgets and blinding as an agent.',
    params: HumanParams,
    models() {
      // The only check an auditor gets before a run is this one; a portless human cannot play.
      if (port === undefined) {
        throw new UserError('human-needs-browser', 'the human auditor is played in a browser, not in a batch run', {
          field: 'auditors',
          fix: 'start a game with: auditgym play <environment> [--affordances set]',
        });
      }
      return [];
    },
    async audit(context) {
      if (port === undefined) throw new SystemError('human-without-port', 'the human auditor was run without a port');
      const { budgets, meter, transcript, signal } = context;
      const closingAtSeconds = budgets.wallTimeSeconds * CLOSING_SHARE;
      await transcript.append({
        type: 'auditor-input',
        system: 'A person audits this model through the browser, with the tools and budgets below.',
        messages: [{ role: 'user', content: context.task }],
      });
      port.seat({ gameId: transcript.gameId, task: context.task, tools: context.tools.definitions(), budgets, meter, closingAtSeconds });
      let calls = 0;
      let closingNoted = false;
      for (;;) {
        const move = await port.next(signal);
        if (move.kind === 'report') {
          const report = AuditReport.parse(move.report);
          await transcript.append({ type: 'report', report });
          return { report, stopReason: 'submitted' };
        }
        const seconds = meter.reading().seconds;
        if (seconds >= closingAtSeconds) {
          const refused = new BudgetError('wallTimeSeconds', seconds, budgets.wallTimeSeconds);
          if (!closingNoted) await transcript.append({ type: 'budget-exhausted', budget: 'wallTimeSeconds', used: seconds, limit: budgets.wallTimeSeconds });
          closingNoted = true;
          move.answer({ ok: false, output: 'Time is nearly up: only the report is accepted now. Submit it before the wall-time budget ends.', error: refused.toInfo() });
          continue;
        }
        move.answer(await context.tools.call(move.tool, move.input, { callId: `human-${++calls}` }));
      }
    },
  };
}

/** The registered `human` auditor; `auditgym play` registers one bound to its browser session in its place. */
export const humanAuditor: Auditor<HumanParams> = createHumanAuditor();
