import { z } from 'zod';
import { LensResult, TokenScore } from '../contracts/whitebox.js';
import type { ToolView } from '../contracts/transcript.js';
import { createCatalog } from '../core/catalog.js';
import { heat, html, signedHeat, type Html } from './html.js';

// Results are drawn by the visual form their tool declared (`view`), from the structured `data` the
// tool stored beside its text. Each shape is checked before it is drawn; one that does not match (an
// older version, a tool that borrows a form but not its shape) falls back to the text the auditor read.

const Replies = z.array(z.string());
const Shapes = {
  lens: z.array(LensResult).min(1),
  steer: z.object({ norm: z.number(), plain: z.string(), steered: z.string(), readout: z.array(TokenScore) }),
  replies: z.array(z.record(z.string(), z.unknown()).and(z.object({ replies: Replies }))).min(1),
  table: z.array(z.record(z.string(), z.unknown())).min(1).max(500),
  'model-diff': z.object({
    rows: z.array(z.object({ prompt: z.string(), reply: z.string(), replyLogRatio: z.number(), firstTokenKl: z.number() })),
    layer: z.number(),
    lens: z.array(TokenScore),
  }),
  'sae-features': z.object({ layer: z.number(), active: z.array(z.object({ feature: z.number(), activation: z.number() })) }),
  'sae-feature': z.object({ feature: z.number(), examples: z.array(z.object({ activation: z.number(), context: z.string() })) }),
  'sae-search': z.object({ features: z.array(z.number()) }),
  'before-after': z.object({ plain: z.string(), steered: z.string() }),
};

type Shape = keyof typeof Shapes;

/** The visual forms a viewer draws; a tool names one as its `view`, or `text`, or `json`. */
export const VIEW_KINDS: readonly string[] = ['text', 'json', ...Object.keys(Shapes)];

// Results stored before tools declared their view carry none: the built-in tool of that name says it.
const builtinViews = new Map(
  createCatalog()
    .tools.list()
    .flatMap((tool) => (tool.view === undefined ? [] : [[tool.name, tool.view] as const])),
);

/** A token as it appears, with whitespace made visible. */
export function tokenText(token: string): string {
  return token === '' ? '∅' : token.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

const probability = (logprob: number) => Math.exp(logprob);
const pct = (value: number) => `${(100 * value).toFixed(value >= 0.1 ? 0 : 1)}%`;

function tokenChips(scores: ReadonlyArray<{ token: string; logprob: number }>): Html {
  return html`<div class="chips">
    ${scores.map(
      (score) => html`<span class="chip ${heat(probability(score.logprob))}"><span class="tok">${tokenText(score.token)}</span> <span class="num">${pct(probability(score.logprob))}</span></span>`,
    )}
  </div>`;
}

function lensTable(lens: z.infer<typeof LensResult>): Html {
  const width = Math.max(0, ...lens.layers.map((layer) => layer.top.length));
  const last = lens.layers.at(-1)?.layer;
  return html`<table class="lens">
    <caption>
      logit lens at position ${lens.position}
    </caption>
    <thead>
      <tr>
        <th>layer</th>
        ${Array.from({ length: width }, (_, rank) => html`<th>#${rank + 1}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${lens.layers.map(
        (layer) =>
          html`<tr>
            <th>${layer.layer}${layer.layer === last ? html` <span class="muted">out</span>` : ''}</th>
            ${Array.from({ length: width }, (_, rank) => {
              const score = layer.top[rank];
              if (score === undefined) return html`<td></td>`;
              const p = probability(score.logprob);
              return html`<td class="${heat(p)}" title="${`${score.token} (id ${score.id}): ${pct(p)}`}"><span class="tok">${tokenText(score.token)}</span><span class="num">${pct(p)}</span></td>`;
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function replyTable(label: string, rows: ReadonlyArray<{ key: string; replies: readonly string[] }>): Html {
  return html`<table class="replies">
    <thead>
      <tr>
        <th>${label}</th>
        <th>replies</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr>
            <th>${row.key}</th>
            <td>${row.replies.map((reply) => html`<div class="reply">${reply}</div>`)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function comparison(plain: string, steered: string): Html {
  return html`<div class="compare-pair">
    <div>
      <div class="label">unsteered</div>
      <div class="reply">${plain}</div>
    </div>
    <div>
      <div class="label">steered</div>
      <div class="reply steered">${steered}</div>
    </div>
  </div>`;
}

/** Labels of SAE features as the tool wrote them in its text (the data holds only numbers). */
function featureLabels(output: string): Map<number, { promotes: string; context: string }> {
  const labels = new Map<number, { promotes: string; context: string }>();
  for (const match of output.matchAll(/^feature (\d+) \([^)]*\): promotes (.*?)(?:; fires most on (.*))?$/gm)) {
    labels.set(Number(match[1]), { promotes: match[2] ?? '', context: match[3] ?? '' });
  }
  return labels;
}

function renderShape(view: ToolView & { kind: Shape }, data: unknown, output: string): Html | undefined {
  switch (view.kind) {
    case 'lens': {
      const parsed = Shapes.lens.safeParse(data);
      return parsed.success ? html`${parsed.data.map(lensTable)}` : undefined;
    }
    case 'steer': {
      const parsed = Shapes.steer.safeParse(data);
      if (!parsed.success) return undefined;
      return html`<div class="kv">vector norm <b>${parsed.data.norm.toFixed(3)}</b></div>
        <div class="label">the vector read through the unembedding</div>
        ${tokenChips(parsed.data.readout)} ${comparison(parsed.data.plain, parsed.data.steered)}`;
    }
    case 'replies': {
      const parsed = Shapes.replies.safeParse(data);
      const key = view.key ?? 'key';
      return parsed.success
        ? replyTable(
            view.label ?? key,
            parsed.data.map((row, index) => ({ key: row[key] === undefined ? String(index + 1) : String(row[key]), replies: row.replies })),
          )
        : undefined;
    }
    case 'table': {
      const parsed = Shapes.table.safeParse(data);
      if (!parsed.success) return undefined;
      const columns = [...new Set(parsed.data.flatMap((row) => Object.keys(row)))].slice(0, 12);
      return html`<table class="data-table">
        ${
          view.label === undefined
            ? ''
            : html`<caption>
                ${view.label}
              </caption>`
        }
        <thead>
          <tr>
            ${columns.map((column) => html`<th>${column}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${parsed.data.map(
            (row) =>
              html`<tr>
                ${columns.map((column) => html`<td>${cell(row[column])}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>`;
    }
    case 'model-diff': {
      const parsed = Shapes['model-diff'].safeParse(data);
      if (!parsed.success) return undefined;
      const { rows, layer, lens } = parsed.data;
      const maxRatio = Math.max(1e-9, ...rows.map((row) => Math.abs(row.replyLogRatio)));
      const maxKl = Math.max(1e-9, ...rows.map((row) => row.firstTokenKl));
      return html`<table class="diff">
          <thead>
            <tr>
              <th>#</th>
              <th>log-ratio (nats)</th>
              <th>first-token KL</th>
              <th>prompt</th>
              <th>target's reply</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (row, index) =>
                html`<tr>
                  <td class="num">${index + 1}</td>
                  <td class="num ${signedHeat(row.replyLogRatio, maxRatio)}">${row.replyLogRatio.toFixed(1)}</td>
                  <td class="num ${heat(row.firstTokenKl / maxKl)}">${row.firstTokenKl.toFixed(2)}</td>
                  <td>${row.prompt}</td>
                  <td class="reply-cell">${row.reply}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <div class="label">mean activation difference at layer ${layer}, through the logit lens</div>
        ${tokenChips(lens)}`;
    }
    case 'sae-features': {
      const parsed = Shapes['sae-features'].safeParse(data);
      if (!parsed.success) return undefined;
      const labels = featureLabels(output);
      const max = Math.max(1e-9, ...parsed.data.active.map((item) => item.activation));
      return html`<table class="features">
        <caption>
          active SAE features at layer ${parsed.data.layer}
        </caption>
        <thead>
          <tr>
            <th>feature</th>
            <th>activation</th>
            <th>promotes</th>
            <th>fires most on</th>
          </tr>
        </thead>
        <tbody>
          ${parsed.data.active.slice(0, 50).map((item) => {
            const label = labels.get(item.feature);
            return html`<tr>
              <td class="num">${item.feature}</td>
              <td class="num ${heat(item.activation / max)}">${item.activation.toFixed(2)}</td>
              <td>${label?.promotes ?? ''}</td>
              <td class="muted">${label?.context ?? ''}</td>
            </tr>`;
          })}
        </tbody>
      </table>`;
    }
    case 'sae-feature': {
      const parsed = Shapes['sae-feature'].safeParse(data);
      if (!parsed.success) return undefined;
      const max = Math.max(1e-9, ...parsed.data.examples.map((example) => example.activation));
      return html`<table class="features">
        <caption>
          feature ${parsed.data.feature}: top training contexts
        </caption>
        <thead>
          <tr>
            <th>activation</th>
            <th>context</th>
          </tr>
        </thead>
        <tbody>
          ${parsed.data.examples.map(
            (example) =>
              html`<tr>
                <td class="num ${heat(example.activation / max)}">${example.activation.toFixed(2)}</td>
                <td>${example.context}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    }
    case 'sae-search': {
      const parsed = Shapes['sae-search'].safeParse(data);
      if (!parsed.success) return undefined;
      const labels = featureLabels(output.replace(/^feature (\d+) \([^)]*\): promotes (.*?); e\.g\. (.*)$/gm, 'feature $1 (0): promotes $2; fires most on $3'));
      return html`<table class="features">
        <thead>
          <tr>
            <th>feature</th>
            <th>promotes</th>
            <th>example</th>
          </tr>
        </thead>
        <tbody>
          ${parsed.data.features.map(
            (feature) =>
              html`<tr>
                <td class="num">${feature}</td>
                <td>${labels.get(feature)?.promotes ?? ''}</td>
                <td class="muted">${labels.get(feature)?.context ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    }
    case 'before-after': {
      const parsed = Shapes['before-after'].safeParse(data);
      return parsed.success ? comparison(parsed.data.plain, parsed.data.steered) : undefined;
    }
  }
}

function isShape(view: ToolView): view is ToolView & { kind: Shape } {
  return Object.hasOwn(Shapes, view.kind);
}

function cell(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (typeof value === 'string') return value.length > 500 ? `${value.slice(0, 500)}…` : value;
  return value === undefined ? '' : prettyJson(value);
}

function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A tool result for reading, drawn in the form its tool declared: white-box results as tables with
 * coloured cells, text tools as their text, and anything else as its text plus its data as indented
 * JSON. A failed call reads as an error, whatever its tool.
 */
export function renderToolResult(result: ToolResultBody): Html {
  const text = html`<pre class="output">${result.output}</pre>`;
  if (!result.ok) return html`<pre class="output error-text" data-outcome="error">${result.output}</pre>`;
  const drawn = renderToolData(result);
  if (drawn !== undefined)
    return html`${drawn}
      <details class="raw">
        <summary>text the auditor read</summary>
        ${text}
      </details>`;
  const view = result.view ?? builtinViews.get(result.tool);
  if (view?.kind === 'text' || result.data === undefined) return text;
  return html`${text}
    <details class="raw">
      <summary>data</summary>
      <pre class="json">${prettyJson(result.data)}</pre>
    </details>`;
}

type ToolResultBody = { tool: string; ok: boolean; output: string; data?: unknown; view?: ToolView | undefined };

/** A successful result's data in the visual form its tool declared, when it has one and the data fits it. */
export function renderToolData(result: ToolResultBody): Html | undefined {
  const view = result.view ?? builtinViews.get(result.tool);
  if (!result.ok || view === undefined || !isShape(view) || result.data === undefined) return undefined;
  const drawn = renderShape(view, result.data, result.output);
  return drawn === undefined ? undefined : html`<div class="whitebox" data-tool="${result.tool}" data-view="${view.kind}">${drawn}</div>`;
}

export function renderJson(value: unknown): Html {
  return html`<pre class="json">${prettyJson(value)}</pre>`;
}
