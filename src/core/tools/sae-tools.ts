import { z } from 'zod';
import type { WhiteBox } from '../../contracts/whitebox.js';
import { Dictionary } from '../sae.js';
import { TextIndex } from '../search/text-index.js';
import { DATA_QUERIES, HINT_PROMPTS } from './prompt-bank.js';
import { ToolError } from '../errors.js';
import { Paging, bound, defineTool, page, type Tool, type ToolContext, type ToolOutput, type ToolSpec } from './tool.js';

const MAX_CHARS = 10_000;

// Loaded once per dictionary object and shared by every game on the same model.
const loaded = new WeakMap<object, { dictionary: Dictionary; labels: Map<number, string>; index?: TextIndex }>();

async function dictionaryOf(context: ToolContext): Promise<Loaded | string> {
  const whitebox = context.target.whitebox;
  if (whitebox === undefined) return 'this target has no white-box access';
  const spec = await whitebox.dictionary?.({ signal: context.signal });
  if (spec === undefined) return 'no sparse autoencoder has been trained for this target, or it was trained on other weights (auditgym sae train <organism>)';
  let entry = loaded.get(spec);
  if (entry === undefined) {
    entry = { dictionary: new Dictionary(spec), labels: new Map() };
    loaded.set(spec, entry);
  }
  return { whitebox, entry };
}

type Loaded = { whitebox: WhiteBox; entry: { dictionary: Dictionary; labels: Map<number, string>; index?: TextIndex } };

/** An SAE tool: the dictionary is looked up first, and its absence is the auditor's tool error. */
function saeTool<Input>(spec: Omit<ToolSpec<Input, unknown>, 'run'> & { run: (input: Input, context: ToolContext, loaded: Loaded) => Promise<ToolOutput> }): Tool<Input> {
  return defineTool({
    ...spec,
    async run(input, context) {
      const found = await dictionaryOf(context);
      if (typeof found === 'string') throw new ToolError(found);
      return spec.run(input, context, found);
    },
  });
}

/** A feature's name for the auditor: the tokens its direction promotes. */
async function label(whitebox: WhiteBox, entry: { dictionary: Dictionary; labels: Map<number, string> }, feature: number, signal: AbortSignal): Promise<string> {
  const cached = entry.labels.get(feature);
  if (cached !== undefined) return cached;
  const top = await whitebox.readVector({ vector: entry.dictionary.direction(feature), top: 5 }, { signal });
  const text = top.map((score) => JSON.stringify(score.token)).join(' ');
  entry.labels.set(feature, text);
  return text;
}

const FeaturesInput = z.strictObject({
  text: z.string().min(1).max(20_000).describe("The user's message (or raw text with raw: true)."),
  raw: z.boolean().default(false),
  prefill: z.string().max(5_000).optional().describe("Start of the assistant's reply, to look inside it."),
  position: z.number().int().optional().describe('A token position (negative counts from the end); when omitted, each feature’s strongest activation over all positions.'),
  ...Paging,
});

export const saeFeaturesTool = saeTool<z.infer<typeof FeaturesInput>>({
  name: 'sae_features',
  description:
    "Sparse-autoencoder features active on your input, strongest first: each with its activation, the tokens its direction promotes, and a training context where it fires most. Features are the model's own concepts, including ones it never says.",
  family: 'whitebox',
  input: FeaturesInput,
  requires: ['activations'],
  view: { kind: 'sae-features' },
  probe: { description: `top 5 features at the reply's first token on ${HINT_PROMPTS.length} hint prompts`, inputs: () => HINT_PROMPTS.map((text) => ({ text, position: -1, limit: 5 })) },
  async run(input, context, { whitebox, entry }) {
    const layer = entry.dictionary.spec.layer;
    const forward = await whitebox.forward(
      { text: input.text, format: input.raw ? 'raw' : 'chat', hooks: [{ layer, read: true }], top: 1, ...(input.prefill === undefined ? {} : { prefill: input.prefill }) },
      { signal: context.signal },
    );
    const rows = forward.residuals[String(layer)] ?? [];
    const chosen = input.position === undefined ? rows : [rows.at(input.position) ?? []];
    const strongest = new Float32Array(entry.dictionary.spec.features);
    for (const row of chosen) {
      const activations = entry.dictionary.encode(row);
      for (let f = 0; f < activations.length; f++) if ((activations[f] as number) > (strongest[f] as number)) strongest[f] = activations[f] as number;
    }
    const active = Array.from(strongest, (activation, feature) => ({ feature, activation }))
      .filter((item) => item.activation > 0)
      .sort((a, b) => b.activation - a.activation);
    const shown = active.slice(input.offset, input.offset + input.limit);
    const labels = new Map<number, string>();
    for (const item of shown) labels.set(item.feature, await label(whitebox, entry, item.feature, context.signal));
    return {
      output: bound(
        page(
          active,
          input.offset,
          input.limit,
          (item) =>
            `feature ${item.feature} (${item.activation.toFixed(2)}): promotes ${labels.get(item.feature) ?? ''}; fires most on ${entry.dictionary.spec.examples[item.feature]?.[0]?.context ?? '(no example)'}`,
        ),
        MAX_CHARS,
      ),
      data: { layer, active: active.slice(0, 100) },
    };
  },
});

const FeatureInput = z.strictObject({ feature: z.number().int().nonnegative().describe('A feature number from sae_features or sae_search.') });

export const saeFeatureTool = saeTool<z.infer<typeof FeatureInput>>({
  name: 'sae_feature',
  description: 'One sparse-autoencoder feature in detail: the tokens its direction promotes, how often it fires, and the training contexts where it fires most (the marked token «…» is where).',
  family: 'whitebox',
  input: FeatureInput,
  requires: ['activations'],
  view: { kind: 'sae-feature' },
  async run(input, context, { whitebox, entry }) {
    const spec = entry.dictionary.spec;
    if (input.feature >= spec.features) throw new ToolError(`feature must be below ${spec.features}`);
    const examples = spec.examples[input.feature] ?? [];
    return {
      output: [
        `feature ${input.feature} at layer ${spec.layer}: promotes ${await label(whitebox, entry, input.feature, context.signal)}`,
        `active on ${(100 * (spec.density[input.feature] ?? 0)).toFixed(2)}% of training tokens`,
        'top training contexts:',
        ...examples.map((example) => `  (${example.activation.toFixed(2)}) ${example.context}`),
      ].join('\n'),
      data: { feature: input.feature, examples },
    };
  },
});

const SearchInput = z.strictObject({ query: z.string().min(1).max(2_000).describe('Words for a concept, e.g. "secret" or "anger".'), ...Paging });

export const saeSearchTool = saeTool<z.infer<typeof SearchInput>>({
  name: 'sae_search',
  description: 'Find sparse-autoencoder features by text: features whose top training contexts or promoted tokens match your query.',
  family: 'whitebox',
  input: SearchInput,
  requires: ['activations'],
  view: { kind: 'sae-search' },
  probe: { description: `${DATA_QUERIES.length} generic concept queries, top 5 features each`, inputs: () => DATA_QUERIES.map((query) => ({ query, limit: 5 })) },
  async run(input, context, { whitebox, entry }) {
    const spec = entry.dictionary.spec;
    if (entry.index === undefined) {
      const documents = [];
      for (let feature = 0; feature < spec.features; feature++) {
        const text = `${await label(whitebox, entry, feature, context.signal)} ${(spec.examples[feature] ?? []).map((example) => example.context).join(' ')}`;
        documents.push({ id: String(feature), text });
      }
      entry.index = new TextIndex(documents, { semanticWeight: 0.3 });
    }
    const hits = entry.index.search(input.query);
    return {
      output: bound(
        page(
          hits,
          input.offset,
          input.limit,
          (hit) => `feature ${hit.index} (${hit.score.toFixed(2)}): promotes ${entry.labels.get(hit.index) ?? ''}; e.g. ${spec.examples[hit.index]?.[0]?.context ?? ''}`,
        ),
        MAX_CHARS,
      ),
      data: { features: hits.slice(input.offset, input.offset + input.limit).map((hit) => hit.index) },
    };
  },
});

const SteerInput = z.strictObject({
  feature: z.number().int().nonnegative(),
  message: z.string().min(1).max(20_000),
  scale: z.number().min(-200).max(200).default(8).describe("How far to push along the feature's direction (its unit vector times this)."),
  temperature: z.number().min(0).max(2).default(0),
});

export const saeSteerTool = saeTool<z.infer<typeof SteerInput>>({
  name: 'sae_steer',
  description: "Feature steering: add a sparse-autoencoder feature's direction at its layer while the model replies, and compare with the plain reply.",
  family: 'whitebox',
  input: SteerInput,
  requires: ['activations', 'interventions'],
  view: { kind: 'before-after' },
  async run(input, context, { whitebox, entry }) {
    if (input.feature >= entry.dictionary.spec.features) throw new ToolError(`feature must be below ${entry.dictionary.spec.features}`);
    const request = { messages: [{ role: 'user' as const, content: input.message }], temperature: input.temperature, seed: context.seed };
    const plain = await whitebox.chat(request, { signal: context.signal });
    const vector = entry.dictionary.direction(input.feature).map((value) => value * input.scale);
    const steered = await whitebox.chat({ ...request, hooks: [{ layer: entry.dictionary.spec.layer, add: vector }] }, { signal: context.signal });
    return {
      output: `feature ${input.feature} at layer ${entry.dictionary.spec.layer}, scale ${input.scale}\nplain:   ${plain.text}\nsteered: ${steered.text}`,
      data: { plain: plain.text, steered: steered.text },
    };
  },
});
