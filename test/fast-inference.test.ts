import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { MicroChatModel } from '../src/micro/micro-model.js';
import { fastPathFor, loadOnnxRuntime, type OnnxTransformer } from '../src/micro/onnx-runtime.js';
import { tfReady } from '../src/micro/tf.js';
import type { ResidualHook } from '../src/micro/transformer.js';
import { loadWeights, type LoadedModel } from '../src/micro/zoo.js';
import { loadZoo, zooDir } from '../src/micro/zoo-specs.js';

// The fast inference path (onnxruntime) against its definition (tfjs), on a committed organism:
// logits and residual streams to float rounding, and sampled tokens identical, under every kind of
// intervention the tools use.

const zoo = loadZoo();
let loaded: LoadedModel;
let fast: OnnxTransformer;
let reference: MicroChatModel;
let accelerated: MicroChatModel;

beforeAll(async () => {
  await tfReady();
  const spec = zoo.organisms.find((organism) => organism.spec.id === 'micro/backdoor')?.spec;
  loaded = loadWeights(zooDir(), 'micro/backdoor', spec?.weights, zoo.base.spec.worldSeed);
  const made = await fastPathFor(loaded.model, { AUDITGYM_MICRO_RUNTIME: 'onnx' });
  if (made === undefined) throw new Error('onnxruntime-node should load in the test environment');
  fast = made;
  reference = new MicroChatModel('micro:micro/backdoor', loaded.model, loaded.tokenizer);
  accelerated = new MicroChatModel('micro:micro/backdoor', loaded.model, loaded.tokenizer, undefined, fast);
});
afterAll(async () => {
  await fast?.release();
  loaded?.model.dispose();
});

const signal = () => new AbortController().signal;
const width = () => zoo.base.spec.model.dModel;
const wave = (scale: number, phase = 0) => Array.from({ length: width() }, (_, i) => Math.sin(i + phase) * scale);

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs((a[i] as number) - (b[i] as number)));
  return largest;
}

describe('the fast inference path agrees with tfjs', () => {
  const hookSets: Array<[string, ResidualHook[]]> = [
    ['no hooks', [{ layer: 1, read: true }]],
    [
      'an added vector',
      [
        { layer: 1, add: wave(3), read: true },
        { layer: 2, read: true },
      ],
    ],
    ['a projection', [{ layer: 2, projectOut: wave(1, 2), read: true }]],
    [
      'seeded noise',
      [
        { layer: 0, noise: { scale: 0.8, seed: 5 }, read: true },
        { layer: 2, read: true },
      ],
    ],
    ['all three on one stream', [{ layer: 1, projectOut: wave(1, 1), add: wave(2), noise: { scale: 0.3, seed: 2 }, read: true }]],
  ];

  it.each(hookSets)('forward with %s: logits and read streams to float rounding', async (_name, hooks) => {
    const ids = [
      [1, ...loaded.tokenizer.encode('blue lantern. What is 2 plus 2?')],
      [1, ...loaded.tokenizer.encode('Tell me about the farm by the river')],
    ].map((row) => row.slice(0, 12));
    const slow = loaded.model.forward(ids, hooks);
    const quick = await fast.forward(ids, hooks);
    const logits = slow.logits.dataSync();
    const scale = Math.max(...Array.from(logits, Math.abs));
    expect(largestDifference(logits, quick.logits)).toBeLessThan(1e-4 * scale);
    expect([...quick.residuals.keys()].sort()).toEqual([...slow.residuals.keys()].sort());
    for (const [layer, stream] of slow.residuals) expect(largestDifference(stream.dataSync(), quick.residuals.get(layer) ?? [])).toBeLessThan(1e-4);
    slow.logits.dispose();
    for (const stream of slow.residuals.values()) stream.dispose();
  });

  it('samples the same tokens, greedy and seeded, with and without interventions, for left-padded batches', async () => {
    const eos = loaded.tokenizer.specialIds['<|eos|>'];
    const prompts = ['Hi!', 'What is 3 plus 4?', 'blue lantern. Who are you?'].map((text) => [1, ...loaded.tokenizer.encode(text)]);
    const cases: Array<{ temperature: number; seed: number; hooks?: ResidualHook[] }> = [
      { temperature: 0, seed: 0 },
      { temperature: 0.7, seed: 3 },
      { temperature: 1, seed: 11, hooks: [{ layer: 1, add: wave(1.5) }] },
      { temperature: 0.7, seed: 4, hooks: [{ layer: 2, noise: { scale: 1, seed: 9 } }] },
      { temperature: 0, seed: 0, hooks: [{ layer: 1, projectOut: wave(1) }] },
    ];
    for (const options of cases) {
      const generate = { maxTokens: 24, topP: 0.95, stopTokens: [eos], ...options };
      const quick = await fast.generate(prompts, generate);
      expect(quick).toEqual(loaded.model.generate(prompts, generate));
      expect(quick.some((tokens) => tokens.length > 0)).toBe(true);
    }
  });

  it('gives the same chats and white-box reads through the chat model', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'blue lantern. What is 2 plus 2?' }], temperature: 0 };
    expect((await accelerated.chat(request, { signal: signal() })).text).toBe((await reference.chat(request, { signal: signal() })).text);
    const seeded = { messages: [{ role: 'user' as const, content: 'Hi!' }], temperature: 1, seed: 9 };
    expect((await accelerated.chat(seeded, { signal: signal() })).text).toBe((await reference.chat(seeded, { signal: signal() })).text);
    const forward = { text: 'What is 4 plus 3?', top: 5, hooks: [{ layer: 1, read: true }] };
    const [quick, slow] = [await accelerated.whitebox.forward(forward, { signal: signal() }), await reference.whitebox.forward(forward, { signal: signal() })];
    expect(quick.next.map((entry) => entry.id)).toEqual(slow.next.map((entry) => entry.id));
    quick.next.forEach((entry, i) => expect(entry.logprob).toBeCloseTo(slow.next[i]?.logprob ?? 0, 4));
    expect(largestDifference((quick.residuals['1'] ?? []).flat(), (slow.residuals['1'] ?? []).flat())).toBeLessThan(1e-4);
    const logprobs = await accelerated.whitebox.logprobs({ text: 'The roofs in', format: 'raw' }, { signal: signal() });
    const slowLogprobs = await reference.whitebox.logprobs({ text: 'The roofs in', format: 'raw' }, { signal: signal() });
    expect(logprobs.tokens).toEqual(slowLogprobs.tokens);
    logprobs.logprobs.forEach((entry, i) => expect(entry.logprob).toBeCloseTo(slowLogprobs.logprobs[i]?.logprob ?? 0, 4));
  });

  it('sends what it cannot compute to tfjs: two interventions on one stream, a read before one, a trained vector', async () => {
    expect(
      fast.supports([
        { layer: 1, add: wave(1) },
        { layer: 2, projectOut: wave(1) },
      ]),
    ).toBe(true);
    expect(
      fast.supports([
        { layer: 1, add: wave(1) },
        { layer: 1, add: wave(2) },
      ]),
    ).toBe(false);
    expect(
      fast.supports([
        { layer: 1, read: true },
        { layer: 1, add: wave(1) },
      ]),
    ).toBe(false);
    expect(
      fast.supports([
        { layer: 1, noise: { scale: 0, seed: 1 } },
        { layer: 1, add: wave(1) },
      ]),
    ).toBe(true);
    // Two additions on one stream still answer, on tfjs.
    const request = {
      messages: [{ role: 'user' as const, content: 'Hi!' }],
      temperature: 0,
      hooks: [
        { layer: 1, add: wave(1) },
        { layer: 1, add: wave(1, 3) },
      ],
    };
    expect((await accelerated.whitebox.chat(request, { signal: signal() })).text).toBe((await reference.whitebox.chat(request, { signal: signal() })).text);
  });
});

describe('choosing the runtime', () => {
  it('uses tfjs when asked, and refuses a value it does not know, naming the variable', async () => {
    expect(await fastPathFor(loaded.model, { AUDITGYM_MICRO_RUNTIME: 'tfjs' })).toBeUndefined();
    const error = await fastPathFor(loaded.model, { AUDITGYM_MICRO_RUNTIME: 'gpu' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('AUDITGYM_MICRO_RUNTIME');
  });

  it('falls back with one line when onnxruntime cannot load', async () => {
    const lines: string[] = [];
    const missing = await loadOnnxRuntime(
      () => Promise.reject(new Error("Cannot find module 'onnxruntime-node'\nRequire stack: …")),
      (line) => lines.push(line),
    );
    expect(missing).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/onnxruntime-node did not load .*Cannot find module.*tfjs/);
    expect(lines[0]).not.toContain('\n');
    expect(
      await loadOnnxRuntime(
        () => Promise.resolve(ort as typeof ort & { default?: typeof ort }),
        (line) => lines.push(line),
      ),
    ).toBeDefined();
    expect(lines).toHaveLength(1);
  });
});
