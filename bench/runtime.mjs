// Runtime benchmark for micro-organisms. Every figure is paired with a reference measured in the same
// run, because this machine's absolute speed drifts: matmul against onnxruntime-node (the peer that
// counts), throughputs as ratios against their goals. Writes bench/results/runtime.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { tf, tfReady } from '../dist/micro/tf.js';
import { Transformer } from '../dist/micro/transformer.js';
import { train } from '../dist/micro/train.js';

// --- a minimal protobuf writer, enough for a one-node ONNX graph ---
const varint = (n) => { const out = []; while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); } out.push(n); return out; };
const field = (number, wire, payload) => [...varint((number << 3) | wire), ...(wire === 0 ? varint(payload) : [...varint(payload.length), ...payload])];
const str = (s) => [...Buffer.from(s, 'utf8')];
const valueInfo = (name, dims) => field(1, 2, str(name)).concat(field(2, 2, field(1, 2, [...field(1, 0, 1), ...field(2, 2, dims.flatMap((d) => field(1, 2, field(1, 0, d))))])));
function matmulModel(m, k, n) {
  const node = [...field(1, 2, str('A')), ...field(1, 2, str('B')), ...field(2, 2, str('C')), ...field(4, 2, str('MatMul'))];
  const graph = [...field(1, 2, node), ...field(2, 2, str('mm')), ...field(11, 2, valueInfo('A', [m, k])), ...field(11, 2, valueInfo('B', [k, n])), ...field(12, 2, valueInfo('C', [m, n]))];
  return Uint8Array.from([...field(1, 0, 8), ...field(8, 2, [...field(1, 2, []), ...field(2, 0, 13)]), ...field(7, 2, graph)]);
}

const time = async (fn, minSeconds = 1.5) => {
  await fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) { await fn(); runs++; }
  return (performance.now() - start) / 1000 / runs;
};

await tfReady();
const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, matmul: [], model: {}, goals: [] };

for (const [m, k, n] of [[1024, 64, 256], [512, 512, 512]]) {
  const a = Float32Array.from({ length: m * k }, () => Math.random());
  const b = Float32Array.from({ length: k * n }, () => Math.random());
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), { intraOpNumThreads: 2 });
  const feeds = { A: new ort.Tensor('float32', a, [m, k]), B: new ort.Tensor('float32', b, [k, n]) };
  const ortSeconds = await time(() => session.run(feeds));
  const ta = tf.tensor(a, [m, k]);
  const tb = tf.tensor(b, [k, n]);
  const tfSeconds = await time(() => tf.tidy(() => { tf.matMul(ta, tb).dataSync(); }));
  ta.dispose(); tb.dispose();
  const flops = 2 * m * k * n;
  const ortGflops = flops / ortSeconds / 1e9;
  const tfGflops = flops / tfSeconds / 1e9;
  results.matmul.push({ shape: [m, k, n], onnxruntimeGflops: ortGflops, tfjsWasmGflops: tfGflops, efficiency: tfGflops / ortGflops });
}

// Training throughput, data-parallel over the cores (workers) and on the main thread alone, for the
// zoo's own size and for reference.md's baseline size (about 1M parameters at context 128). Each
// timing includes starting the worker threads, as a real build does.
const trainingThroughput = async (config, batchSize, workers, steps) => {
  const model = Transformer.init(config, 1);
  const batch = (r) => { const rows = Array.from({ length: batchSize }, () => Array.from({ length: config.contextLength + 1 }, () => Math.floor(r() * config.vocabSize))); return { inputs: rows.map((x) => x.slice(0, -1)), targets: rows.map((x) => x.slice(1)), mask: rows.map((x) => x.slice(1).map(() => 1)) }; };
  const started = performance.now();
  await train(model, batch, { steps, learningRate: 1e-3, seed: 1, workers });
  const seconds = (performance.now() - started) / 1000;
  const parameters = model.parameterCount();
  model.dispose();
  return { parameters, tokensPerSecond: (steps * batchSize * config.contextLength) / seconds };
};
const config = { vocabSize: 512, contextLength: 64, layers: 2, dModel: 64, heads: 4, dMlp: 256 };
// reference.md's baseline: 2 layers, d=128, context 128, about 0.9M parameters (the vocabulary sets the count).
const referenceConfig = { vocabSize: 4096, contextLength: 128, layers: 2, dModel: 128, heads: 4, dMlp: 512 };
const training = {
  zoo: { config, batchSize: 16, parallel: await trainingThroughput(config, 16, undefined, 80), singleThread: await trainingThroughput(config, 16, 0, 80) },
  referenceSize: { config: referenceConfig, batchSize: 16, parallel: await trainingThroughput(referenceConfig, 16, undefined, 20), singleThread: await trainingThroughput(referenceConfig, 16, 0, 20) },
};
const model = Transformer.init(config, 1);
const ids = Array.from({ length: 16 }, () => Array.from({ length: 64 }, (_, i) => (i * 7) % 500));
const forwardSeconds = await time(() => { const { logits } = model.forward(ids); logits.dataSync(); logits.dispose(); });
const prompts = Array.from({ length: 16 }, (_, i) => [1, 2, 3 + i]);
const generateSeconds = await time(() => model.generate(prompts, { maxTokens: 32, temperature: 1, seed: 1 }), 3);
results.model = {
  config,
  parameters: model.parameterCount(),
  training,
  forwardTokensPerSecond: (16 * 64) / forwardSeconds,
  generationTokensPerSecondBatch16: (16 * 32) / generateSeconds,
};
model.dispose();
const goal = (name, value, target, unit) => results.goals.push({ name, value, target, unit, ratio: value / target, met: value >= target });
goal(`training tokens/s, ${(training.referenceSize.parallel.parameters / 1e6).toFixed(2)}M parameters at context 128 (goal: 2x reference.md's single-core baseline)`, training.referenceSize.parallel.tokensPerSecond, 4000, 'tokens/s');
goal('training tokens/s, the zoo\'s model size', training.zoo.parallel.tokensPerSecond, 4000, 'tokens/s');
goal('generation tokens/s at batch 16', results.model.generationTokensPerSecondBatch16, 1000, 'tokens/s');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/runtime.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
