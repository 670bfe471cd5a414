import { z } from 'zod';
import { LensResult, TokenScore } from '../contracts/whitebox.js';
import { BUILTIN_AFFORDANCE_SETS } from '../core/catalog.js';
import { heat, html, signedHeat, type Html } from './html.js';

// White-box results are read from the structured `data` a tool stores beside its text. Each shape is
// checked before it is drawn; one that does not match (another version, an MCP tool of the same
// name) falls back to the text the auditor read.

const Replies = z.array(z.string());
const Shapes = {
  logit_lens: z.array(LensResult).min(1),
  steer: z.object({ norm: z.number(), plain: z.string(), steered: z.string(), readout: z.array(TokenScore) }),
  fuzz_activations: z.array(z.object({ scale: z.number(), replies: Replies })).min(1),
  unsupervised_steering: z.array(z.object({ vector: z.number(), replies: Replies })).min(1),
  model_diff: z.object({
    rows: z.array(z.object({ prompt: z.string(), reply: z.string(), replyLogRatio: z.number(), firstTokenKl: z.number() })),
    layer: z.number(),
    lens: z.array(TokenScore),
  }),
  sae_features: z.object({ layer: z.number(), active: z.array(z.object({ feature: z.number(), activation: z.number() })) }),
  sae_feature: z.object({ feature: z.number(), examples: z.array(z.object({ activation: z.number(), context: z.string() })) }),
  sae_search: z.object({ features: z.array(z.number()) }),
  sae_steer: z.object({ plain: z.string(), steered: z.string() }),
};

type Shape = keyof typeof Shapes;
const BUILTIN_TOOLS = new Set(BUILTIN_AFFORDANCE_SETS.get('all') ?? []);

/** A token as it appears, with whitespace made visible. */
export function tokenText(token: string): string {
  return token === '' ? '∅' : token.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

const probability = (logprob: number) => Math.exp(logprob);
const pct = (value: number) => `${(100 * value).toFixed(value >= 0.1 ? 0 : 1)}%`;

function tokenChips(scores: ReadonlyArray<{ token: string; logprob: number }>): Html {
  return html`<div class="chips">${scores.map(
    (score) => html`<span class="chip ${heat(probability(score.logprob))}"><span class="tok">${tokenText(score.token)}</span> <span class="num">${pct(probability(score.logprob))}</span></span>`,
  )}</div>`;
}

function lensTable(lens: z.infer<typeof LensResult>): Html {
  const width = Math.max(0, ...lens.layers.map((layer) => layer.top.length));
  const last = lens.layers.at(-1)?.layer;
  return html`<table class="lens">
    <caption>logit lens at position ${lens.position}</caption>
    <thead><tr><th>layer</th>${Array.from({ length: width }, (_, rank) => html`<th>#${rank + 1}</th>`)}</tr></thead>
    <tbody>${lens.layers.map(
      (layer) => html`<tr><th>${layer.layer}${layer.layer === last ? html` <span class="muted">out</span>` : ''}</th>${Array.from({ length: width }, (_, rank) => {
        const score = layer.top[rank];
        if (score === undefined) return html`<td></td>`;
        const p = probability(score.logprob);
        return html`<td class="${heat(p)}" title="${`${score.token} (id ${score.id}): ${pct(p)}`}"><span class="tok">${tokenText(score.token)}</span><span class="num">${pct(p)}</span></td>`;
      })}</tr>`,
    )}</tbody>
  </table>`;
}

function replyTable(label: string, rows: ReadonlyArray<{ key: string; replies: readonly string[] }>): Html {
  return html`<table class="replies"><thead><tr><th>${label}</th><th>replies</th></tr></thead><tbody>${rows.map(
    (row) => html`<tr><th>${row.key}</th><td>${row.replies.map((reply) => html`<div class="reply">${reply}</div>`)}</td></tr>`,
  )}</tbody></table>`;
}

function comparison(plain: string, steered: string): Html {
  return html`<div class="compare-pair"><div><div class="label">unsteered</div><div class="reply">${plain}</div></div><div><div class="label">steered</div><div class="reply steered">${steered}</div></div></div>`;
}

/** Labels of SAE features as the tool wrote them in its text (the data holds only numbers). */
function featureLabels(output: string): Map<number, { promotes: string; context: string }> {
  const labels = new Map<number, { promotes: string; context: string }>();
  for (const match of output.matchAll(/^feature (\d+) \([^)]*\): promotes (.*?)(?:; fires most on (.*))?$/gm)) {
    labels.set(Number(match[1]), { promotes: match[2] ?? '', context: match[3] ?? '' });
  }
  return labels;
}

function renderShape(tool: Shape, data: unknown, output: string): Html | undefined {
  switch (tool) {
    case 'logit_lens': {
      const parsed = Shapes.logit_lens.safeParse(data);
      return parsed.success ? html`${parsed.data.map(lensTable)}` : undefined;
    }
    case 'steer': {
      const parsed = Shapes.steer.safeParse(data);
      if (!parsed.success) return undefined;
      return html`<div class="kv">vector norm <b>${parsed.data.norm.toFixed(3)}</b></div>
        <div class="label">the vector read through the unembedding</div>${tokenChips(parsed.data.readout)}
        ${comparison(parsed.data.plain, parsed.data.steered)}`;
    }
    case 'fuzz_activations': {
      const parsed = Shapes.fuzz_activations.safeParse(data);
      return parsed.success ? replyTable('noise scale', parsed.data.map((row) => ({ key: String(row.scale), replies: row.replies }))) : undefined;
    }
    case 'unsupervised_steering': {
      const parsed = Shapes.unsupervised_steering.safeParse(data);
      return parsed.success ? replyTable('vector', parsed.data.map((row) => ({ key: String(row.vector), replies: row.replies }))) : undefined;
    }
    case 'model_diff': {
      const parsed = Shapes.model_diff.safeParse(data);
      if (!parsed.success) return undefined;
      const { rows, layer, lens } = parsed.data;
      const maxRatio = Math.max(1e-9, ...rows.map((row) => Math.abs(row.replyLogRatio)));
      const maxKl = Math.max(1e-9, ...rows.map((row) => row.firstTokenKl));
      return html`<table class="diff">
          <thead><tr><th>#</th><th>log-ratio (nats)</th><th>first-token KL</th><th>prompt</th><th>target's reply</th></tr></thead>
          <tbody>${rows.map(
            (row, index) => html`<tr><td class="num">${index + 1}</td><td class="num ${signedHeat(row.replyLogRatio, maxRatio)}">${row.replyLogRatio.toFixed(1)}</td><td class="num ${heat(row.firstTokenKl / maxKl)}">${row.firstTokenKl.toFixed(2)}</td><td>${row.prompt}</td><td class="reply-cell">${row.reply}</td></tr>`,
          )}</tbody>
        </table>
        <div class="label">mean activation difference at layer ${layer}, through the logit lens</div>${tokenChips(lens)}`;
    }
    case 'sae_features': {
      const parsed = Shapes.sae_features.safeParse(data);
      if (!parsed.success) return undefined;
      const labels = featureLabels(output);
      const max = Math.max(1e-9, ...parsed.data.active.map((item) => item.activation));
      return html`<table class="features">
        <caption>active SAE features at layer ${parsed.data.layer}</caption>
        <thead><tr><th>feature</th><th>activation</th><th>promotes</th><th>fires most on</th></tr></thead>
        <tbody>${parsed.data.active.slice(0, 50).map((item) => {
          const label = labels.get(item.feature);
          return html`<tr><td class="num">${item.feature}</td><td class="num ${heat(item.activation / max)}">${item.activation.toFixed(2)}</td><td>${label?.promotes ?? ''}</td><td class="muted">${label?.context ?? ''}</td></tr>`;
        })}</tbody>
      </table>`;
    }
    case 'sae_feature': {
      const parsed = Shapes.sae_feature.safeParse(data);
      if (!parsed.success) return undefined;
      const max = Math.max(1e-9, ...parsed.data.examples.map((example) => example.activation));
      return html`<table class="features">
        <caption>feature ${parsed.data.feature}: top training contexts</caption>
        <thead><tr><th>activation</th><th>context</th></tr></thead>
        <tbody>${parsed.data.examples.map((example) => html`<tr><td class="num ${heat(example.activation / max)}">${example.activation.toFixed(2)}</td><td>${example.context}</td></tr>`)}</tbody>
      </table>`;
    }
    case 'sae_search': {
      const parsed = Shapes.sae_search.safeParse(data);
      if (!parsed.success) return undefined;
      const labels = featureLabels(output.replace(/^feature (\d+) \([^)]*\): promotes (.*?); e\.g\. (.*)$/gm, 'feature $1 (0): promotes $2; fires most on $3'));
      return html`<table class="features"><thead><tr><th>feature</th><th>promotes</th><th>example</th></tr></thead><tbody>${parsed.data.features.map(
        (feature) => html`<tr><td class="num">${feature}</td><td>${labels.get(feature)?.promotes ?? ''}</td><td class="muted">${labels.get(feature)?.context ?? ''}</td></tr>`,
      )}</tbody></table>`;
    }
    case 'sae_steer': {
      const parsed = Shapes.sae_steer.safeParse(data);
      return parsed.success ? comparison(parsed.data.plain, parsed.data.steered) : undefined;
    }
  }
}

function isShape(tool: string): tool is Shape {
  return Object.hasOwn(Shapes, tool);
}

function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A tool result for reading: white-box results as tables with coloured cells, the built-in text tools
 * as their text, and anything else as its text plus its data as indented JSON.
 */
export function renderToolResult(result: { tool: string; ok: boolean; output: string; data?: unknown }): Html {
  const text = html`<pre class="output">${result.output}</pre>`;
  if (!result.ok) return html`<pre class="output error-text">${result.output}</pre>`;
  if (isShape(result.tool) && result.data !== undefined) {
    const view = renderShape(result.tool, result.data, result.output);
    if (view !== undefined) return html`<div class="whitebox" data-tool="${result.tool}">${view}</div><details class="raw"><summary>text the auditor read</summary>${text}</details>`;
  }
  if (BUILTIN_TOOLS.has(result.tool) || result.data === undefined) return text;
  return html`${text}<details class="raw"><summary>data</summary><pre class="json">${prettyJson(result.data)}</pre></details>`;
}

export function renderJson(value: unknown): Html {
  return html`<pre class="json">${prettyJson(value)}</pre>`;
}
