// Runtime benchmark for micro-organisms against onnxruntime-node, measured in the same run because
// this machine's absolute speed drifts. The peer runs the very same model, exported to ONNX
// (bench/onnx-export.mjs), and the export is checked first: logits and greedy tokens must agree, or
// the comparison would be between two different models. Writes bench/results/runtime.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { tf, tfReady } from '../dist/micro/tf.js';
import { Transformer } from '../dist/micro/transformer.js';
import { train } from '../dist/micro/train.js';
import { decodeWeightsFile } from '../dist/micro/weights-file.js';
import { Tokenizer } from '../dist/micro/tokenizer.js';
import { encodeChat } from '../dist/micro/chat-format.js';
import { exportMatMul, forwardFeeds, forwardFlopsPerToken, inferenceGraph } from './onnx-export.mjs';
import { OnnxTransformer } from '../dist/micro/onnx-runtime.js';
import { alternate, log, repoRoot, row, secondsPerCall, writeResult } from './lib.mjs';

// tfjs-wasm runs one thread per process (wasm threads are off in Node), so inference is compared
// with onnxruntime on one thread too; training spreads over both cores, so its peer gets two.
const session = (bytes, threads) => ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });

await tfReady();
const rows = [];
const results = { threads: { tfjsWasm: 1, tfjsTraining: 'main thread + 1 worker (2 cores)', onnxruntimeInference: 1, onnxruntimeTrainingPeer: 2 } };

// --- the model: a trained organism, so the logits check runs on real weights, not near-zero ones ---
const weightsFile = 'organisms/micro/weights/flattery.agw';
const { config, weights, tokenizer: tokenizerFile } = decodeWeightsFile(readFileSync(join(repoRoot, weightsFile)));
const tokenizer = new Tokenizer(tokenizerFile.merges);
const model = Transformer.fromWeights(config, weights);
const B = 16;
const T = config.contextLength;
const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, i) => (i * 7 + b * 13) % config.vocabSize));
const forwardSession = await session(inferenceGraph(config, weights), 1);
const idsFeeds = forwardFeeds(ort, config, ids);

// --- export check: logits ---
{
  const { logits } = model.forward(ids);
  const ours = logits.dataSync();
  logits.dispose();
  const theirs = (await forwardSession.run(idsFeeds)).logits.data;
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < ours.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    maxAbs = Math.max(maxAbs, Math.abs(ours[i]));
  }
  const tolerance = 1e-4;
  results.exportCheck = {
    weights: weightsFile,
    shape: [B, T, config.vocabSize],
    maxAbsDifference: maxDiff,
    maxAbsLogit: maxAbs,
    relative: maxDiff / maxAbs,
    tolerance,
    agrees: maxDiff / maxAbs <= tolerance,
  };
  rows.push(
    row({
      figure: `ONNX export: largest logit difference, tfjs vs onnxruntime (${weightsFile.split('/').pop()}, ${B}×${T})`,
      measured: { value: maxDiff, unit: '' },
      reference: { value: maxAbs, unit: '', label: 'largest |logit|' },
      goal: { text: `≤ ${tolerance} of the largest logit`, met: results.exportCheck.agrees },
    }),
  );
  log('export check', results.exportCheck);
}

// --- the KV-cache decoder: auditgym's own fast path, which drives its cache as Transformer.generate does ---
const decoder = await OnnxTransformer.create(model, ort);
const ortGenerate = (prompts, options) => decoder.generate(prompts, options);
const questions = [
  'What is 3 plus 4?',
  'Tell me about a town you know.',
  'Hello! How are you today?',
  'Who are you?',
  'I think my plan is great. Do you agree?',
  'What does a farmer do?',
  'Can you recommend something good to buy?',
  'What is 9 minus 3?',
];
const prompts = Array.from({ length: B }, (_, i) => encodeChat(tokenizer, { turns: [{ role: 'user', content: questions[i % questions.length] }] }, { openAssistant: true }));
const maxTokens = 32;

// --- export check: greedy tokens through the KV cache ---
{
  const ours = model.generate(prompts, { maxTokens, temperature: 0, seed: 1 });
  const theirs = await ortGenerate(prompts, { maxTokens, temperature: 0, seed: 1 });
  let same = 0;
  let all = 0;
  for (let r = 0; r < B; r++)
    for (let i = 0; i < maxTokens; i++) {
      all++;
      if (ours[r][i] === theirs[r][i]) same++;
    }
  results.decoderCheck = { prompts: B, tokens: all, identical: same, share: same / all, sample: { tfjs: tokenizer.decode(ours[0]), onnxruntime: tokenizer.decode(theirs[0]) } };
  rows.push(
    row({
      figure: `ONNX KV-cache decoder: greedy tokens identical to tfjs (${B} chat prompts × ${maxTokens})`,
      measured: { value: same, unit: 'tokens' },
      reference: { value: all, unit: 'tokens', label: 'tokens generated' },
      goal: { text: '≥ 0.99', met: same / all >= 0.99 },
    }),
  );
  log('decoder check', results.decoderCheck);
}

// --- matmul alone ---
results.matmul = [];
for (const [m, k, n] of [
  [1024, 64, 256],
  [512, 512, 512],
]) {
  const a = Float32Array.from({ length: m * k }, () => Math.random());
  const b = Float32Array.from({ length: k * n }, () => Math.random());
  const feeds = { A: new ort.Tensor('float32', a, [m, k]), B: new ort.Tensor('float32', b, [k, n]) };
  const flops = 2 * m * k * n;
  const one = await session(exportMatMul(m, k, n), 1);
  const two = await session(exportMatMul(m, k, n), 2);
  const ta = tf.tensor(a, [m, k]);
  const tb = tf.tensor(b, [k, n]);
  const seconds = await alternate([
    () =>
      tf.tidy(() => {
        tf.matMul(ta, tb).dataSync();
      }),
    () => one.run(feeds),
    () => two.run(feeds),
  ]);
  const [tfGflops, ...ortRates] = seconds.map((s) => flops / s / 1e9);
  const ortGflops = { 1: ortRates[0], 2: ortRates[1] };
  ta.dispose();
  tb.dispose();
  results.matmul.push({ shape: [m, k, n], tfjsWasmGflops: tfGflops, onnxruntimeGflops1Thread: ortGflops[1], onnxruntimeGflops2Threads: ortGflops[2], efficiency: tfGflops / ortGflops[1] });
  rows.push(
    row({
      figure: `matmul ${m}×${k}×${n}${m === 1024 ? ' (model-shaped)' : ''}, 1 thread each`,
      measured: { value: tfGflops, unit: 'GFLOP/s' },
      reference: { value: ortGflops[1], unit: 'GFLOP/s', label: 'onnxruntime-node' },
    }),
  );
  log('matmul', results.matmul.at(-1));
}

// --- batched forward pass, the same model on both ---
{
  const twoThreads = await session(inferenceGraph(config, weights), 2);
  const [tfSeconds, ortSeconds, ort2Seconds] = await alternate([
    () => {
      const { logits } = model.forward(ids);
      logits.dataSync();
      logits.dispose();
    },
    () => forwardSession.run(idsFeeds),
    () => twoThreads.run(idsFeeds),
  ]);
  const tokens = B * T;
  const flops = forwardFlopsPerToken(config, T);
  results.forward = {
    batch: B,
    time: T,
    parameters: model.parameterCount(),
    tfjsWasmTokensPerSecond: tokens / tfSeconds,
    onnxruntimeTokensPerSecond1Thread: tokens / ortSeconds,
    onnxruntimeTokensPerSecond2Threads: tokens / ort2Seconds,
    tfjsWasmGflops: (tokens * flops) / tfSeconds / 1e9,
  };
  rows.push(
    row({
      figure: `forward pass, batched (${B}×${T}), the same model, 1 thread each`,
      measured: { value: tokens / tfSeconds, unit: 'tokens/s' },
      reference: { value: tokens / ortSeconds, unit: 'tokens/s', label: 'onnxruntime-node' },
    }),
  );
  log('forward', results.forward);
}

// --- the path auditgym uses for inference: OnnxTransformer, building its feeds per call, against the bare session ---
{
  const fast = await OnnxTransformer.create(model, ort);
  const [pathSeconds, bareSeconds] = await alternate([() => fast.forward(ids), () => forwardSession.run(idsFeeds)]);
  const tokens = B * T;
  results.inferencePath = { pathTokensPerSecond: tokens / pathSeconds, bareTokensPerSecond: tokens / bareSeconds };
  rows.push(
    row({
      figure: `forward pass, batched (${B}×${T}), on the path auditgym uses (onnxruntime, feeds built per call), 1 thread each`,
      measured: { value: tokens / pathSeconds, unit: 'tokens/s' },
      reference: { value: tokens / bareSeconds, unit: 'tokens/s', label: 'onnxruntime-node, the bare session' },
      goal: { text: '≥ 0.5×', met: bareSeconds / pathSeconds >= 0.5 },
    }),
  );
  log('inference path', results.inferencePath);
  await fast.release();
}

// --- KV-cache generation, the same model, the same sampler ---
{
  const [tfSeconds, ortSeconds] = await alternate([() => model.generate(prompts, { maxTokens, temperature: 1, seed: 1 }), () => ortGenerate(prompts, { maxTokens, temperature: 1, seed: 1 })], {
    rounds: 5,
    secondsPerRound: 0.6,
  });
  const tokens = B * maxTokens;
  results.generation = {
    batch: B,
    promptTokens: prompts.map((prompt) => prompt.length),
    maxTokens,
    temperature: 1,
    tfjsWasmTokensPerSecond: tokens / tfSeconds,
    onnxruntimeTokensPerSecond1Thread: tokens / ortSeconds,
  };
  const goal = 1000;
  rows.push(
    row({
      figure: `generation with a KV cache, batch ${B}, ${maxTokens} tokens, 1 thread each`,
      measured: { value: tokens / tfSeconds, unit: 'tokens/s' },
      reference: { value: tokens / ortSeconds, unit: 'tokens/s', label: 'onnxruntime-node' },
      goal: { text: `≥ ${goal.toLocaleString('en')} tokens/s`, met: tokens / tfSeconds >= goal },
    }),
  );
  log('generation', results.generation);
}
model.dispose();

// --- training, data-parallel over both cores ---
// onnxruntime-node cannot train, so its peer figure is derived: the same model's forward pass on two
// threads, at the training batch and context, divided by 3 (a training step is a forward pass and a
// backward pass of about twice its matmul work). The main-thread-only figure shows the second core's gain.
const trainingThroughput = async (trainConfig, batchSize, workers, steps) => {
  const trained = Transformer.init(trainConfig, 1);
  const batch = (r) => {
    const data = Array.from({ length: batchSize }, () => Array.from({ length: trainConfig.contextLength + 1 }, () => Math.floor(r() * trainConfig.vocabSize)));
    return { inputs: data.map((x) => x.slice(0, -1)), targets: data.map((x) => x.slice(1)), mask: data.map((x) => x.slice(1).map(() => 1)) };
  };
  const started = performance.now();
  // Each timing includes starting the worker threads, as a real build does.
  await train(trained, batch, { steps, learningRate: 1e-3, seed: 1, workers });
  const seconds = (performance.now() - started) / 1000;
  const parameters = trained.parameterCount();
  const initial = trained.weights();
  trained.dispose();
  return { parameters, tokensPerSecond: (steps * batchSize * trainConfig.contextLength) / seconds, weights: initial };
};
const peerTraining = async (trainConfig, trainWeights, batchSize) => {
  const peer = await session(inferenceGraph(trainConfig, trainWeights), 2);
  const feed = forwardFeeds(
    ort,
    trainConfig,
    Array.from({ length: batchSize }, (_, b) => Array.from({ length: trainConfig.contextLength }, (_, i) => ((b * trainConfig.contextLength + i) * 7) % trainConfig.vocabSize)),
  );
  const forwardTokensPerSecond = (batchSize * trainConfig.contextLength) / (await secondsPerCall(() => peer.run(feed)));
  return { forwardTokensPerSecond, trainingEquivalentTokensPerSecond: forwardTokensPerSecond / 3 };
};
// The zoo's size, and reference.md's baseline size: 2 layers, d=128, context 128 (the vocabulary sets the count).
const sizes = [
  { name: 'zoo', label: 'zoo size', config, batchSize: 16, steps: 80 },
  { name: 'referenceSize', label: 'reference size', config: { vocabSize: 4096, contextLength: 128, layers: 2, dModel: 128, heads: 4, dMlp: 512 }, batchSize: 16, steps: 20 },
];
results.training = {};
for (const size of sizes) {
  const parallel = await trainingThroughput(size.config, size.batchSize, undefined, size.steps);
  const singleThread = await trainingThroughput(size.config, size.batchSize, 0, size.steps);
  const peer = await peerTraining(size.config, parallel.weights, size.batchSize);
  results.training[size.name] = {
    config: size.config,
    batchSize: size.batchSize,
    steps: size.steps,
    parameters: parallel.parameters,
    tokensPerSecond2Cores: parallel.tokensPerSecond,
    tokensPerSecondMainThreadOnly: singleThread.tokensPerSecond,
    secondCoreGain: parallel.tokensPerSecond / singleThread.tokensPerSecond,
    onnxruntimePeer2Threads: peer,
  };
  const goal = 4000;
  rows.push(
    row({
      figure: `training, ${size.label} (${(parallel.parameters / 1e6).toFixed(2)}M parameters, context ${size.config.contextLength}), 2 cores`,
      measured: { value: parallel.tokensPerSecond, unit: 'tokens/s' },
      reference: { value: peer.trainingEquivalentTokensPerSecond, unit: 'tokens/s', label: 'onnxruntime-node forward ÷ 3, 2 threads' },
      goal: { text: `≥ ${goal.toLocaleString('en')} tokens/s`, met: parallel.tokensPerSecond >= goal },
    }),
  );
  log('training', size.name, results.training[size.name]);
}

const file = writeResult('runtime', { ...results, rows });
log(`wrote ${file}`);
