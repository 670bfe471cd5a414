import type { Budgets } from '../../contracts/environment.js';
import type { ChatModel } from '../../contracts/model.js';
import type { AuditReport } from '../../contracts/report.js';
import type { StopReason } from '../agent-loop.js';
import type { BudgetView } from '../meter.js';
import type { PluginInfo } from '../registry.js';
import type { ToolBox } from '../tools/executor.js';
import type { TranscriptWriter } from '../transcript.js';

/**
 * Everything an auditor gets for one game. It never sees the ground truth, and it never holds a tool or
 * the target itself: its tool calls go through `tools` and its models come from `resolveModel`, both
 * owned by the harness, which checks every call against the budgets, records it, and counts it.
 */
export interface AuditorContext<Params> {
  params: Params;
  task: string;
  /** The tools offered in this game. */
  tools: ToolBox;
  budgets: Budgets;
  /** What the harness has counted so far, to plan with. */
  meter: BudgetView;
  transcript: TranscriptWriter;
  signal: AbortSignal;
  clock: () => number;
  seed: number;
  /**
   * A model for the auditor's own reasoning, metered against the game's turn and token budgets: a
   * call past either is refused with a `BudgetError`.
   */
  resolveModel: (ref: string, options?: Record<string, unknown>) => ChatModel;
  /**
   * Reports of earlier finished games of another experiment on this same environment, in a fixed
   * order (repeat, then affordance set), for auditors that aggregate and continue earlier work.
   */
  earlierReports: (request: { experimentId: string; count: number }) => Promise<AuditReport[]>;
}

/** What an auditor hands back. Its usage is not part of it: the harness's meters are the record. */
export interface AuditorResult {
  report: AuditReport | undefined;
  stopReason: StopReason;
}

export interface Auditor<Params = unknown> extends PluginInfo<Params> {
  /** The `provider:model` references this auditor will call with these parameters, so they are checked up front. */
  models(params: Params): Array<{ ref: string; options: Record<string, unknown>; field: string }>;
  audit(context: AuditorContext<Params>): Promise<AuditorResult>;
}
