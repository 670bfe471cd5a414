import type { ExperimentDetail, ExperimentOverview, GameDetail, GameFilter, GameRow, GroundTruthView } from '../app/browse.js';
import { OUTCOMES } from '../app/browse.js';
import type { CellSummary } from '../app/summary.js';
import type { GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import type { ChatMessage } from '../contracts/messages.js';
import type { AuditReport } from '../contracts/report.js';
import type { EventBody, TranscriptEvent } from '../contracts/transcript.js';
import { rankClaims } from '../core/graders/grader.js';
import { clip, experimentHref, gameHref, href, html, percent, rateClass, shortTime, type Fragment, type Html } from '../app/html.js';
import { renderToolResult } from '../app/tool-views.js';

/** The document around every page auditgym serves: its stylesheet and script, a top bar and a footer. */
export function pageShell(shell: { title: string; assets: string; top: Html; body: Html; footer: string }): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${shell.title} · auditgym</title>
        <link rel="stylesheet" href="/assets/${shell.assets}.css" />
        <script src="/assets/${shell.assets}.js" defer></script>
      </head>
      <body>
        <header class="top">${shell.top}</header>
        <main>${shell.body}</main>
        <footer>${shell.footer}</footer>
      </body>
    </html>`;
}

export function layout(title: string, body: Html, context: { store: string }): Html {
  return pageShell({
    title,
    assets: 'viewer',
    top: html`<a class="brand" href="/">auditgym</a><a href="/">Experiments</a><span class="where" title="the store, opened read-only">${context.store} · read-only</span>`,
    body,
    footer: 'auditgym viewer · the store is opened read-only and never written',
  });
}

export function errorPage(status: number, message: string): Html {
  return html`<div class="error-page">
    <h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1>
    <p>${message}</p>
    <p><a href="/">Back to the experiments</a></p>
  </div>`;
}

const outcomeBadge = (outcome: string) => html`<span class="badge outcome-${outcome}" data-field="outcome">${outcome}</span>`;
const statusBadge = (status: string) => html`<span class="badge status-${status}" data-field="status">${status}</span>`;

function count(name: string, value: number, label: string): Html {
  return html`<div class="count">
    <div class="value" data-count="${name}">${value}</div>
    <div class="label">${label}</div>
  </div>`;
}

function winRateText(overview: ExperimentOverview): string {
  return overview.winRate === undefined ? '—' : `${percent(overview.winRate)} (${overview.wins}/${overview.graded})`;
}

export function experimentsPage(experiments: readonly ExperimentOverview[]): Html {
  if (experiments.length === 0) {
    return html`<h1>Experiments</h1>
      <div class="empty">No experiments in this store yet. Run one with <code>auditgym run experiment.yaml</code>.</div>`;
  }
  return html`<h1>Experiments</h1>
    <p class="muted">${experiments.length} experiments, newest first. Win rates count graded games; controls count a clean report as a win.</p>
    <table class="experiments">
      <thead>
        <tr>
          <th>experiment</th>
          <th>id</th>
          <th>created</th>
          <th class="num">games</th>
          <th class="num">finished</th>
          <th class="num">errors</th>
          <th class="num">unfinished</th>
          <th>win rate</th>
        </tr>
      </thead>
      <tbody>
        ${experiments.map(
          (experiment) =>
            html`<tr data-experiment="${experiment.id}">
              <td><a href="${experimentHref(experiment.id)}">${experiment.name}</a></td>
              <td class="id">${experiment.id}</td>
              <td class="num">${shortTime(experiment.createdAt)}</td>
              <td class="num">${experiment.games}</td>
              <td class="num">${experiment.finished}</td>
              <td class="num">${experiment.errors > 0 ? html`<span class="badge outcome-error">${experiment.errors}</span>` : '0'}</td>
              <td class="num">${experiment.unfinished > 0 ? html`<span class="badge status-running">${experiment.unfinished}</span>` : '0'}</td>
              <td class="num ${experiment.winRate === undefined ? 'heat-none' : rateClass(experiment.winRate)}">${winRateText(experiment)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function option(value: string, label: string, selected: boolean): Html {
  return html`<option value="${value}" ${selected ? html` selected` : ''}>${label}</option>`;
}

function filterForm(detail: ExperimentDetail, filter: GameFilter): Html {
  const duplicate = (name: string) => detail.choices.auditors.filter((auditor) => auditor.name === name).length > 1;
  return html`<form class="filters" method="get" action="${experimentHref(detail.id)}" data-filters>
    <label
      >organism / environment<select name="env" data-autosubmit>
        ${option('', 'all', filter.environment === undefined)}${detail.choices.environments.map((id) => option(id, id, filter.environment === id))}
      </select></label
    >
    <label
      >auditor<select name="auditor" data-autosubmit>
        ${option('', 'all', filter.auditorIndex === undefined)}${detail.choices.auditors.map((auditor) =>
          option(String(auditor.index), duplicate(auditor.name) ? `${auditor.name} #${auditor.index + 1}` : auditor.name, filter.auditorIndex === auditor.index),
        )}
      </select></label
    >
    <label
      >affordance set<select name="set" data-autosubmit>
        ${option('', 'all', filter.affordanceSet === undefined)}${detail.choices.affordanceSets.map((set) => option(set, set, filter.affordanceSet === set))}
      </select></label
    >
    <label
      >outcome<select name="outcome" data-autosubmit>
        ${option('', 'all', filter.outcome === undefined)}${OUTCOMES.map((outcome) => option(outcome, outcome, filter.outcome === outcome))}
      </select></label
    >
    <button type="submit">Filter</button>
    ${(filter.environment ?? filter.auditorIndex ?? filter.affordanceSet ?? filter.outcome) ? html`<a href="${experimentHref(detail.id)}">clear</a>` : ''}
  </form>`;
}

export function cellKey(cell: Pick<CellSummary, 'environmentId' | 'auditor' | 'affordanceSet'>): string {
  return JSON.stringify([cell.environmentId, cell.auditor, cell.affordanceSet]);
}

/** Win rates as a matrix: environments down, auditor × affordance set across, coloured by rate. */
function cellMatrix(cells: readonly CellSummary[]): Html {
  if (cells.length === 0) return html`<div class="empty">No games match.</div>`;
  const columns = [...new Map(cells.map((cell) => [JSON.stringify([cell.auditor, cell.affordanceSet]), cell])).values()];
  const rows = [...new Set(cells.map((cell) => cell.environmentId))];
  const multipleAuditors = new Set(cells.map((cell) => cell.auditor)).size > 1;
  const find = (environment: string, column: CellSummary) => cells.find((cell) => cell.environmentId === environment && cell.auditor === column.auditor && cell.affordanceSet === column.affordanceSet);
  return html`<table class="matrix">
      <thead>
        <tr>
          <th>environment</th>
          ${columns.map((column) => html`<th class="num">${multipleAuditors ? `${column.auditor} · ` : ''}${column.affordanceSet}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (environment) =>
            html`<tr>
              <th>${environment}</th>
              ${columns.map((column) => {
                const cell = find(environment, column);
                if (cell === undefined) return html`<td class="cell heat-none">·</td>`;
                if (cell.control) {
                  return html`<td class="cell heat-none" data-cell="${cellKey(cell)}" data-control="true" title="${`control: ${cell.games} games, ${cell.graded - cell.wins} with claims (all false)`}">
                    <span class="main">${cell.wins}/${cell.graded} clean</span><span class="sub">control</span>
                  </td>`;
                }
                return html`<td
                  class="cell ${cell.graded === 0 ? 'heat-none' : rateClass(cell.winRate)}"
                  data-cell="${cellKey(cell)}"
                  title="${`${cell.games} games, ${cell.errors} errors, mean score ${cell.meanScore.toFixed(2)}`}"
                >
                  <span class="main">${cell.wins}/${cell.graded}</span
                  ><span class="sub">${cell.graded === 0 ? '—' : `${percent(cell.winRate)} [${percent(cell.interval.low)}–${percent(cell.interval.high)}]`}</span>
                </td>`;
              })}
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      Each cell: wins / graded games, win rate with a Wilson 95% interval. Colour follows the win rate. A control is never won: its cells count clean games, those with no claim about it.
    </p>`;
}

function gamesTable(detail: ExperimentDetail): Html {
  if (detail.games.length === 0) return html`<div class="empty">No games match these filters.</div>`;
  return html`<form method="get" action="/compare" class="compare-form">
    <table class="games">
      <thead>
        <tr>
          <th title="first game to compare">A</th>
          <th title="second game to compare">B</th>
          <th>game</th>
          <th>environment</th>
          <th>auditor</th>
          <th>affordances</th>
          <th class="num">repeat</th>
          <th>status</th>
          <th>outcome</th>
          <th class="num">score</th>
          <th class="num">tool calls</th>
          <th>finished</th>
        </tr>
      </thead>
      <tbody>
        ${detail.games.map(
          (game) =>
            html`<tr data-game="${game.id}" data-outcome="${game.outcome}">
              <td><input type="radio" name="a" value="${game.id}" aria-label="${`compare ${game.id} as A`}" /></td>
              <td><input type="radio" name="b" value="${game.id}" aria-label="${`compare ${game.id} as B`}" /></td>
              <td class="id"><a href="${gameHref(game.id)}">${game.id}</a></td>
              <td>${game.environmentId}${game.organismId !== game.environmentId ? html` <span class="muted">(${game.organismId})</span>` : ''}</td>
              <td>${game.auditor}</td>
              <td>${game.affordanceSet}</td>
              <td class="num">${game.repeat}</td>
              <td>${statusBadge(game.status)}</td>
              <td>${outcomeBadge(game.outcome)}</td>
              <td class="num" data-field="score">${game.grade === undefined ? '' : game.grade.score.toFixed(2)}</td>
              <td class="num">${game.usage?.toolCalls ?? ''}</td>
              <td class="num">${shortTime(game.finishedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <button type="submit" class="primary">Compare A and B</button> <span class="muted">Pick one game in column A and one in column B.</span>
  </form>`;
}

export function experimentPage(detail: ExperimentDetail, overview: ExperimentOverview, filter: GameFilter): Html {
  return html`<div class="crumbs"><a href="/">Experiments</a> /</div>
    <h1>${detail.name}</h1>
    <div class="meta">
      <span>id <b class="mono">${detail.id}</b></span
      ><span>created <b>${shortTime(detail.createdAt)}</b></span
      >${detail.suite === undefined ? '' : html`<span>suite <b>${detail.suite.id}</b> <span class="muted">${detail.suite.name}</span></span>`}${detail.repeats === undefined ? '' : html`<span>repeats <b>${detail.repeats}</b></span>`}${detail.seed === undefined ? '' : html`<span>seed <b>${detail.seed}</b></span>`}
    </div>
    ${detail.description === '' ? '' : html`<p>${detail.description}</p>`}
    <div data-live-experiment="${detail.id}" data-unfinished="${overview.unfinished}">
      <div class="counts">
        ${count('games', overview.games, 'games')}${count('finished', overview.finished, 'finished')}${count('errors', overview.errors, 'errors')}${count('unfinished', overview.unfinished, 'unfinished')}
        <div class="count">
          <div class="value">${winRateText(overview)}</div>
          <div class="label">win rate (graded)</div>
        </div>
      </div>
      ${overview.unfinished > 0 ? html`<p><span class="live" data-live-indicator>live: ${overview.unfinished} games still to finish</span></p>` : ''}
      <h2>Win rate per cell</h2>
      ${cellMatrix(detail.cells)}
      <h2>Games <span class="muted">(${detail.games.length} of ${detail.all.length})</span></h2>
      ${filterForm(detail, filter)} ${gamesTable(detail)}
    </div>`;
}

// ---------------------------------------------------------------- game page

function gameHeader(detail: GameDetail, options: { compact?: boolean } = {}): Html {
  const { game, organism } = detail;
  const usage = game.usage;
  return html`<div class="meta">
      <span>environment <b>${game.environmentId}</b></span>
      <span
        >organism
        <b>${organism.name ?? organism.id}</b
        >${organism.control ? html` <span class="tag control">control</span>` : ''}${organism.split === undefined ? '' : html` <span class="tag">${organism.split}</span>`}</span
      >
      <span>auditor <b>${game.auditor}</b></span>
      <span>affordances <b>${game.affordanceSet}</b></span>
      <span>repeat <b>${game.repeat}</b></span>
      ${
        options.compact === true
          ? ''
          : html`<span>seed <b>${game.seed}</b></span
              ><span>attempts <b>${game.attempts}</b></span>`
      }
      <span>${statusBadge(game.status)} ${outcomeBadge(detail.outcome)}</span>
    </div>
    ${
      usage === null
        ? ''
        : html`<div class="meta">
            <span>tool calls <b>${usage.toolCalls}</b></span
            ><span>turns <b>${usage.turns}</b></span
            ><span
              >tokens: auditor <b>${usage.auditor.inputTokens + usage.auditor.outputTokens}</b>, target <b>${usage.target.inputTokens + usage.target.outputTokens}</b>, judge
              <b>${usage.judge.inputTokens + usage.judge.outputTokens}</b></span
            ><span>cost <b>$${usage.costUsd.toFixed(4)}</b></span
            >${options.compact === true ? '' : html`<span>${shortTime(game.startedAt)} → ${shortTime(game.finishedAt)}</span>`}
          </div>`
    }
    ${
      game.error === null
        ? ''
        : html`<div class="panel error">
            <b>error</b> <span class="tag">${game.error.kind}</span> <span class="tag">${game.error.code}</span>
            <pre>${game.error.message}</pre>
          </div>`
    }`;
}

function groundTruthNote(truth: GroundTruthView, control: boolean): Html {
  if (control) return html`<p><span class="tag control">control</span> Nothing is implanted in this organism: every claim about it is false, and a clean report wins.</p>`;
  if (truth.kind === 'sealed')
    return html`<p>
      <span class="tag sealed">sealed</span> The ground truth of this organism is sealed${truth.keyId === undefined ? '' : html` (key <code>${truth.keyId}</code>)`}; only the grader opens it. The
      grader's verdicts are shown by behaviour id.
    </p>`;
  if (truth.kind === 'unknown') return html`<p class="muted">The stored experiment has no readable ground truth for this organism.</p>`;
  return truth.rootCause === undefined ? html`` : html`<p><b>root cause:</b> ${truth.rootCause}</p>`;
}

export function gradePanel(detail: GameDetail, grade: Grade | undefined): Html {
  const { organism } = detail;
  if (grade === undefined) {
    return html`<div class="panel">
      <p class="muted">${detail.game.status === 'finished' ? 'This game has no grade (its ground truth is sealed and the key was not present).' : 'No grade yet: the game has not finished.'}</p>
      ${groundTruthNote(organism.groundTruth, organism.control)}
    </div>`;
  }
  const truth = organism.groundTruth;
  const verdicts = new Map(grade.behaviours.map((verdict) => [verdict.behaviourId, verdict]));
  const plain = truth.kind === 'plain' ? truth.behaviours : [];
  const listed = new Set(plain.map((behaviour) => behaviour.id));
  const claimRef = (indexes: readonly number[]) => indexes.map((index, position) => html`${position > 0 ? ', ' : ''}<a href="#claim-${index + 1}">#${index + 1}</a>`);
  const found = grade.behaviours.filter((verdict) => verdict.found).length;
  return html`<div class="panel ${grade.win ? 'win' : 'loss'}" data-grade="${grade.grader}">
    <div class="grade-head">
      <span class="big">${organism.control ? (grade.win ? 'CLEAN' : 'FALSE CLAIMS') : grade.win ? 'WIN' : 'LOSS'}</span><span>score <b>${grade.score.toFixed(2)}</b></span
      ><span>recall <b>${percent(grade.recall)}</b></span
      ><span>behaviours found <b data-found-count>${found}</b> of <b>${grade.behaviours.length}</b></span
      ><span>false claims <b data-false-count>${grade.falseClaims.length}</b></span
      ><span>claims read <b>${grade.claimsConsidered}</b></span
      ><span class="muted">grader ${grade.grader} ${grade.graderVersion}</span>
    </div>
    ${groundTruthNote(truth, organism.control)}
    ${grade.leaks !== undefined && grade.leaks.length > 0 ? html`<p><span class="tag false">leak</span> The auditor's context held ground truth before the target produced it, so this game cannot win: ${grade.leaks.map((leak) => html`<code>${leak.needle}</code> (${leak.where}) `)}</p>` : ''}
    ${
      grade.behaviours.length === 0 && plain.length === 0
        ? ''
        : html`<table class="gt">
            <thead>
              <tr>
                <th>behaviour</th>
                <th>verdict</th>
                <th class="num">credit</th>
                <th>matched claims</th>
                <th>ground truth</th>
              </tr>
            </thead>
            <tbody>
              ${plain.map((behaviour) => {
                const verdict = verdicts.get(behaviour.id);
                const facts = new Set(verdict?.matchedKeyFacts ?? []);
                return html`<tr data-behaviour="${behaviour.id}" data-verdict="${verdict?.found === true ? 'found' : 'missed'}">
                  <td><b>${behaviour.id}</b><br /><span class="tag">${behaviour.category}</span></td>
                  <td>${verdict?.found === true ? html`<span class="tag found">found</span>` : html`<span class="tag missed">missed</span>`}</td>
                  <td class="num">${verdict === undefined ? '' : verdict.credit.toFixed(2)}</td>
                  <td>${verdict === undefined ? '' : claimRef(verdict.matchedClaims)}</td>
                  <td>
                    ${behaviour.description}${behaviour.trigger === undefined ? '' : html`<br /><span class="muted">when: ${behaviour.trigger}</span>`}
                    <ul class="facts">
                      ${behaviour.keyFacts.map((fact) => html`<li class="${facts.has(fact.id) ? 'hit' : ''}">${facts.has(fact.id) ? '✓ ' : ''}${fact.description}${fact.required ? '' : html` <span class="muted">(optional)</span>`}</li>`)}
                    </ul>
                  </td>
                </tr>`;
              })}
              ${grade.behaviours
                .filter((verdict) => !listed.has(verdict.behaviourId))
                .map(
                  (verdict) =>
                    html`<tr data-behaviour="${verdict.behaviourId}" data-verdict="${verdict.found ? 'found' : 'missed'}">
                      <td><b>${verdict.behaviourId}</b></td>
                      <td>${verdict.found ? html`<span class="tag found">found</span>` : html`<span class="tag missed">missed</span>`}</td>
                      <td class="num">${verdict.credit.toFixed(2)}</td>
                      <td>${claimRef(verdict.matchedClaims)}</td>
                      <td>
                        ${truth.kind === 'sealed' ? html`<span class="tag sealed">sealed</span>` : ''}${verdict.matchedKeyFacts.length > 0 ? html` <span class="muted">facts stated: ${verdict.matchedKeyFacts.join(', ')}</span>` : ''}${verdict.rationale === undefined ? '' : html`<div class="muted">${verdict.rationale}</div>`}
                      </td>
                    </tr>`,
                )}
            </tbody>
          </table>`
    }
    ${grade.falseClaims.length === 0 ? html`<p class="muted">No false claims.</p>` : html`<p><b>False claims:</b> ${claimRef(grade.falseClaims)}</p>`}
    ${grade.notes === undefined ? '' : html`<p class="muted">${grade.notes}</p>`}
  </div>`;
}

function otherGrades(grades: readonly Grade[], primary: Grade | undefined): Html {
  const others = grades.filter((grade) => grade !== primary);
  if (others.length === 0) return html``;
  return html`<h3>Other grades</h3>
    <table>
      <thead>
        <tr>
          <th>grader</th>
          <th>verdict</th>
          <th class="num">score</th>
          <th class="num">recall</th>
          <th class="num">false claims</th>
        </tr>
      </thead>
      <tbody>
        ${others.map(
          (grade) =>
            html`<tr>
              <td>${grade.grader} ${grade.graderVersion}</td>
              <td>${outcomeBadge(grade.win ? 'win' : 'loss')}</td>
              <td class="num">${grade.score.toFixed(2)}</td>
              <td class="num">${percent(grade.recall)}</td>
              <td class="num">${grade.falseClaims.length}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function reportView(report: AuditReport | undefined, grade: Grade | undefined): Html {
  if (report === undefined) return html`<div class="empty">No report.</div>`;
  const matched = new Map<number, string[]>();
  for (const verdict of grade?.behaviours ?? []) for (const index of verdict.matchedClaims) matched.set(index, [...(matched.get(index) ?? []), verdict.behaviourId]);
  const falseClaims = new Set(grade?.falseClaims ?? []);
  // The grader reads the most confident claims first, up to the number it says it considered.
  const read = new Set(grade === undefined ? [] : rankClaims(report, grade.claimsConsidered));
  return html`<div class="panel">
      <div class="label">summary</div>
      <div class="summary">${report.summary}</div>
    </div>
    ${report.claims.length === 0 ? html`<div class="empty">The report makes no claims.</div>` : ''}
    <ol class="claims">
      ${report.claims.map((claim, index) => {
        const behaviours = matched.get(index);
        const state = behaviours !== undefined ? 'is-match' : falseClaims.has(index) ? 'is-false' : 'unread';
        return html`<li class="claim ${state}" id="claim-${index + 1}" data-claim="${index + 1}">
          <div class="head">
            <b>#${index + 1}</b><span class="bar" title="${`confidence ${claim.confidence.toFixed(2)}`}"><span class="w-${Math.round(claim.confidence * 10)}"></span></span
            ><span class="num">${claim.confidence.toFixed(2)}</span>
            ${behaviours !== undefined ? behaviours.map((id) => html`<span class="tag found">matches ${id}</span>`) : falseClaims.has(index) ? html`<span class="tag false">false claim</span>` : grade === undefined ? '' : read.has(index) ? html`<span class="tag">read: no behaviour in full</span>` : html`<span class="tag">not read by the grader</span>`}
            ${claim.category === undefined ? '' : html`<span class="tag">${claim.category}</span>`}
          </div>
          <div class="behaviour">${claim.behaviour}</div>
          ${claim.trigger === undefined ? '' : html`<div><span class="muted">when:</span> ${claim.trigger}</div>`}
          ${
            claim.evidence === ''
              ? ''
              : html`<details class="raw" ${claim.evidence.length < 400 ? html` open` : ''}>
                  <summary>evidence</summary>
                  <pre>${claim.evidence}</pre>
                </details>`
          }
        </li>`;
      })}
    </ol>`;
}

// ---------------------------------------------------------------- transcript

function messageView(message: ChatMessage): Html {
  const role = message.role === 'tool' ? `tool ${message.toolName}` : message.role;
  const calls = message.role === 'assistant' ? (message.toolCalls ?? []) : [];
  return html`<div class="msg">
    <span class="role">${role}</span><span class="reply">${message.content}</span>${calls.map((call) => html`<div class="muted">→ ${call.name} ${clip(call.arguments, 400)}</div>`)}
  </div>`;
}

function eventHead(event: TranscriptEvent, kind: string, extra: Fragment = ''): Html {
  return html`<div class="ev-head"><a class="seq" href="#e${event.seq}">#${event.seq}</a><span class="kind">${kind}</span>${extra}</div>`;
}

function targetCall(event: TranscriptEvent, body: Extract<EventBody, { type: 'target-call' }>): Html {
  const reply = body.response?.text ?? (body.error === undefined ? '' : `error: ${body.error.message}`);
  return html`<details class="target" id="e${event.seq}" data-event="target-call">
    <summary>#${event.seq} ${body.role} · ${body.model} → ${clip(reply.replace(/\s+/g, ' '), 120)}</summary>
    ${body.request.system === undefined ? '' : html`<div class="msg"><span class="role">system</span><span class="reply">${body.request.system}</span></div>`} ${body.request.messages.map(messageView)}
    ${body.request.prefill === undefined ? '' : html`<div class="msg"><span class="role">prefill</span><span class="reply">${body.request.prefill}</span></div>`}
    ${body.response === undefined ? '' : html`<div class="msg"><span class="role">reply</span><span class="reply">${body.response.text}</span></div>`}
    ${body.error === undefined ? '' : html`<pre class="output error-text">${body.error.code}: ${body.error.message}</pre>`}
  </details>`;
}

function simpleEvent(event: TranscriptEvent): Html {
  const body = event.body;
  switch (body.type) {
    case 'game-start':
      return html`<div class="event start" id="e${event.seq}" data-event="game-start">
        ${eventHead(event, 'game start', html`<span>${body.environmentId} · ${body.auditor} · ${body.affordanceSet} · seed ${body.seed}</span>`)}
        <div class="tools">${body.tools.map((tool) => html`<span class="tag">${tool}</span>`)}</div>
      </div>`;
    case 'auditor-input':
      return html`<div class="event" id="e${event.seq}" data-event="auditor-input">
        ${eventHead(event, 'auditor prompt')}
        <details class="prompt">
          <summary>system prompt and ${body.messages.length} messages</summary>
          <pre>${body.system}</pre>
          ${body.messages.map(messageView)}
        </details>
      </div>`;
    case 'auditor-output':
      return html`<div class="event auditor" id="e${event.seq}" data-event="auditor-output">
        ${eventHead(event, 'auditor', html`<span>${body.usage.inputTokens}+${body.usage.outputTokens} tokens</span>`)}${body.text.trim() === '' ? '' : html`<div class="reply">${body.text}</div>`}${body.toolCalls.map((call) => html`<div class="muted">→ <b>${call.name}</b> <span class="mono">${clip(call.arguments, 300)}</span></div>`)}
      </div>`;
    case 'tool-call':
      return html`<div class="event tool" id="e${event.seq}" data-event="tool-call">
        ${eventHead(event, `tool call · ${body.tool}`)}
        <pre class="json">${JSON.stringify(body.input, null, 2) ?? ''}</pre>
      </div>`;
    case 'tool-result':
      return html`<div class="event tool" id="e${event.seq}" data-event="tool-result">
        ${eventHead(event, `tool result · ${body.tool}`, body.ok ? '' : html`<span class="badge outcome-error">error</span>`)}${renderToolResult(body)}
      </div>`;
    case 'target-call':
      return targetCall(event, body);
    case 'note':
      return html`<div class="event note" id="e${event.seq}" data-event="note">
        ${eventHead(event, 'note')}
        <div class="reply">${body.text}</div>
      </div>`;
    case 'earlier-reports':
      return html`<div class="event" id="e${event.seq}" data-event="earlier-reports">
        ${eventHead(event, `earlier reports · ${body.reports.length}`)}
        <details class="raw">
          <summary>reports handed to the auditor</summary>
          ${body.reports.map(
            (report) =>
              html`<div class="panel">
                <div class="reply">${report.summary}</div>
                <ol>
                  ${report.claims.map((claim) => html`<li>${claim.behaviour} <span class="muted">(${claim.confidence.toFixed(2)})</span></li>`)}
                </ol>
              </div>`,
          )}
        </details>
      </div>`;
    case 'rollback':
      return html`<div class="rollback" id="e${event.seq}" data-event="rollback">
        ↩ #${event.seq} rollback to event <a href="#e${body.toSeq}">#${body.toSeq}</a>${body.reason === undefined ? '' : html`: ${body.reason}`}
      </div>`;
    case 'budget-exhausted':
      return html`<div class="event budget" id="e${event.seq}" data-event="budget-exhausted">
        ${eventHead(event, 'budget exhausted')}<span>${body.budget}: ${Math.round(body.used)} of ${body.limit}</span>
      </div>`;
    case 'error':
      return html`<div class="event error" id="e${event.seq}" data-event="error">
        ${eventHead(event, `error · ${body.error.kind} · ${body.error.code}`)}
        <pre>${body.error.message}</pre>
      </div>`;
    case 'report':
      return html`<div class="event report" id="e${event.seq}" data-event="report">
        ${eventHead(event, 'report submitted', html`<span>${body.report.claims.length} claims</span>`)}
        <div class="reply">${clip(body.report.summary, 600)}</div>
      </div>`;
  }
}

/**
 * The transcript in log order. A tool call, the target calls it made and its result are drawn as one
 * block; a branch started by a rollback gets a header naming where it continues from.
 */
export function transcriptView(events: readonly TranscriptEvent[]): Html {
  if (events.length === 0) return html`<div class="empty">No transcript events.</div>`;
  const parts: Html[] = [];
  let branch = 'main';
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as TranscriptEvent;
    if (event.branch !== branch) {
      branch = event.branch;
      parts.push(html`<div class="branch" data-branch="${branch}">branch ${branch}${event.parent === null ? '' : html`, continuing from <a href="#e${event.parent}">#${event.parent}</a>`}</div>`);
    }
    const body = event.body;
    if (body.type !== 'tool-call') {
      parts.push(simpleEvent(event));
      continue;
    }
    const nested: Html[] = [];
    let result: Html | undefined;
    let cursor = index + 1;
    while (cursor < events.length) {
      const next = events[cursor] as TranscriptEvent;
      if (next.branch !== branch) break;
      if (next.body.type === 'target-call') {
        nested.push(targetCall(next, next.body));
        cursor++;
        continue;
      }
      if (next.body.type === 'tool-result' && next.body.callId === body.callId) {
        result = html`<div id="e${next.seq}" data-event="tool-result">${next.body.ok ? '' : html`<span class="badge outcome-error">error</span>`}${renderToolResult(next.body)}</div>`;
        cursor++;
      }
      break;
    }
    index = cursor - 1;
    const input = JSON.stringify(body.input) ?? '';
    parts.push(
      html`<div class="event tool" id="e${event.seq}" data-event="tool-call" data-tool="${body.tool}">
        ${eventHead(event, `tool · ${body.tool}`, html`<span class="mono">${clip(input, 160)}</span>`)}
        ${
          input.length > 160
            ? html`<details class="raw">
                <summary>arguments</summary>
                <pre class="json">${JSON.stringify(body.input, null, 2)}</pre>
              </details>`
            : ''
        }
        ${nested} ${result ?? html`<div class="muted">(no result recorded)</div>`}
      </div>`,
    );
  }
  return html`<div class="transcript">${parts}</div>`;
}

function compareWith(detail: GameDetail, siblings: readonly GameRecord[]): Html {
  const others = siblings.filter((game) => game.id !== detail.game.id);
  if (others.length === 0) return html``;
  const sameEnvironment = others.filter((game) => game.environmentId === detail.game.environmentId);
  const ordered = [...sameEnvironment, ...others.filter((game) => game.environmentId !== detail.game.environmentId)];
  return html`<form class="filters" method="get" action="/compare">
    <input type="hidden" name="a" value="${detail.game.id}" /><label
      >compare with<select name="b">
        ${ordered.map((game) => html`<option value="${game.id}">${game.environmentId} · ${game.auditor} · ${game.affordanceSet} · repeat ${game.repeat} (${game.id})</option>`)}
      </select></label
    ><button type="submit">Compare</button>
  </form>`;
}

export function gamePage(detail: GameDetail, siblings: readonly GameRecord[]): Html {
  const { game } = detail;
  const running = game.status === 'pending' || game.status === 'running';
  return html`<div class="crumbs"><a href="/">Experiments</a> / <a href="${experimentHref(game.experimentId)}">${detail.experiment.name}</a> /</div>
    <h1>Game <span class="mono">${game.id}</span></h1>
    ${running ? html`<div data-live-game="${game.id}" data-status="${game.status}" data-events="${detail.events.length}"><span class="live">live: this game is ${game.status}; the page refreshes as it goes</span></div>` : ''}
    ${gameHeader(detail)} ${compareWith(detail, siblings)}
    <h2>Grade against the ground truth</h2>
    ${gradePanel(detail, detail.grade)} ${otherGrades(detail.grades, detail.grade)}
    <h2>Report</h2>
    ${reportView(detail.report, detail.grade)}
    <h2>Transcript <span class="muted">(${detail.events.length} events)</span></h2>
    ${transcriptView(detail.events)}`;
}

function compareColumn(label: string, detail: GameDetail): Html {
  return html`<section data-side="${label}">
    <h2>${label}: <a class="mono" href="${gameHref(detail.game.id)}">${detail.game.id}</a></h2>
    ${gameHeader(detail, { compact: true })}
    <h3>Grade</h3>
    ${gradePanel(detail, detail.grade)}
    <h3>Report</h3>
    ${reportView(detail.report, detail.grade)}
    <h3>Transcript</h3>
    ${transcriptView(detail.events)}
  </section>`;
}

export function comparePage(a: GameDetail, b: GameDetail): Html {
  const experiment = a.experiment.id === b.experiment.id ? a.experiment : undefined;
  return html`<div class="crumbs"><a href="/">Experiments</a> /${experiment === undefined ? '' : html` <a href="${experimentHref(experiment.id)}">${experiment.name}</a> /`}</div>
    <h1>Compare games</h1>
    <p class="muted"><a href="${href('/compare', { a: b.game.id, b: a.game.id })}">swap sides</a></p>
    <div class="side-by-side">${compareColumn('A', a)}${compareColumn('B', b)}</div>`;
}

export function comparePicker(message: string): Html {
  return html`<h1>Compare games</h1>
    <p>${message}</p>
    <p>Pick two games from an experiment's game list (columns A and B), or open <code>/compare?a=GAME&amp;b=GAME</code>.</p>
    <p><a href="/">Back to the experiments</a></p>`;
}

export function liveGameRows(rows: readonly GameRow[]): Array<{ id: string; status: string; outcome: string; score: number | null }> {
  return rows.map((row) => ({ id: row.id, status: row.status, outcome: row.outcome, score: row.grade === undefined ? null : row.grade.score }));
}
