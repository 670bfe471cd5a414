import type { SweepReport } from '../app/sweeps.js';
import type { CellSummary } from '../app/summary.js';
import type { GameView } from '../app/games.js';
import type { Grade } from '../contracts/grade.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import type { HealthResult } from '../core/health.js';

const percent = (value: number) => `${(value * 100).toFixed(0)}%`;

function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

function clip(text: string, limit = 2_000): string {
  return text.length > limit ? `${text.slice(0, limit)} […${text.length - limit} more]` : text;
}

export function renderCells(cells: readonly CellSummary[]): string {
  if (cells.length === 0) return 'no games';
  // A control is never won: its column counts clean games (no claim made), and it has no win rate.
  const rows = cells.map((cell) => [
    cell.environmentId + (cell.control ? ' (control)' : ''),
    cell.auditor,
    cell.affordanceSet,
    `${cell.wins}/${cell.graded}${cell.control ? ' clean' : ''}`,
    cell.control || cell.graded === 0 ? '-' : `${percent(cell.winRate)} [${percent(cell.interval.low)}, ${percent(cell.interval.high)}]`,
    cell.meanScore.toFixed(2),
    String(cell.errors),
  ]);
  return table(['environment', 'auditor', 'affordances', 'wins', 'win rate (95% CI)', 'score', 'errors'], rows);
}

/** A sweep: every cell with recall and precision, the paired comparisons, and the games stopping saved. */
export function renderSweep(report: SweepReport): string {
  const rows = report.cells.map((cell) => [
    cell.environmentId + (cell.control ? ' (control)' : ''),
    cell.auditor,
    cell.affordanceSet,
    `${cell.wins}/${cell.graded}${cell.ungraded > 0 ? ` (+${cell.ungraded} sealed)` : ''}`,
    cell.control ? '-' : cell.graded === 0 ? '-' : `${percent(cell.winRate)} [${percent(cell.interval.low)}, ${percent(cell.interval.high)}]`,
    cell.meanScore.toFixed(2),
    cell.recall.map((entry) => `${entry.behaviourId} ${entry.found}/${entry.of}`).join(', ') || '-',
    cell.control ? `${cell.claims} claims (all false)` : cell.precision === null ? '-' : `${percent(cell.precision)} of ${cell.claims}`,
    String(cell.errors),
    cell.stopping,
  ]);
  const comparisons = report.comparisons.map((entry) => [
    entry.against === undefined ? entry.auditor : `${entry.auditor} vs ${entry.against.auditor}`,
    entry.against === undefined ? `${entry.b} vs ${entry.a}` : entry.b,
    String(entry.pairs),
    `${entry.winsB} vs ${entry.winsA}`,
    `${entry.onlyB}/${entry.onlyA}`,
    entry.pValue < 0.001 ? '<0.001' : entry.pValue.toFixed(3),
    `${signed(entry.scoreDifference.difference)} [${signed(entry.scoreDifference.low)}, ${signed(entry.scoreDifference.high)}]`,
  ]);
  const stopping =
    report.stopping === null
      ? `fixed design: ${report.repeats} repeats per cell`
      : `adaptive stopping (boundary ${percent(report.stopping.boundary)}, at least ${report.stopping.minRepeats}, at most ${report.repeats} per cell): ${report.savings.gamesRun} games run of ${report.savings.fixedGames}, ${report.savings.saved} saved`;
  return [
    `sweep ${report.experimentId}: ${report.name}`,
    table(['environment', 'auditor', 'affordances', 'wins', 'win rate (95% CI)', 'score', 'recall per behaviour', 'precision', 'errors', 'stopping'], rows),
    '',
    report.comparisons.length === 0
      ? 'no paired comparisons (one affordance set)'
      : table(['auditor', 'comparison', 'pairs', 'wins', 'only b / only a', 'McNemar p', 'score difference (95% CI)'], comparisons),
    '',
    stopping,
  ].join('\n');
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function renderEvent(event: TranscriptEvent): string | undefined {
  const body = event.body;
  switch (body.type) {
    case 'game-start':
      return `game start · ${body.environmentId} · ${body.auditor} · ${body.affordanceSet} [${body.tools.join(', ')}] · seed ${body.seed}`;
    case 'auditor-input':
      return `auditor is told:\n${indent(clip(body.messages.map((message) => message.content).join('\n'), 1_000))}`;
    case 'auditor-output': {
      const calls = body.toolCalls.map((call) => `  → ${call.name} ${clip(call.arguments, 600)}`).join('\n');
      const text = body.text.trim() === '' ? '' : indent(clip(body.text));
      return ['auditor:', text, calls].filter((part) => part !== '').join('\n');
    }
    case 'tool-call':
      return undefined;
    case 'tool-result':
      return `  ← ${body.tool}${body.ok ? '' : ' (error)'}:\n${indent(clip(body.output), '      ')}`;
    case 'target-call':
      return undefined;
    case 'note':
      return `note: ${body.text}`;
    case 'rollback':
      return `rollback to event ${body.toSeq}${body.reason ? `: ${body.reason}` : ''}`;
    case 'budget-exhausted':
      return `budget exhausted: ${body.budget} (${Math.round(body.used)} of ${body.limit})`;
    case 'error':
      return `error (${body.error.kind}, ${body.error.code}): ${body.error.message}`;
    case 'report':
      return undefined;
  }
}

function renderGrade(grade: Grade): string {
  const verdicts = grade.behaviours
    .map(
      (verdict) =>
        `    ${verdict.found ? 'found ' : 'missed'} ${verdict.behaviourId} (credit ${verdict.credit.toFixed(2)}${verdict.matchedKeyFacts.length > 0 ? `; facts ${verdict.matchedKeyFacts.join(', ')}` : ''})`,
    )
    .join('\n');
  const falseClaims = grade.falseClaims.length > 0 ? `\n    false claims: ${grade.falseClaims.map((index) => `#${index + 1}`).join(', ')}` : '';
  return `grade ${grade.grader} ${grade.graderVersion}: ${grade.win ? 'WIN' : 'loss'} · score ${grade.score.toFixed(2)} · recall ${percent(grade.recall)}\n${verdicts}${falseClaims}`;
}

/** A game as terminal text: the transcript in order, branches labelled, then the report and its grades. */
export function renderGame(view: GameView): string {
  const { game } = view;
  const lines = [
    `${game.id} · experiment ${game.experimentId} · ${game.status}${game.error ? ` (${game.error.code}: ${game.error.message})` : ''}`,
    `${game.environmentId} · ${game.auditor} · ${game.affordanceSet} · repeat ${game.repeat}`,
  ];
  if (game.usage) {
    const u = game.usage;
    lines.push(
      `tokens: auditor ${u.auditor.inputTokens + u.auditor.outputTokens}, target ${u.target.inputTokens + u.target.outputTokens}, judge ${u.judge.inputTokens + u.judge.outputTokens} · $${u.costUsd.toFixed(4)} · ${u.turns} turns, ${u.toolCalls} tool calls`,
    );
  }
  lines.push('');
  let branch = 'main';
  for (const event of view.events) {
    if (event.branch !== branch) {
      branch = event.branch;
      lines.push(`── ${branch} (from event ${event.parent ?? 0}) ──`);
    }
    const text = renderEvent(event);
    if (text !== undefined) lines.push(text);
  }
  if (view.report !== undefined) {
    lines.push('', 'report:', indent(clip(view.report.summary, 4_000)));
    view.report.claims.forEach((claim, index) => {
      lines.push(`  #${index + 1} [${claim.confidence.toFixed(2)}] ${claim.behaviour}${claim.trigger ? ` — when: ${claim.trigger}` : ''}`);
      if (claim.evidence) lines.push(indent(clip(claim.evidence, 500), '      '));
    });
  }
  for (const grade of view.grades) lines.push('', renderGrade(grade));
  return lines.join('\n');
}

/** The technique × organism matrix: probe scores as percentages; "·" where a probe cannot run. */
export function renderTechniqueMatrix(matrix: {
  tools: string[];
  organisms: string[];
  cells: Array<{ tool: string; organism: string; status: string; score?: number }>;
  summary: {
    hardOrganisms: string[];
    strongTechniques: Array<{ tool: string; organisms: string[] }>;
    toolGaps: Array<{ organism: string; tools: string[] }>;
    winGaps?: Array<{ organism: string; tools: string[] }>;
  };
  baseControl?: { model: string; cells: Array<{ tool: string; status: string; falseFindRate?: number }> } | null;
  controlFinds?: Array<{ organism: string; cells: Array<{ tool: string; status: string; falseFindRate?: number }> }>;
  signatures?: Array<{ organism: string; difficulty: string; holds: boolean; mismatches: string[] }>;
}): string {
  const cell = (organism: string, tool: string) => {
    const found = matrix.cells.find((entry) => entry.organism === organism && entry.tool === tool);
    if (found === undefined || found.status === 'skipped') return '·';
    if (found.status === 'error') return 'err';
    return `${Math.round(100 * (found.score ?? 0))}%`;
  };
  // The base-model control row: the share of organisms whose behaviour a probe "finds" on the base.
  const base = matrix.baseControl;
  const falseFinds = (cells: ReadonlyArray<{ tool: string; status: string; falseFindRate?: number }> | undefined) => (tool: string) => {
    const found = cells?.find((entry) => entry.tool === tool);
    if (found === undefined || found.status === 'skipped') return '·';
    if (found.status === 'error') return 'err';
    return `${Math.round(100 * (found.falseFindRate ?? 0))}%`;
  };
  const body = table(
    ['organism', ...matrix.tools],
    [
      ...matrix.organisms.map((organism) => [organism, ...matrix.tools.map((tool) => cell(organism, tool))]),
      ...(matrix.controlFinds ?? []).map((row) => [`${row.organism} (control: false finds)`, ...matrix.tools.map(falseFinds(row.cells))]),
      ...(base === null || base === undefined ? [] : [[`${base.model} (base: false finds)`, ...matrix.tools.map(falseFinds(base.cells))]]),
    ],
  );
  const hard = matrix.summary.hardOrganisms.length === 0 ? 'none' : matrix.summary.hardOrganisms.join(', ');
  const strong = matrix.summary.strongTechniques.length === 0 ? 'none' : matrix.summary.strongTechniques.map((entry) => `${entry.tool} (${entry.organisms.join(', ')})`).join('; ');
  const gaps = matrix.summary.toolGaps.length === 0 ? 'none' : matrix.summary.toolGaps.map((entry) => `${entry.organism} (${entry.tools.join(', ')})`).join('; ');
  const winGaps = matrix.summary.winGaps ?? [];
  const wins = winGaps.length === 0 ? 'none' : winGaps.map((entry) => `${entry.organism} (${entry.tools.join(', ')})`).join('; ');
  return `${body}\n\nscore: the rubric grade of each probe's observations; · = the target lacks the probe's capability\norganisms every technique misses (≤10%): ${hard}\ntechniques at ≥90% somewhere: ${strong}\norganisms chat and prefill miss (≤10%) and a tool finds (≥90%): ${gaps}\norganisms chat and prefill do not win and a tool does: ${wins}${signatureLines(matrix.signatures ?? [])}`;
}

function signatureLines(signatures: ReadonlyArray<{ organism: string; difficulty: string; holds: boolean; mismatches: string[] }>): string {
  if (signatures.length === 0) return '';
  const held = signatures.filter((entry) => entry.holds).length;
  const lines = signatures.map(
    (entry) => `  ${entry.holds ? 'holds   ' : 'MISMATCH'} ${entry.organism} (${entry.difficulty})${entry.mismatches.length === 0 ? '' : `: ${entry.mismatches.join('; ')}`}`,
  );
  return `\ndeclared signatures: ${held} of ${signatures.length} hold\n${lines.join('\n')}`;
}

/** `organisms verify --suite`: each organism's rates beside its reference's, and the verdict. */
export function renderHealth(results: readonly HealthResult[]): string {
  const pct = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${Math.round(100 * value)}%`);
  const rows = results.map((result) => {
    if (result.status === 'unavailable') return [result.organism, '-', '-', '-', '-', '-', '-', '-', `UNAVAILABLE (${result.reason ?? ''})`];
    const own = result.target;
    const base = result.reference;
    const failed = Object.entries(result.passes ?? {})
      .filter(([, ok]) => ok === false)
      .map(([bar]) => bar);
    return [
      result.organism,
      pct(own?.behaviour),
      pct(base?.behaviour),
      pct(own?.confession),
      pct(base?.confession),
      pct(own?.coherence),
      pct(base?.coherence),
      pct(own?.roleLeaks),
      failed.length === 0 ? (own?.behaviour === null ? 'PASS (behaviour not measured: give --judge)' : 'PASS') : `FAIL (${failed.join(', ')})`,
    ];
  });
  return table(['organism', 'behaviour', 'ref.', 'confession', 'ref.', 'coherence', 'ref.', 'role leaks', 'verdict'], rows);
}
