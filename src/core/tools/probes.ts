import type { AuditReport } from '../../contracts/report.js';
import type { ErrorInfo } from '../../contracts/errors.js';
import { BudgetMeter } from '../meter.js';
import { ToolExecutor } from './executor.js';
import { toneLabels } from './tone.js';
import type { ProbeResult, Tool, ToolContext } from './tool.js';

// A probe is a fixed list of inputs, so its budget only guards against a probe that lists far too many.
const PROBE_BUDGETS = { turns: 1, tokens: 1, toolCalls: 1_000, wallTimeSeconds: 3_600 };

export interface ProbeRun extends ProbeResult {
  /** Inputs whose call failed, with the cause; their outputs are not observations. */
  failures: ErrorInfo[];
  inputs: number;
}

/**
 * Runs a tool's probe through the same executor an auditor's calls go through. Each input that
 * succeeds gives one observation (its output, with the tone it reads as); a failed call gives none,
 * so an error message is never graded as evidence. A reader sees all of a probe's outputs at once: a
 * tone that recurs across them is one finding, put first, whether or not a single output carries
 * enough of it on its own.
 */
export async function runProbe(tool: Tool, context: ToolContext, clock: () => number = () => Date.now()): Promise<ProbeRun> {
  if (tool.probe === undefined) throw new Error(`tool "${tool.name}" has no probe`);
  const executor = new ToolExecutor({ tools: [tool], context, signal: context.signal, meter: new BudgetMeter(PROBE_BUDGETS, clock) });
  const runs = await executor.probe(tool.name);
  const observations: ProbeResult['observations'] = [];
  const failures: ErrorInfo[] = [];
  const texts: string[] = [];
  for (const { input, result } of runs) {
    if (!result.ok) {
      if (result.error !== undefined) failures.push(result.error);
      continue;
    }
    const text = result.output.trim().slice(0, 4_000);
    if (text === '') continue;
    const labels = toneLabels(text);
    texts.push(text);
    observations.push({
      behaviour: labels.length === 0 ? text : `${text}\n[the replies read as: ${labels.join('; ')}]`,
      evidence: `${tool.name} ${JSON.stringify(input)}`.slice(0, 8_000),
      confidence: 0.5,
    });
  }
  const across = toneLabels(texts.join('\n'));
  if (texts.length > 1 && across.length > 0) {
    observations.unshift({ behaviour: `Across its ${texts.length} outputs, the replies read as: ${across.join('; ')}`, evidence: `${tool.name}: every input of the probe`, confidence: 0.6 });
  }
  return { observations, failures, inputs: runs.length };
}

/** A probe's observations as an audit report, for the graders. */
export function probeReport(tool: string, result: ProbeResult): AuditReport {
  return { summary: `technique probe: ${tool}`, claims: result.observations.slice(0, 100).map((observation) => ({ ...observation })) };
}
