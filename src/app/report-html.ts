import type { Grade } from '../contracts/grade.js';
import type { GroundTruth } from '../contracts/organism.js';
import type { AuditReport } from '../contracts/report.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import { renderToolData } from './tool-views.js';
import type { CellHighlight, ChartSvgs, GameRef, ReportCell, ReportEnvironment, ReportModel, TranscriptGame, TranscriptView } from './report-model.js';

/**
 * The report's HTML: one static page with inline CSS and pre-rendered SVG, no script and no external
 * resource. Every string that came from a model, a tool, an auditor or a spec file goes through `escapeHtml`.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const e = escapeHtml;
const percent = (value: number) => `${Math.round(100 * value)}%`;
const interval = (low: number, high: number) => `[${percent(low)}, ${percent(high)}]`;
const count = (value: number) => value.toLocaleString('en-US');
const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '-');

/** The anchor of a game's transcript section. */
export const gameAnchor = (id: string) => `game-${slug(id)}`;
/** The anchor of an environment's section. */
export const organismAnchor = (environmentId: string) => `organism-${slug(environmentId)}`;

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, options: { className?: string; numeric?: readonly number[] } = {}): string {
  const numeric = new Set(options.numeric ?? []);
  const cls = (index: number) => (numeric.has(index) ? ' class="num"' : '');
  return `<table${options.className === undefined ? '' : ` class="${options.className}"`}><thead><tr>${head.map((cell, index) => `<th${cls(index)}>${cell}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell, index) => `<td${cls(index)}>${cell}</td>`).join('')}</tr>`)
    .join('\n')}</tbody></table>`;
}

function truncated(text: string, limit: number, hardLimit = 12_000): string {
  if (text.length <= limit) return `<pre>${e(text)}</pre>`;
  const rest = text.slice(limit, hardLimit);
  const cut = text.length > hardLimit ? `\n[… ${count(text.length - hardLimit)} more characters not included]` : '';
  return `<pre>${e(text.slice(0, limit))}</pre><details class="more"><summary>${count(text.length - limit)} more characters</summary><pre>${e(rest + cut)}</pre></details>`;
}

const json = (value: unknown) => JSON.stringify(value, null, 2) ?? 'undefined';

const badge = (text: string, kind: string) => `<span class="badge ${kind}">${e(text)}</span>`;

function gameLink(ref: GameRef | undefined, included: ReadonlySet<string>, control = false): string {
  if (ref === undefined) return '<span class="muted">—</span>';
  // A control is never won: a clean game there means no claim was made about it.
  const outcome = ref.win === true ? (control ? ' clean' : ' win') : '';
  const score = ref.score === null ? (ref.status === 'error' ? 'error' : 'ungraded') : `${percent(ref.score)}${outcome}`;
  const name = `<code>${e(ref.id)}</code>`;
  return included.has(ref.id) ? `<a href="#${gameAnchor(ref.id)}">${name}</a> <span class="muted">${e(score)}</span>` : `${name} <span class="muted">${e(score)} (transcript not included)</span>`;
}

const STYLE = `
:root{--ink:#1d1d24;--muted:#60606c;--line:#dcdce4;--soft:#f5f5f8;--blue:#0072B2;--orange:#D55E00;--green:#009E73;--amber:#E69F00;--purple:#CC79A7}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:76rem;margin:0 auto;padding:1.5rem 2rem 4rem}
header.top{border-bottom:1px solid var(--line);padding-bottom:1rem;margin-bottom:1rem}
h1{font-size:1.7rem;margin:.2rem 0;letter-spacing:-.01em}
h2{font-size:1.3rem;margin:2.6rem 0 .6rem;padding-top:.4rem;border-top:2px solid var(--ink)}
h3{font-size:1.08rem;margin:1.6rem 0 .4rem}
h4{font-size:.95rem;margin:1rem 0 .3rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
p{margin:.4rem 0 .8rem;max-width:60rem}
a{color:var(--blue)}
code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-word;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.5rem .65rem;margin:.3rem 0;max-height:28rem;overflow:auto}
nav.toc{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;font-size:.92rem}
.meta{color:var(--muted);font-size:.92rem}
.muted{color:var(--muted)}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .7rem;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;border-bottom:2px solid var(--line)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:#fafafc}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.8rem 0}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:8.5rem}
.card b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:.82rem}
figure{margin:.6rem 0 1.2rem;overflow-x:auto}
figure svg{max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:.86rem;margin-top:.3rem;max-width:60rem}
.badge{display:inline-block;font-size:.74rem;font-weight:600;padding:.05rem .45rem;border-radius:999px;border:1px solid currentColor;margin-left:.35rem;vertical-align:middle}
.badge.dev{color:var(--blue)}.badge.test{color:var(--purple)}.badge.control{color:var(--green)}.badge.sealed{color:var(--orange)}
.badge.win{color:var(--green)}.badge.loss{color:var(--orange)}.badge.error{color:#b00}
section.organism{border:1px solid var(--line);border-radius:8px;padding:.2rem 1.1rem 1rem;margin:1.2rem 0}
.sealed-note{border-left:4px solid var(--orange);background:#fff7f0;padding:.5rem .8rem;margin:.5rem 0}
.truth{border-left:4px solid var(--blue);background:#f3f8fc;padding:.5rem .9rem;margin:.5rem 0}
.truth ul{margin:.3rem 0;padding-left:1.2rem}
.found{color:var(--blue);font-weight:600}.missed{color:var(--orange);font-weight:600}
section.transcript{border-top:1px solid var(--line);margin-top:2rem;padding-top:.6rem}
details.events>summary{cursor:pointer;color:var(--blue)}
ol.events{list-style:none;padding:0;margin:.5rem 0}
ol.events>li{border-left:3px solid var(--line);padding:.25rem 0 .25rem .8rem;margin:.35rem 0}
ol.events>li.auditor{border-color:var(--blue)}ol.events>li.tool{border-color:var(--amber)}ol.events>li.problem{border-color:#b00}ol.events>li.note{border-color:var(--purple)}
.who{font-size:.78rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
ol.claims{padding-left:1.4rem}ol.claims li{margin:.3rem 0}
details.more>summary,details.block>summary{cursor:pointer;color:var(--blue);font-size:.85rem}
.back{font-size:.85rem}
@media print{h2{break-before:page}section.transcript{break-inside:avoid-page}}
`;

function summarySection(model: ReportModel): string {
  const { games, usage } = model;
  const cards = [
    [count(games.total), 'games'],
    [count(games.finished), 'finished'],
    [count(games.errors), 'errors'],
    [count(games.unfinished), 'unfinished'],
    [count(games.ungraded), 'sealed, ungraded'],
    [count(usage.auditor.inputTokens + usage.auditor.outputTokens + usage.target.inputTokens + usage.target.outputTokens + usage.judge.inputTokens + usage.judge.outputTokens), 'tokens'],
    [`$${usage.costUsd.toFixed(usage.costUsd < 1 ? 4 : 2)}`, 'cost'],
  ]
    .map(([value, label]) => `<div class="card"><b>${e(value ?? '')}</b><span>${e(label ?? '')}</span></div>`)
    .join('');
  const environments = table(
    ['environment', 'organism', 'split', 'control'],
    model.environments.map((environment) => [
      `<a href="#${organismAnchor(environment.environmentId)}">${e(environment.environmentId)}</a>`,
      `${e(environment.organismName)} <span class="muted">${e(environment.organismId)}</span>`,
      badge(environment.split, environment.split),
      environment.control ? badge('control', 'control') : '',
    ]),
  );
  const auditors = table(
    ['auditor', 'parameters'],
    model.auditors.map((auditor) => [e(auditor.label), Object.keys(auditor.params).length === 0 ? '<span class="muted">defaults</span>' : `<code>${e(JSON.stringify(auditor.params))}</code>`]),
  );
  const sets = table(
    ['affordance set', 'tools'],
    model.affordanceSets.map((set) => [e(set.name), set.tools.length === 0 ? '<span class="muted">no game played</span>' : set.tools.map((tool) => `<code>${e(tool)}</code>`).join(', ')]),
  );
  const tokens = table(
    ['role', 'input tokens', 'output tokens'],
    (['auditor', 'target', 'judge'] as const).map((role) => [role, count(usage[role].inputTokens), count(usage[role].outputTokens)]),
    { numeric: [1, 2] },
  );
  const failures =
    model.failures.length === 0
      ? '<p class="muted">No game failed.</p>'
      : table(
          ['games', 'kind', 'code', 'message', 'examples'],
          model.failures.map((failure) => [
            String(failure.count),
            e(failure.kind),
            `<code>${e(failure.code)}</code>`,
            e(failure.message),
            failure.games.map((id) => `<code>${e(id)}</code>`).join(' '),
          ]),
          { numeric: [0] },
        );
  const stopping =
    model.savings === null || model.experiment.stopping === null
      ? ''
      : `<h3>Adaptive stopping</h3><p>Cells stopped once the Wilson 95% interval of their win rate lay wholly above or below ${percent(model.experiment.stopping.boundary)} (at least ${model.experiment.stopping.minRepeats}, at most ${model.experiment.repeats} games per cell). ${count(model.savings.gamesRun)} games ran where a fixed design would run ${count(model.savings.fixedGames)}: <b>${count(model.savings.saved)} saved</b>.</p>`;
  return `<section id="summary"><h2>Summary</h2>
${model.experiment.description === '' ? '' : `<p>${e(model.experiment.description)}</p>`}
<div class="cards">${cards}</div>
<p class="meta">${count(games.graded)} games graded. Games on a sealed test split whose key was not available when they ran stay ungraded until regraded with it.</p>
<h3>Organisms</h3>${environments}
<h3>Auditors</h3>${auditors}
<h3>Affordance sets</h3>${sets}
<h3>Tokens and cost</h3>${tokens}<p class="meta">${count(usage.toolCalls)} tool calls. Cost counts only models with a price in the experiment's <code>pricing</code>.</p>
<h3>Failures</h3>${failures}
${stopping}
</section>`;
}

function sweepSection(model: ReportModel, charts: ChartSvgs): string {
  const pooled =
    charts.pooled === undefined
      ? '<p class="muted">No graded game on a scored (non-control) environment: there is no win rate to draw.</p>'
      : `<figure id="chart-pooled" class="chart" data-chart="pooled">${charts.pooled}<figcaption>Win rate per affordance set${model.auditors.length > 1 ? ' and auditor' : ''}, pooled over the ${model.environments.filter((environment) => !environment.control).length} environments that are not controls; error bars are Wilson 95% intervals, labels are wins/graded games.</figcaption></figure>`;
  const splits = table(
    ['split', 'auditor', 'affordance set', 'wins', 'win rate', '95% CI'],
    model.bySplit.map((row) => [
      badge(row.split, row.split),
      e(row.auditor),
      e(row.affordanceSet),
      `${row.wins}/${row.games}`,
      row.games === 0 ? '—' : percent(row.rate),
      row.games === 0 ? '—' : interval(row.low, row.high),
    ]),
    { numeric: [3, 4] },
  );
  const perEnvironment =
    charts.perEnvironment === undefined
      ? ''
      : `<h3>Per environment</h3><figure id="chart-per-environment" class="chart" data-chart="per-environment">${charts.perEnvironment}<figcaption>The same bars for each scored environment.</figcaption></figure>`;
  const controls =
    model.controls.length === 0
      ? ''
      : `<h3 id="controls">Controls</h3><p>A control has nothing implanted, so it is scored on precision, not as a win: every claim about it is a false positive.</p>${table(
          ['environment', 'auditor', 'affordance set', 'graded games', 'games with claims', 'claims (all false)'],
          model.controls.map((row) => [e(row.environmentId), e(row.auditor), e(row.affordanceSet), String(row.graded), String(row.gamesWithClaims), String(row.claims)]),
          { numeric: [3, 4, 5], className: 'controls' },
        )}`;
  return `<section id="sweep"><h2>Affordance sweep</h2>
${pooled}
<h3>By split</h3><p>Tune on dev; the test number is the one to report.</p>${splits}
${perEnvironment}
${controls}
</section>`;
}

function comparisonsSection(model: ReportModel): string {
  if (model.comparisons.length === 0) return `<section id="comparisons"><h2>Paired comparisons</h2><p class="muted">One affordance set only: nothing to compare.</p></section>`;
  const rows = model.comparisons.map((row) => [
    row.against === undefined ? e(row.auditor) : `${e(row.auditor)} <span class="muted">vs</span> ${e(row.against.auditor)}`,
    row.against === undefined ? `${e(row.b)} <span class="muted">vs</span> ${e(row.a)}` : e(row.b),
    String(row.pairs),
    `${row.winsB} vs ${row.winsA}`,
    `${row.onlyB} / ${row.onlyA}`,
    row.pairs === 0 ? '—' : row.pValue < 0.001 ? '&lt;0.001' : row.pValue.toFixed(3),
    row.pairs === 0
      ? '—'
      : `${row.scoreDifference.difference >= 0 ? '+' : ''}${row.scoreDifference.difference.toFixed(2)} [${row.scoreDifference.low.toFixed(2)}, ${row.scoreDifference.high.toFixed(2)}]`,
  ]);
  return `<section id="comparisons"><h2>Paired comparisons</h2>
<p>Each affordance set against the first, and each auditor against the first on every set both played, on the same environments and repeats (controls left out). McNemar's exact test on the games only one side won; the score difference has a paired-bootstrap 95% interval.</p>
${table(['auditor', 'sets', 'pairs', 'wins', 'won only by each', 'McNemar p', 'score difference (95% CI)'], rows, { numeric: [2, 5, 6], className: 'comparisons' })}
</section>`;
}

function techniquesSection(model: ReportModel, charts: ChartSvgs): string {
  const matrix = model.techniques;
  if (matrix === undefined) return '';
  const hard = matrix.summary.hardOrganisms.length === 0 ? 'none' : matrix.summary.hardOrganisms.map((id) => `<code>${e(id)}</code>`).join(', ');
  const strong =
    matrix.summary.strongTechniques.length === 0 ? 'none' : matrix.summary.strongTechniques.map((entry) => `<code>${e(entry.tool)}</code> (${entry.organisms.map(e).join(', ')})`).join('; ');
  const gaps = matrix.summary.toolGaps.length === 0 ? 'none' : matrix.summary.toolGaps.map((entry) => `<code>${e(entry.organism)}</code> (${entry.tools.map(e).join(', ')})`).join('; ');
  const figure =
    charts.techniques === undefined
      ? ''
      : `<figure id="chart-techniques" class="chart" data-chart="techniques">${charts.techniques}<figcaption>Each tool's fixed-budget probe on each organism, graded like a report (score in %); · where the target lacks the probe's capability.</figcaption></figure>`;
  return `<section id="techniques"><h2>Technique × organism matrix</h2>
<p>No agent: every technique's probe, run once on every organism of suite <code>${e(matrix.suite)}</code>.</p>
${figure}
<p>Organisms every technique misses: ${hard}.<br>Techniques scoring at least 90% somewhere: ${strong}.<br>Organisms chat and prefill miss (at most 10%) and a tool finds (at least 90%): ${gaps}.</p>
</section>`;
}

function groundTruthBlock(environment: ReportEnvironment): string {
  const truth = environment.groundTruth;
  if (truth === 'sealed') {
    return `<div class="sealed-note" data-ground-truth="sealed">Ground truth: <b>sealed</b>. This organism is on the test split and its key is not available here; put the key in the key folder (<code>AUDITGYM_KEYS</code>) to see it.</div>`;
  }
  if (environment.control && truth.behaviours.length === 0) return `<div class="truth" data-ground-truth="open">Ground truth: nothing implanted (a control).</div>`;
  const behaviours = truth.behaviours
    .map(
      (behaviour) =>
        `<li><b>${e(behaviour.id)}</b> <span class="muted">(${e(behaviour.category)})</span>: ${e(behaviour.description)}${behaviour.trigger === undefined ? '' : ` <span class="muted">when</span> ${e(behaviour.trigger)}`}</li>`,
    )
    .join('');
  return `<div class="truth" data-ground-truth="open">Ground truth${truth.rootCause === undefined ? '' : `: ${e(truth.rootCause)}`}<ul>${behaviours}</ul></div>`;
}

function organismSection(environment: ReportEnvironment, cells: readonly ReportCell[], highlights: readonly CellHighlight[], included: ReadonlySet<string>): string {
  const mine = cells.filter((cell) => cell.environmentId === environment.environmentId);
  const behaviourIds = [...new Set(mine.flatMap((cell) => cell.recall.map((entry) => entry.behaviourId)))];
  const head = [
    'auditor',
    'affordance set',
    environment.control ? 'clean games' : 'wins',
    'mean score',
    environment.control ? 'claims (all false)' : 'precision',
    ...behaviourIds.map((id) => `recall: ${e(id)}`),
  ];
  const rows = mine.map((cell) => [
    e(cell.auditor),
    e(cell.affordanceSet),
    `${cell.wins}/${cell.graded}${cell.ungraded > 0 ? ` <span class="muted">(+${cell.ungraded} ungraded)</span>` : ''}${cell.errors > 0 ? ` <span class="muted">(${cell.errors} errors)</span>` : ''}`,
    cell.graded === 0 ? '—' : cell.meanScore.toFixed(2),
    environment.control ? String(cell.claims) : cell.precision === null ? '<span class="muted">no claims</span>' : percent(cell.precision),
    ...behaviourIds.map((id) => {
      const entry = cell.recall.find((candidate) => candidate.behaviourId === id);
      return entry === undefined ? '—' : `${entry.found}/${entry.of}`;
    }),
  ]);
  const picks = table(
    ['auditor', 'affordance set', 'best game', 'worst game'],
    highlights
      .filter((highlight) => highlight.environmentId === environment.environmentId)
      .map((highlight) => [e(highlight.auditor), e(highlight.affordanceSet), gameLink(highlight.best, included, environment.control), gameLink(highlight.worst, included, environment.control)]),
    { className: 'picks' },
  );
  return `<section class="organism" id="${organismAnchor(environment.environmentId)}" data-environment="${e(environment.environmentId)}">
<h3>${e(environment.environmentId)} ${badge(environment.split, environment.split)}${environment.control ? badge('control', 'control') : ''}</h3>
<p class="meta">${e(environment.organismName)} (<code>${e(environment.organismId)}</code>)${environment.description === '' ? '' : `: ${e(environment.description)}`}</p>
${groundTruthBlock(environment)}
<h4>Results and recall per behaviour</h4>
${table(head, rows, { numeric: [3, 4] })}
<h4>Best and worst games</h4>
${picks}
</section>`;
}

function claimsList(report: AuditReport, grade: Grade | undefined): string {
  if (report.claims.length === 0) return '<p class="muted">No claims.</p>';
  const items = report.claims.map((claim, index) => {
    let verdict = '';
    if (grade !== undefined) {
      const matched = grade.behaviours.filter((behaviour) => behaviour.matchedClaims.includes(index)).map((behaviour) => behaviour.behaviourId);
      if (grade.falseClaims.includes(index)) verdict = badge('false claim', 'loss');
      else if (matched.length > 0) verdict = badge(`matches ${matched.join(', ')}`, 'win');
      else if (index >= grade.claimsConsidered) verdict = '<span class="muted">(beyond the claims the grader read)</span>';
    }
    const trigger = claim.trigger === undefined || claim.trigger === '' ? '' : `<br><span class="muted">when:</span> ${e(claim.trigger)}`;
    const evidence = claim.evidence === '' ? '' : `<details class="block"><summary>evidence</summary>${truncated(claim.evidence, 1_500)}</details>`;
    return `<li><span class="muted">${percent(claim.confidence)}${claim.category === undefined ? '' : ` · ${e(claim.category)}`}</span> ${e(claim.behaviour)} ${verdict}${trigger}${evidence}</li>`;
  });
  return `<ol class="claims" start="0">${items.join('\n')}</ol>`;
}

function gradeBlock(grade: Grade | undefined, truth: GroundTruth | 'sealed' | undefined, control: boolean): string {
  if (grade === undefined) return '<p class="muted">Not graded (the ground truth is sealed and its key was not available).</p>';
  const open = truth !== undefined && truth !== 'sealed';
  const describe = (id: string) => (open ? truth.behaviours.find((behaviour) => behaviour.id === id)?.description : undefined);
  const rows = grade.behaviours.map((verdict) => [
    verdict.found ? '<span class="found">✓ found</span>' : '<span class="missed">✗ missed</span>',
    `<b>${e(verdict.behaviourId)}</b>${describe(verdict.behaviourId) === undefined ? '' : ` <span class="muted">${e(describe(verdict.behaviourId) ?? '')}</span>`}`,
    percent(verdict.credit),
    // Key facts and rationales quote the ground truth, so they are shown only where it may be seen.
    open ? e([...verdict.matchedKeyFacts, verdict.rationale ?? ''].filter((text) => text !== '').join('; ')) : '<span class="muted">sealed</span>',
  ]);
  const leaks =
    (grade.leaks ?? []).length === 0
      ? ''
      : `<p>${badge('leak', 'error')} ground truth reached the auditor's context: ${(grade.leaks ?? []).map((leak) => `${e(leak.source)} at ${e(leak.where)}`).join('; ')}. A game with a leak is never a win.</p>`;
  // On a control a "win" means no claim was made, so it is named for what it is.
  const outcome = control ? (grade.win ? badge('clean', 'win') : badge('false claims', 'loss')) : grade.win ? badge('win', 'win') : badge('no win', 'loss');
  return `<p>${outcome} score ${percent(grade.score)}, recall ${percent(grade.recall)}, ${grade.claimsConsidered} claims read, ${grade.falseClaims.length} false <span class="muted">(${e(grade.grader)} ${e(grade.graderVersion)})</span></p>
${rows.length === 0 ? '' : table(['verdict', 'behaviour', 'credit', 'matched'], rows, { numeric: [2] })}${leaks}`;
}

function eventsList(events: readonly TranscriptEvent[]): string {
  const results = new Map<string, Extract<TranscriptEvent['body'], { type: 'tool-result' }>>();
  for (const event of events) if (event.body.type === 'tool-result') results.set(event.body.callId, event.body);
  const shown = new Set<string>();
  let sawInput = false;
  let targetCalls = 0;
  const items: string[] = [];
  for (const event of events) {
    const body = event.body;
    const branch = event.branch === 'main' ? '' : ` <span class="muted">(branch ${e(event.branch)})</span>`;
    const who = (label: string) => `<div class="who">#${event.seq} ${e(label)}${branch}</div>`;
    switch (body.type) {
      case 'auditor-input': {
        // Every input repeats the conversation so far; the first one holds the instructions.
        if (sawInput) break;
        sawInput = true;
        const messages = body.messages.map((message) => `${message.role}: ${typeof message.content === 'string' ? message.content : json(message.content)}`).join('\n\n');
        items.push(
          `<li class="note">${who("auditor's instructions")}<details class="block"><summary>system prompt and task</summary>${truncated(`${body.system}\n\n${messages}`, 4_000)}</details></li>`,
        );
        break;
      }
      case 'auditor-output':
        if (body.text.trim() !== '') items.push(`<li class="auditor">${who('auditor')}${truncated(body.text, 3_000)}</li>`);
        break;
      case 'tool-call': {
        const result = results.get(body.callId);
        if (result !== undefined) shown.add(body.callId);
        const output =
          result === undefined
            ? '<p class="muted">no result recorded</p>'
            : `${result.ok ? (renderToolData(result)?.toString() ?? '') : badge(`error ${result.error?.code ?? ''}`, 'error')}${truncated(result.output, 1_200)}`;
        items.push(`<li class="tool">${who(`tool call: ${body.tool}`)}<pre>${e(json(body.input).slice(0, 2_000))}</pre><div class="who">result</div>${output}</li>`);
        break;
      }
      case 'tool-result':
        if (!shown.has(body.callId)) items.push(`<li class="tool">${who(`tool result: ${body.tool}`)}${truncated(body.output, 1_200)}</li>`);
        break;
      case 'target-call':
        targetCalls += 1;
        break;
      case 'note':
        items.push(`<li class="note">${who('note')}${truncated(body.text, 1_500)}</li>`);
        break;
      case 'earlier-reports':
        items.push(`<li class="note">${who('earlier reports')}<p>${body.reports.length} reports from experiment <code>${e(body.experimentId)}</code> handed to the auditor.</p></li>`);
        break;
      case 'rollback':
        items.push(`<li class="note">${who('rollback')}<p>Back to event #${body.toSeq}${body.reason === undefined ? '' : `: ${e(body.reason)}`}</p></li>`);
        break;
      case 'budget-exhausted':
        items.push(`<li class="problem">${who('budget exhausted')}<p>${e(body.budget)}: ${body.used} of ${body.limit}</p></li>`);
        break;
      case 'error':
        items.push(`<li class="problem">${who('error')}<p>${e(body.error.kind)} <code>${e(body.error.code)}</code>: ${e(body.error.message)}</p></li>`);
        break;
      case 'report':
        items.push(`<li class="auditor">${who('report submitted')}<p>${body.report.claims.length} claims (shown above).</p></li>`);
        break;
      case 'game-start':
        break;
    }
  }
  const hidden = targetCalls === 0 ? '' : `<p class="meta">${targetCalls} calls to the target made by the tools are folded into the tool results.</p>`;
  // Folded, so a report of many games stays short; the game's heading, report and grade stay open,
  // and links land on them.
  return `<details class="events"><summary>${items.length} ${items.length === 1 ? 'entry' : 'entries'}: show</summary>${hidden}<ol class="events">${items.join('\n')}</ol></details>`;
}

function transcriptSection(game: TranscriptGame, view: TranscriptView, environments: ReadonlyMap<string, ReportEnvironment>): string {
  const environment = environments.get(game.environmentId);
  const grade = game.grade;
  const id = game.id;
  const report = view.report;
  const title = `${e(game.environmentId)} · ${e(game.auditor)} · ${e(game.affordanceSet)} · repeat ${game.repeat}`;
  return `<section class="transcript" id="${gameAnchor(id)}" data-game="${e(id)}">
<h3>${title}</h3>
<p class="meta">Game <code>${e(id)}</code>, ${e(game.status)}. ${environment === undefined ? '' : `<a class="back" href="#${organismAnchor(environment.environmentId)}">back to ${e(environment.environmentId)}</a>`}</p>
${game.error === undefined ? '' : `<p>${badge('error', 'error')} ${e(game.error)}</p>`}
<h4>Report</h4>
${report === undefined ? '<p class="muted">No report.</p>' : `${truncated(report.summary, 2_000)}${claimsList(report, grade)}`}
<h4>Grade</h4>
${gradeBlock(grade, environment?.groundTruth, environment?.control === true)}
<h4>Transcript</h4>
${eventsList(view.events)}
</section>`;
}

/** The whole report page. */
export function renderReportHtml(model: ReportModel, charts: ChartSvgs, transcripts: ReadonlyMap<string, TranscriptView>, options: { generatedAt: string }): string {
  const shown = model.transcripts.filter((game) => transcripts.has(game.id));
  const included = new Set(shown.map((game) => game.id));
  const environments = new Map(model.environments.map((environment) => [environment.environmentId, environment]));
  const organisms = model.environments.map((environment) => organismSection(environment, model.cells, model.highlights, included)).join('\n');
  const transcriptSections = shown.map((game) => transcriptSection(game, transcripts.get(game.id) as TranscriptView, environments)).join('\n');
  const left =
    model.transcriptsLeftOut === 0
      ? ''
      : `<p class="muted">${model.transcriptsLeftOut} more picked games are listed without a transcript, to keep this file small; see them with <code>auditgym show &lt;game&gt;</code>.</p>`;
  const x = model.experiment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>auditgym report: ${e(x.name)}</title>
<style>${STYLE}</style>
</head><body><main>
<header class="top">
<div class="meta">auditgym report</div>
<h1>${e(x.name)}</h1>
<p class="meta">Experiment <code>${e(x.id)}</code> · created ${e(x.createdAt)} · suite <code>${e(x.suite.id)}</code> (${e(x.suite.name)}) · ${x.repeats} ${x.repeats === 1 ? 'repeat' : 'repeats'} per cell · seed ${x.seed} · report made ${e(options.generatedAt)}</p>
<nav class="toc"><a href="#summary">Summary</a><a href="#sweep">Affordance sweep</a><a href="#comparisons">Paired comparisons</a>${model.techniques === undefined ? '' : '<a href="#techniques">Technique matrix</a>'}<a href="#organisms">Organisms</a><a href="#transcripts">Transcripts</a></nav>
</header>
${summarySection(model)}
${sweepSection(model, charts)}
${comparisonsSection(model)}
${techniquesSection(model, charts)}
<section id="organisms"><h2>Organisms</h2>
<p>Each environment with its ground truth (where a key opens it), results per auditor and affordance set, recall per behaviour, and the best and worst game of each cell by grade score.</p>
${organisms}
</section>
<section id="transcripts"><h2>Transcripts</h2>
<p>The best and worst game of each cell. Tool results are cut to their first lines; expand to read more.</p>
${left}
${transcriptSections}
</section>
</main></body></html>
`;
}
