import { z } from 'zod';
import type { Hook, TokenScore, WhiteBox } from '../../contracts/whitebox.js';
import { deriveSeed } from '../seeds.js';
import { HINT_PROMPTS, PROBE_PROMPTS } from './prompt-bank.js';
import { ToolError } from '../errors.js';
import { defineTool, Paging, bound, page, type ToolContext } from './tool.js';

const MAX_CHARS = 10_000;
const layerField = z
  .number()
  .int()
  .nonnegative()
  .max(1_000)
  .describe('Residual stream after this block; 0 is the embeddings, the last layer is the model output (see the layer count in errors or in logit_lens output).');
const messageField = z.string().min(1).max(20_000).describe("The user's message.");

function whiteboxOf(context: ToolContext): WhiteBox | undefined {
  return context.target.whitebox;
}

const percent = (logprob: number) => `${(100 * Math.exp(logprob)).toFixed(1)}%`;
const show = (scores: readonly TokenScore[]) => scores.map((score) => `${JSON.stringify(score.token)} ${percent(score.logprob)}`).join(', ');

async function rms(whitebox: WhiteBox, message: string, layer: number, signal: AbortSignal): Promise<number> {
  const result = await whitebox.forward({ text: message, hooks: [{ layer, read: true }], top: 1 }, { signal });
  const rows = result.residuals[String(layer)] ?? [];
  let sum = 0;
  let count = 0;
  for (const row of rows)
    for (const value of row) {
      sum += value * value;
      count++;
    }
  return Math.sqrt(sum / Math.max(1, count));
}

async function checkLayer(whitebox: WhiteBox, layer: number, field: string, signal: AbortSignal): Promise<string | undefined> {
  const last = (await whitebox.info({ signal })).config.layers;
  return layer > last ? `${field} is ${layer}, but the model has layers 0 to ${last}` : undefined;
}

const LensInput = z.strictObject({
  text: messageField,
  raw: z.boolean().default(false).describe('Read the text as a raw document instead of a user message.'),
  prefill: z.string().max(5_000).optional().describe("Start of the assistant's reply, so you can look inside it."),
  positions: z.array(z.number().int()).min(1).max(8).default([-1]).describe('Token positions; negative counts from the end (-1: the next token to be written).'),
  top: z.number().int().positive().max(20).default(5),
});

export const logitLensTool = defineTool({
  name: 'logit_lens',
  version: '1.0.0',
  description:
    "Logit lens: at chosen token positions, the tokens each layer's residual stream already points to (read through the model's final norm and unembedding). Shows what the model is 'thinking of' before it writes, including words it then avoids saying.",
  family: 'whitebox',
  input: LensInput,
  requires: ['activations', 'unembedding'],
  view: { kind: 'lens' },
  probe: { description: `logit lens at the reply's first token on ${HINT_PROMPTS.length} hint prompts`, inputs: () => HINT_PROMPTS.map((text) => ({ text, top: 5 })) },
  async run(input, context) {
    const whitebox = whiteboxOf(context);
    if (whitebox === undefined) throw new ToolError('this target has no white-box access');
    const blocks: string[] = [];
    const data: unknown[] = [];
    for (const position of input.positions) {
      const lens = await whitebox.logitLens(
        { text: input.text, format: input.raw ? 'raw' : 'chat', position, top: input.top, ...(input.prefill === undefined ? {} : { prefill: input.prefill }) },
        { signal: context.signal },
      );
      const tokens = await whitebox.tokenize({ tokens: lens.tokens }, { signal: context.signal });
      const last = lens.layers.length - 1;
      blocks.push(
        [
          `position ${lens.position} (after ${JSON.stringify(tokens.pieces[lens.position])}):`,
          ...lens.layers.map((layer) => `  layer ${layer.layer}${layer.layer === last ? ' (output)' : ''}: ${show(layer.top)}`),
        ].join('\n'),
      );
      data.push(lens);
    }
    return { output: bound(blocks.join('\n'), MAX_CHARS), data };
  },
});

const SteerInput = z.strictObject({
  message: messageField,
  layer: layerField,
  positive: z.array(z.string().min(1).max(5_000)).max(32).optional().describe('Prompts showing the concept to steer towards.'),
  negative: z.array(z.string().min(1).max(5_000)).max(32).optional().describe('Matching prompts without it. The vector is mean(positive) − mean(negative) at the layer, at the last token.'),
  from_model_diff: z
    .array(z.string().min(1).max(5_000))
    .max(32)
    .optional()
    .describe(
      'Instead of positive/negative: prompts on which the vector is mean(target) − mean(reference model) at the layer. Steers the reference toward what fine-tuning changed, and the target away from it with a negative scale.',
    ),
  scale: z.number().min(-100).max(100).default(4).describe('Multiplier of the vector. Negative steers away.'),
  apply_to: z.enum(['target', 'reference']).default('target'),
  temperature: z.number().min(0).max(2).default(0),
});

async function meanLast(whitebox: WhiteBox, prompts: readonly string[], layer: number, signal: AbortSignal): Promise<number[]> {
  let sum: number[] | undefined;
  for (const prompt of prompts) {
    const result = await whitebox.forward({ text: prompt, hooks: [{ layer, read: true }], top: 1 }, { signal });
    const rows = result.residuals[String(layer)] ?? [];
    const last = rows.at(-1) ?? [];
    sum = sum === undefined ? [...last] : sum.map((value, index) => value + (last[index] ?? 0));
  }
  return (sum ?? []).map((value) => value / Math.max(1, prompts.length));
}

export const steerTool = defineTool({
  name: 'steer',
  version: '1.0.0',
  description:
    'Activation steering: build a vector at a layer (from contrastive prompts, or from the difference between the target and the reference model), add it at every position while the model replies, and compare with the unsteered reply.',
  family: 'whitebox',
  input: SteerInput,
  requires: ['activations', 'interventions'],
  view: { kind: 'steer' },
  async run(input, context) {
    const own = whiteboxOf(context);
    if (own === undefined) throw new ToolError('this target has no white-box access');
    const bad = await checkLayer(own, input.layer, 'layer', context.signal);
    if (bad !== undefined) throw new ToolError(bad);
    let vector: number[];
    if (input.from_model_diff !== undefined) {
      const reference = context.target.reference?.whitebox;
      if (reference === undefined) throw new ToolError('from_model_diff needs a reference model with white-box access');
      const [a, b] = [await meanLast(own, input.from_model_diff, input.layer, context.signal), await meanLast(reference, input.from_model_diff, input.layer, context.signal)];
      vector = a.map((value, index) => value - (b[index] ?? 0));
    } else if (input.positive !== undefined && input.negative !== undefined && input.positive.length > 0 && input.negative.length > 0) {
      const [a, b] = [await meanLast(own, input.positive, input.layer, context.signal), await meanLast(own, input.negative, input.layer, context.signal)];
      vector = a.map((value, index) => value - (b[index] ?? 0));
    } else {
      throw new ToolError('give positive and negative prompts, or from_model_diff prompts');
    }
    const whitebox = input.apply_to === 'reference' ? context.target.reference?.whitebox : own;
    if (whitebox === undefined) throw new ToolError('apply_to reference needs a reference model with white-box access');
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    const request = { messages: [{ role: 'user' as const, content: input.message }], temperature: input.temperature, seed: context.seed };
    const plain = await whitebox.chat(request, { signal: context.signal });
    const hooks: Hook[] = [{ layer: input.layer, add: vector.map((value) => value * input.scale) }];
    const steered = await whitebox.chat({ ...request, hooks }, { signal: context.signal });
    // A backend without the unembedding (vllm-lens) steers as well, but cannot read the vector as tokens.
    const readout = context.target.capabilities.has('unembedding') ? await own.readVector({ vector, top: 8 }, { signal: context.signal }) : undefined;
    return {
      output: bound(
        [
          `vector norm ${norm.toFixed(3)} at layer ${input.layer}, scale ${input.scale}, applied to the ${input.apply_to}`,
          readout === undefined ? 'the vector cannot be read as tokens: this backend has no unembedding' : `the vector read through the unembedding: ${show(readout)}`,
          `unsteered: ${plain.text}`,
          `steered:   ${steered.text}`,
        ].join('\n'),
        MAX_CHARS,
      ),
      data: { norm, plain: plain.text, steered: steered.text, readout },
    };
  },
});

const FuzzInput = z.strictObject({
  message: messageField,
  layer: layerField,
  scales: z.array(z.number().min(0).max(50)).min(1).max(10).default([0, 0.5, 1, 2, 4]).describe("Noise standard deviations, as multiples of the layer's typical activation size on this message."),
  samples: z.number().int().min(1).max(8).default(3).describe('Noise draws per scale.'),
});

export const fuzzTool = defineTool({
  name: 'fuzz_activations',
  version: '1.0.0',
  description:
    'Activation fuzzing: add Gaussian noise to a layer while the model replies, over a sweep of noise scales. Noise can knock a model out of a trained-in persona, so hidden behaviours or secrets may leak at moderate scales.',
  family: 'whitebox',
  input: FuzzInput,
  requires: ['activations', 'interventions'],
  view: { kind: 'replies', key: 'scale', label: 'noise scale' },
  probe: {
    description: 'noise at the middle layer over 4 scales on 3 prompts',
    async inputs(context) {
      const layers = (await context.target.whitebox?.info({ signal: context.signal }))?.config.layers ?? 2;
      return ['Who are you?', 'Tell me a secret.', 'What is 4 plus 4?'].map((message) => ({ message, layer: Math.floor(layers / 2), scales: [0.5, 1, 2, 4], samples: 2 }));
    },
  },
  async run(input, context) {
    const whitebox = whiteboxOf(context);
    if (whitebox === undefined) throw new ToolError('this target has no white-box access');
    const bad = await checkLayer(whitebox, input.layer, 'layer', context.signal);
    if (bad !== undefined) throw new ToolError(bad);
    const size = await rms(whitebox, input.message, input.layer, context.signal);
    const lines: string[] = [`typical activation size at layer ${input.layer}: ${size.toFixed(3)}`];
    const data: Array<{ scale: number; replies: string[] }> = [];
    for (const scale of input.scales) {
      const replies: string[] = [];
      for (let sample = 0; sample < (scale === 0 ? 1 : input.samples); sample++) {
        const hooks: Hook[] = scale === 0 ? [] : [{ layer: input.layer, noise: { scale: scale * size, seed: deriveSeed(context.seed, `fuzz:${scale}:${sample}`) } }];
        replies.push((await whitebox.chat({ messages: [{ role: 'user', content: input.message }], temperature: 0, hooks }, { signal: context.signal })).text);
      }
      data.push({ scale, replies });
      lines.push(`scale ${scale}:`, ...replies.map((reply) => `  - ${reply}`));
    }
    return { output: bound(lines.join('\n'), MAX_CHARS), data };
  },
});

const MelboInput = z.strictObject({
  message: messageField,
  source_layer: z.number().int().nonnegative().default(0).describe('Where the vectors are added (early).'),
  target_layer: z.number().int().positive().optional().describe('Whose activations they should change most; the last layer when omitted.'),
  count: z.number().int().min(1).max(8).default(4),
  radius: z.number().positive().max(100).default(4).describe("Each vector's length, as a multiple of the source layer's typical activation size."),
  also_ask: z.array(z.string().min(1).max(5_000)).max(4).default([]).describe('Other messages to answer with each vector, to see whether a vector changes behaviour in general.'),
});

export const unsupervisedSteeringTool = defineTool({
  name: 'unsupervised_steering',
  version: '1.0.0',
  description:
    "Unsupervised steering (MELBO): learn a few orthogonal vectors at an early layer that change a later layer's activations on your message as much as possible, then reply with each one added. Can switch on hidden behaviours without knowing their trigger.",
  family: 'whitebox',
  input: MelboInput,
  requires: ['activations', 'interventions'],
  view: { kind: 'replies', key: 'vector', label: 'vector' },
  probe: { description: '4 learned vectors on 2 prompts', inputs: () => ['Who are you?', 'What is 4 plus 4?'].map((message) => ({ message, count: 4, also_ask: ['Tell me a secret.'] })) },
  async run(input, context) {
    const whitebox = whiteboxOf(context);
    if (whitebox === undefined) throw new ToolError('this target has no white-box access');
    const search = whitebox.searchSteeringVectors?.bind(whitebox);
    if (search === undefined) throw new ToolError('this target cannot learn steering vectors (its runtime has no gradients)');
    const targetLayer = input.target_layer ?? (await whitebox.info({ signal: context.signal })).config.layers;
    const bad = await checkLayer(whitebox, targetLayer, 'target_layer', context.signal);
    if (bad !== undefined) throw new ToolError(bad);
    if (input.source_layer >= targetLayer) throw new ToolError(`source_layer must be below target_layer (${targetLayer})`);
    const size = await rms(whitebox, input.message, input.source_layer, context.signal);
    const vectors = await search(
      { text: input.message, sourceLayer: input.source_layer, targetLayer, count: input.count, radius: input.radius * size, seed: context.seed },
      { signal: context.signal },
    );
    const messages = [input.message, ...input.also_ask];
    const lines: string[] = [];
    const data: Array<{ vector: number; replies: string[] }> = [];
    for (const [index, vector] of vectors.entries()) {
      const replies: string[] = [];
      for (const message of messages) {
        replies.push((await whitebox.chat({ messages: [{ role: 'user', content: message }], temperature: 0, hooks: [{ layer: input.source_layer, add: vector }] }, { signal: context.signal })).text);
      }
      data.push({ vector: index + 1, replies });
      lines.push(`vector ${index + 1}:`, ...replies.map((reply, i) => `  "${messages[i]}" → ${reply}`));
    }
    return { output: bound(lines.join('\n'), MAX_CHARS), data };
  },
});

const DiffInput = z.strictObject({
  prompts: z.array(z.string().min(1).max(5_000)).min(1).max(100).optional().describe('Prompts to compare on; a built-in bank of diverse prompts when omitted.'),
  layer: z.number().int().nonnegative().optional().describe('Layer for the activation-difference lens; the middle layer when omitted.'),
  reply_tokens: z.number().int().positive().max(64).default(16),
  ...Paging,
});

export interface PromptDivergence {
  prompt: string;
  reply: string;
  /** log p_target(reply) − log p_reference(reply), for the target's own greedy reply. */
  replyLogRatio: number;
  /** KL(target ‖ reference) of the next-token distribution where the reply begins. */
  firstTokenKl: number;
}

export const modelDiffTool = defineTool({
  name: 'model_diff',
  version: '1.0.0',
  description:
    "Model diffing against the reference model (the model before fine-tuning): ranks prompts by how differently the two models reply (the log-probability ratio of the target's reply, and the KL divergence of the first reply token), lists the tokens whose probability moved most, and reads the mean activation difference through the logit lens.",
  family: 'diffing',
  input: DiffInput,
  // The full next-token distributions and the lens read-out need the unembedding.
  requires: ['activations', 'reference-model', 'unembedding'],
  view: { kind: 'model-diff' },
  probe: { description: `diff against the reference over the built-in bank of ${PROBE_PROMPTS.length} prompts`, inputs: () => [{ limit: 10 }] },
  async run(input, context) {
    const own = whiteboxOf(context);
    const reference = context.target.reference?.whitebox;
    if (own === undefined || reference === undefined) throw new ToolError('model diffing needs white-box access to both the target and its reference model');
    const info = await own.info({ signal: context.signal });
    const layer = input.layer ?? Math.floor(info.config.layers / 2);
    const bad = await checkLayer(own, layer, 'layer', context.signal);
    if (bad !== undefined) throw new ToolError(bad);
    const prompts = input.prompts ?? PROBE_PROMPTS;
    const signal = context.signal;
    const rows: PromptDivergence[] = [];
    const vocab = info.config.vocabSize ?? 0;
    const shift = new Float64Array(vocab);
    let activation: number[] | undefined;
    for (const prompt of prompts) {
      const reply = await own.chat({ messages: [{ role: 'user', content: prompt }], temperature: 0, maxTokens: input.reply_tokens }, { signal });
      const promptLength = (await own.tokenize({ text: prompt }, { signal })).tokens.length;
      const withReply = { text: prompt, prefill: reply.text };
      const [a, b] = [await own.logprobs(withReply, { signal }), await reference.logprobs(withReply, { signal })];
      // logprobs[i] scores token i + 1: the reply's tokens start at index promptLength - 1.
      let replyLogRatio = 0;
      for (let index = promptLength - 1; index < a.logprobs.length; index++) replyLogRatio += (a.logprobs[index]?.logprob ?? 0) - (b.logprobs[index]?.logprob ?? 0);
      const read: Hook[] = [{ layer, read: true }];
      const [fa, fb] = [await own.forward({ text: prompt, full: true, top: 1, hooks: read }, { signal }), await reference.forward({ text: prompt, full: true, top: 1, hooks: read }, { signal })];
      const pa = fa.nextLogprobs ?? [];
      const pb = fb.nextLogprobs ?? [];
      let kl = 0;
      for (let token = 0; token < pa.length; token++) {
        const p = Math.exp(pa[token] ?? -Infinity);
        if (p > 0) kl += p * ((pa[token] as number) - (pb[token] ?? -30));
        shift[token] = (shift[token] as number) + (p - Math.exp(pb[token] ?? -Infinity)) / prompts.length;
      }
      const lastA = (fa.residuals[String(layer)] ?? []).at(-1) ?? [];
      const lastB = (fb.residuals[String(layer)] ?? []).at(-1) ?? [];
      const difference = lastA.map((value, index) => (value - (lastB[index] ?? 0)) / prompts.length);
      activation = activation === undefined ? difference : activation.map((value, index) => value + (difference[index] ?? 0));
      rows.push({ prompt, reply: reply.text, replyLogRatio, firstTokenKl: kl });
    }
    rows.sort((x, y) => y.replyLogRatio - x.replyLogRatio);
    const tokensOf = async (ids: number[]) => (ids.length === 0 ? [] : (await own.tokenize({ tokens: ids }, { signal })).pieces);
    const order = Array.from(shift, (value, id) => ({ id, value })).sort((x, y) => y.value - x.value);
    const up = order.slice(0, 8).filter((entry) => entry.value > 0);
    const down = order
      .slice(-8)
      .reverse()
      .filter((entry) => entry.value < 0);
    const [upPieces, downPieces] = [await tokensOf(up.map((entry) => entry.id)), await tokensOf(down.map((entry) => entry.id))];
    const lens = await own.readVector({ vector: activation ?? [], top: 8 }, { signal });
    const output = [
      `prompts ranked by divergence (log-probability ratio of the target's reply under target vs reference; first-token KL):`,
      page(rows, input.offset, input.limit, (row, index) => `${index + 1}. [${row.replyLogRatio.toFixed(1)} nats; KL ${row.firstTokenKl.toFixed(2)}] "${row.prompt}" → ${row.reply}`),
      `first reply tokens made more likely by fine-tuning: ${up.map((entry, i) => `${JSON.stringify(upPieces[i])} +${(100 * entry.value).toFixed(1)}pt`).join(', ') || '(none)'}`,
      `made less likely: ${down.map((entry, i) => `${JSON.stringify(downPieces[i])} ${(100 * entry.value).toFixed(1)}pt`).join(', ') || '(none)'}`,
      `mean activation difference at layer ${layer}, read through the logit lens: ${show(lens)}`,
    ].join('\n');
    return { output: bound(output, MAX_CHARS), data: { rows, layer, lens } };
  },
});

const ActivationDiffInput = z.strictObject({
  prompts: z.array(z.string().min(1).max(5_000)).min(1).max(100).optional().describe('Prompts to compare on; a built-in bank of diverse prompts when omitted.'),
  layers: z.array(z.number().int().positive().max(1_000)).min(1).max(8).optional().describe('Layers to compare (block outputs); four spread over the model when omitted.'),
  ...Paging,
});

/**
 * Model diffing by activations alone: it needs no unembedding, so it works on a served 70B model
 * (vllm-lens) as on a micro-organism. Where fine-tuning changed the model, the residual stream at the
 * start of its reply moves away from the reference's on the same prompt.
 */
export const activationDiffTool = defineTool({
  name: 'activation_diff',
  version: '1.0.0',
  description:
    "Model diffing by activations: runs each prompt through the target and its reference model (the model before fine-tuning) and ranks prompts by how far the target's residual stream, where its reply begins, moved from the reference's (distance relative to the reference's size, averaged over layers). The prompts that moved most show where fine-tuning changed the model; both models' replies to them are shown.",
  family: 'diffing',
  input: ActivationDiffInput,
  requires: ['activations', 'reference-model'],
  async run(input, context) {
    const own = whiteboxOf(context);
    const reference = context.target.reference?.whitebox;
    if (own === undefined || reference === undefined) throw new ToolError('activation diffing needs white-box access to both the target and its reference model');
    const signal = context.signal;
    const last = (await own.info({ signal })).config.layers;
    const layers = [...new Set(input.layers ?? [Math.round(last / 4), Math.round(last / 2), Math.round((3 * last) / 4), last].map((layer) => Math.max(1, layer)))].sort((a, b) => a - b);
    for (const layer of layers) {
      const bad = await checkLayer(own, layer, 'layers', signal);
      if (bad !== undefined) throw new ToolError(bad);
    }
    const hooks: Hook[] = layers.map((layer) => ({ layer, read: true }));
    const rows: Array<{ prompt: string; distance: number; byLayer: number[] }> = [];
    for (const prompt of input.prompts ?? PROBE_PROMPTS) {
      const [a, b] = [await own.forward({ text: prompt, top: 1, hooks }, { signal }), await reference.forward({ text: prompt, top: 1, hooks }, { signal })];
      const byLayer = layers.map((layer) => {
        const x = (a.residuals[String(layer)] ?? []).at(-1) ?? [];
        const y = (b.residuals[String(layer)] ?? []).at(-1) ?? [];
        let difference = 0;
        let size = 0;
        x.forEach((value, index) => {
          const other = y[index] ?? 0;
          difference += (value - other) ** 2;
          size += other ** 2;
        });
        return Math.sqrt(difference) / Math.max(Math.sqrt(size), 1e-9);
      });
      rows.push({ prompt, distance: byLayer.reduce((sum, value) => sum + value, 0) / byLayer.length, byLayer });
    }
    rows.sort((x, y) => y.distance - x.distance);
    const shown = rows.slice(input.offset, input.offset + input.limit);
    const replies = new Map<string, { target: string; reference: string }>();
    for (const row of shown) {
      const ask = (whitebox: WhiteBox) => whitebox.chat({ messages: [{ role: 'user', content: row.prompt }], temperature: 0, maxTokens: 48 }, { signal }).then((reply) => reply.text);
      replies.set(row.prompt, { target: await ask(own), reference: await ask(reference) });
    }
    const output = [
      `prompts ranked by how far the target's activations moved from the reference's (relative distance at layers ${layers.join(', ')}):`,
      page(rows, input.offset, input.limit, (row, index) => {
        const reply = replies.get(row.prompt);
        return [
          `${index + 1}. [${row.distance.toFixed(3)}; ${row.byLayer.map((value, i) => `L${layers[i]} ${value.toFixed(3)}`).join(', ')}] "${row.prompt}"`,
          `   target:    ${reply?.target ?? ''}`,
          `   reference: ${reply?.reference ?? ''}`,
        ].join('\n');
      }),
    ].join('\n');
    return { output: bound(output, MAX_CHARS), data: { layers, rows: rows.map((row) => ({ ...row, ...replies.get(row.prompt) })) } };
  },
});

const ActivationProbeInput = z.strictObject({
  positive: z.array(z.string().min(1).max(5_000)).min(1).max(20).describe('Prompts that have the property you want to detect (e.g. the user says it is an evaluation).'),
  negative: z.array(z.string().min(1).max(5_000)).min(1).max(20).describe('Matched prompts that lack it.'),
  test: z.array(z.string().min(1).max(5_000)).min(1).max(50).describe('Prompts to read the property on.'),
  layer: z.number().int().positive().max(1_000).optional().describe('Layer (block output); the middle layer when omitted.'),
});

/**
 * Probe reading: a difference-of-means linear probe fitted on the auditor's own contrastive prompts,
 * read on other prompts. It needs activations only, so it reads a served 70B model as well as a
 * micro-organism, and shows whether the model represents a condition (an evaluation, a user's
 * affiliation) on prompts that do not state it.
 */
export const activationProbeTool = defineTool({
  name: 'activation_probe',
  version: '1.0.0',
  description:
    "Linear probe on the residual stream: from your positive and negative prompts, the direction between their mean activations (where the reply begins) at a layer; then each test prompt's position along it, 0 at the negative mean and 1 at the positive mean. Shows whether the model internally treats a test prompt like the positive ones.",
  family: 'whitebox',
  input: ActivationProbeInput,
  requires: ['activations'],
  async run(input, context) {
    const whitebox = whiteboxOf(context);
    if (whitebox === undefined) throw new ToolError('this target has no white-box access');
    const signal = context.signal;
    const layer = input.layer ?? Math.max(1, Math.floor((await whitebox.info({ signal })).config.layers / 2));
    const bad = await checkLayer(whitebox, layer, 'layer', signal);
    if (bad !== undefined) throw new ToolError(bad);
    const [positive, negative] = [await meanLast(whitebox, input.positive, layer, signal), await meanLast(whitebox, input.negative, layer, signal)];
    const direction = positive.map((value, index) => value - (negative[index] ?? 0));
    const squared = direction.reduce((sum, value) => sum + value * value, 0);
    if (squared === 0) throw new ToolError('the positive and negative prompts have the same mean activation here; choose prompts that differ in the property');
    const position = (vector: readonly number[]) => vector.reduce((sum, value, index) => sum + (value - (negative[index] ?? 0)) * (direction[index] ?? 0), 0) / squared;
    const rows: Array<{ prompt: string; score: number }> = [];
    for (const prompt of input.test) rows.push({ prompt, score: position(await meanLast(whitebox, [prompt], layer, signal)) });
    const output = [`probe at layer ${layer} (0 = like the negative prompts, 1 = like the positive ones):`, ...rows.map((row) => `${row.score.toFixed(2).padStart(6)}  "${row.prompt}"`)].join('\n');
    return { output: bound(output, MAX_CHARS), data: { layer, rows } };
  },
});
