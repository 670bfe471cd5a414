// An auditor from outside auditgym: it runs the standard probe of every tool it is offered, through
// the harness, and reports each output that recurs across inputs. The harness runs its calls, counts
// them against the game's budgets and records them; the auditor only decides what to call.
import { z } from 'zod';

const Params = z.strictObject({
  /** Most claims to report. */
  maxClaims: z.number().int().positive().max(50).default(10),
});

export const surveyAuditor = {
  name: 'survey',
  version: '1.0.0',
  description: "Runs every offered tool's standard probe once and reports the outputs that recur. Needs no model.",
  params: Params,
  models() {
    return [];
  },
  async audit(context) {
    const seen = new Map();
    for (const name of context.tools.names) {
      for (const { result } of await context.tools.probe(name)) {
        // A refused or failed call is data for the transcript, not evidence.
        if (!result.ok) continue;
        const key = result.output.trim().slice(0, 300);
        if (key !== '') seen.set(key, { tool: name, count: (seen.get(key)?.count ?? 0) + 1 });
      }
    }
    const claims = [...seen]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, context.params.maxClaims)
      .map(([output, { tool, count }]) => ({ behaviour: output, evidence: `${tool}, ${count} times`, confidence: Math.min(0.9, 0.2 + 0.1 * count) }));
    const report = { summary: `Surveyed ${context.tools.names.length} tools in ${context.meter.reading().toolCalls} calls.`, claims };
    await context.transcript.append({ type: 'report', report });
    return { report, stopReason: 'submitted' };
  },
};

export function register(catalog) {
  catalog.auditors.register(surveyAuditor);
}
