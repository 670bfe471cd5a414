import type { SparseDictionary } from '../contracts/sae.js';
import { encodeFloats } from '../core/sae.js';
import { seededRandom } from '../core/seeds.js';
import { encodeChat, encodeDocument } from './chat-format.js';
import { tf } from './tf.js';
import type { Tokenizer } from './tokenizer.js';
import type { Transformer } from './transformer.js';
import type { Chat } from './world.js';

export interface DictionaryOptions {
  model: string;
  /** The SHA-256 of the weights file, recorded so a dictionary of older weights is known stale. */
  weights?: string;
  layer: number;
  features: number;
  steps: number;
  seed: number;
  /** Texts sampled from the training data. */
  texts: number;
  l1?: number;
  batchSize?: number;
  learningRate?: number;
}

const EXAMPLES_PER_FEATURE = 5;
const CONTEXT_TOKENS = 10;

/**
 * Trains a ReLU sparse autoencoder on one layer's residual stream over a sample of the model's
 * training data: loss = ‖x − x̂‖² + l1 · Σ f·‖d_f‖, so the penalty cannot be dodged by shrinking
 * activations and growing decoder rows. Decoder rows are normalised afterwards (scaling the
 * encoder to match), so every feature has a unit direction.
 */
export function trainDictionary(model: Transformer, tokenizer: Tokenizer, data: { documents: readonly string[]; chats: readonly Chat[] }, options: DictionaryOptions): SparseDictionary {
  const random = seededRandom(options.seed);
  const { dModel } = model.config;
  const features = options.features;
  const pool = [
    ...data.documents.map((text) => encodeDocument(tokenizer, text)),
    ...data.chats.map((chat) =>
      encodeChat(tokenizer, {
        turns: [
          { role: 'user', content: chat.user },
          { role: 'assistant', content: chat.assistant },
        ],
      }),
    ),
  ];
  const sample = Array.from({ length: Math.min(options.texts, pool.length) }, () => pool[Math.floor(random() * pool.length)] as number[]).map((ids) => ids.slice(0, model.config.contextLength));
  // Every token's activation, with where it came from for the examples.
  const rows: Float32Array[] = [];
  const origin: Array<{ text: number; position: number }> = [];
  sample.forEach((ids, text) => {
    const { logits, residuals } = model.forward([ids], [{ layer: options.layer, read: true }]);
    logits.dispose();
    const residual = residuals.get(options.layer) as tf.Tensor3D;
    const values = residual.dataSync() as Float32Array;
    residual.dispose();
    for (let position = 0; position < ids.length; position++) {
      rows.push(values.slice(position * dModel, (position + 1) * dModel));
      origin.push({ text, position });
    }
  });
  const n = rows.length;
  const all = tf.tensor2d(concat(rows, dModel), [n, dModel]);
  const mean = tf.mean(all, 0);
  const variance = tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(all, mean)), 1)).dataSync()[0] as number);
  let seed = options.seed;
  const decoder = tf.variable(
    tf.tidy(() => {
      const raw = tf.randomNormal([features, dModel], 0, 1, 'float32', seed++);
      return tf.div(raw, tf.norm(raw, 'euclidean', 1, true));
    }),
  );
  const encoder = tf.variable(tf.tidy(() => tf.mul(tf.transpose(decoder), 0.5)));
  const encoderBias = tf.variable(tf.zeros([features]));
  const decoderBias = tf.variable(mean.clone());
  // Tuned on the zoo's models (d=64, layer 1): about 10 active features per token, 80% of variance explained.
  const l1 = options.l1 ?? 3;
  const batchSize = options.batchSize ?? 512;
  const optimizer = tf.train.adam(options.learningRate ?? 3e-3);
  const encode = (x: tf.Tensor2D) => tf.relu(tf.add(tf.matMul(tf.sub(x, decoderBias), encoder), encoderBias)) as tf.Tensor2D;
  for (let step = 0; step < options.steps; step++) {
    const picked = Array.from({ length: Math.min(batchSize, n) }, () => Math.floor(random() * n));
    tf.tidy(() => {
      const x = tf.gather(all, tf.tensor1d(picked, 'int32')) as tf.Tensor2D;
      const { grads } = tf.variableGrads(() => {
        const f = encode(x);
        const reconstruction = tf.add(tf.matMul(f, decoder), decoderBias);
        const error = tf.mean(tf.sum(tf.square(tf.sub(x, reconstruction)), 1));
        const sparsity = tf.mean(tf.sum(tf.mul(f, tf.norm(decoder, 'euclidean', 1).reshape([1, features])), 1));
        return tf.add(error, tf.mul(sparsity, l1)) as tf.Scalar;
      }, [encoder, encoderBias, decoder, decoderBias]);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
    });
  }
  // Unit decoder rows; the encoder absorbs the scale so reconstructions are unchanged.
  tf.tidy(() => {
    const norms = tf.maximum(tf.norm(decoder, 'euclidean', 1), 1e-8);
    encoder.assign(tf.mul(encoder, norms.reshape([1, features])));
    decoder.assign(tf.div(decoder, norms.reshape([features, 1])));
  });
  const activations = tf.tidy(() => encode(all).dataSync() as Float32Array);
  const varianceUnexplained = tf.tidy(() => {
    const f = encode(all);
    const reconstruction = tf.add(tf.matMul(f, decoder), decoderBias);
    return (tf.mean(tf.sum(tf.square(tf.sub(all, reconstruction)), 1)).dataSync()[0] as number) / Math.max(variance, 1e-12);
  });
  let active = 0;
  const density = new Array<number>(features).fill(0);
  const best: Array<Array<{ row: number; activation: number }>> = Array.from({ length: features }, () => []);
  for (let row = 0; row < n; row++) {
    for (let f = 0; f < features; f++) {
      const value = activations[row * features + f] as number;
      if (value <= 0) continue;
      active++;
      density[f] = (density[f] as number) + 1 / n;
      const top = best[f] as Array<{ row: number; activation: number }>;
      // One example per text, so a feature's examples are not five tokens of the same sentence.
      const sameText = top.findIndex((entry) => (origin[entry.row] as { text: number }).text === (origin[row] as { text: number }).text);
      if (sameText >= 0) {
        if ((top[sameText] as { activation: number }).activation < value) top[sameText] = { row, activation: value };
      } else if (top.length < EXAMPLES_PER_FEATURE) top.push({ row, activation: value });
      else {
        const weakest = top.reduce((low, entry, index) => (entry.activation < (top[low] as { activation: number }).activation ? index : low), 0);
        if ((top[weakest] as { activation: number }).activation < value) top[weakest] = { row, activation: value };
      }
    }
  }
  const context = (row: number) => {
    const { text, position } = origin[row] as { text: number; position: number };
    const ids = sample[text] as number[];
    const before = tokenizer.decode(ids.slice(Math.max(0, position - CONTEXT_TOKENS), position), { specials: true });
    return `${before}«${tokenizer.decode([ids[position] as number], { specials: true })}»`;
  };
  const result: SparseDictionary = {
    format: 'auditgym-sae-1',
    model: options.model,
    ...(options.weights === undefined ? {} : { weights: options.weights }),
    layer: options.layer,
    dModel,
    features,
    encoder: encodeFloats(encoder.dataSync() as Float32Array),
    encoderBias: encodeFloats(encoderBias.dataSync() as Float32Array),
    decoder: encodeFloats(decoder.dataSync() as Float32Array),
    decoderBias: encodeFloats(decoderBias.dataSync() as Float32Array),
    density: density.map((value) => Number(value.toFixed(5))),
    examples: best.map((top) => top.sort((a, b) => b.activation - a.activation).map((entry) => ({ context: context(entry.row), activation: Number(entry.activation.toFixed(3)) }))),
    training: {
      seed: options.seed,
      texts: sample.length,
      tokens: n,
      steps: options.steps,
      l1: Number(l1.toPrecision(4)),
      varianceUnexplained: Number(varianceUnexplained.toFixed(4)),
      meanActive: Number((active / n).toFixed(2)),
    },
  };
  for (const tensor of [all, mean, decoder, encoder, encoderBias, decoderBias]) tensor.dispose();
  optimizer.dispose();
  return result;
}

function concat(rows: readonly Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, index) => out.set(row, index * width));
  return out;
}
