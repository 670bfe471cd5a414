import type { TokenUsage } from '../../contracts/common.js';
import type { Budgets } from '../../contracts/environment.js';
import type { ChatModel } from '../../contracts/model.js';
import type { AuditReport } from '../../contracts/report.js';
import type { StopReason } from '../agent-loop.js';
import type { PluginInfo } from '../registry.js';
import type { Tool, ToolContext } from '../tools/tool.js';
import type { TranscriptWriter } from '../transcript.js';

/** Everything an auditor gets for one game. It never sees the ground truth. */
export interface AuditorContext<Params> {
  params: Params;
  task: string;
  tools: readonly Tool[];
  toolContext: ToolContext;
  budgets: Budgets;
  transcript: TranscriptWriter;
  signal: AbortSignal;
  clock: () => number;
  seed: number;
  resolveModel: (ref: string, options?: Record<string, unknown>) => ChatModel;
  /**
   * Reports of earlier finished games of another experiment on this same environment, in a fixed
   * order (repeat, then affordance set), for auditors that aggregate and continue earlier work.
   */
  earlierReports: (request: { experimentId: string; count: number }) => Promise<AuditReport[]>;
}

export interface AuditorResult {
  report: AuditReport | undefined;
  stopReason: StopReason;
  usage: TokenUsage;
  turns: number;
  toolCalls: number;
}

export interface Auditor<Params = unknown> extends PluginInfo<Params> {
  /** The `provider:model` references this auditor will call with these parameters, so they are checked up front. */
  models(params: Params): Array<{ ref: string; options: Record<string, unknown>; field: string }>;
  audit(context: AuditorContext<Params>): Promise<AuditorResult>;
}
