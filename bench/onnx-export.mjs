// The micro transformer on onnxruntime-node is auditgym's own inference graph
// (src/micro/onnx-graph.ts, built into dist/), with feeds that leave its hooks off. This file adds a
// one-node matmul graph, for measuring onnxruntime's matmul alone.
import { graphNames, inferenceGraph } from '../dist/micro/onnx-graph.js';
import { attentionMask } from '../dist/micro/onnx-runtime.js';

// --- a small protobuf writer over Buffers (weights make the messages large) ---
const varint = (value) => {
  let n = BigInt.asUintN(64, BigInt(value));
  const out = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
};
const key = (number, wire) => varint((number << 3) | wire);
const int = (number, value) => Buffer.concat([key(number, 0), varint(value)]);
const bytes = (number, payload) => {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.concat([key(number, 2), varint(body.length), body]);
};
const text = (number, value) => bytes(number, Buffer.from(value, 'utf8'));
const message = (number, parts) => bytes(number, Buffer.concat(parts));
const FLOAT = 1;

// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 →
// dim_value 1 (a number) or dim_param 2 (a symbolic name, for lengths that change between runs).
const dimension = (d) => message(1, [typeof d === 'string' ? text(2, d) : int(1, d)]);
const valueInfo = (number, name, type, dims) => message(number, [text(1, name), message(2, [message(1, [int(1, type), message(2, dims.map(dimension))])])]);

/**
 * Inputs for auditgym's own inference graph (src/micro/onnx-graph.ts) that leave every hook off: zero
 * directions and vectors, no noise, and empty caches.
 */
function hookFeeds(ort, config, batch) {
  const { dModel: d, heads, layers } = config;
  const feeds = {};
  const zeros = new ort.Tensor('float32', new Float32Array(d), [d]);
  const noNoise = new ort.Tensor('float32', new Float32Array(d), [1, 1, d]);
  const empty = new ort.Tensor('float32', new Float32Array(0), [batch, heads, 0, d / heads]);
  for (let l = 0; l < layers; l++) Object.assign(feeds, { [graphNames.pastK(l)]: empty, [graphNames.pastV(l)]: empty });
  for (let l = 0; l <= layers; l++) Object.assign(feeds, { [graphNames.unit(l)]: zeros, [graphNames.add(l)]: zeros, [graphNames.noise(l)]: noNoise });
  return feeds;
}

/** Feeds for one full causal forward pass over `ids` [batch][time]. */
export function forwardFeeds(ort, config, ids) {
  const batch = ids.length;
  const time = ids[0].length;
  const mask = attentionMask(batch, time, 0, []);
  const int64 = (values) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from(values, (v) => BigInt(v)),
      [batch, time],
    );
  return {
    ids: int64(ids.flat()),
    positions: int64(ids.flatMap((row) => row.map((_, i) => i))),
    mask: new ort.Tensor('float32', mask, [batch, 1, time, time]),
    ...hookFeeds(ort, config, batch),
  };
}

export { inferenceGraph };

/** A one-node graph C = A·B at fixed shapes, for measuring onnxruntime's matmul alone. */
export function exportMatMul(m, k, n) {
  const nodes = [message(1, [text(1, 'A'), text(1, 'B'), text(2, 'C'), text(4, 'MatMul')])];
  const graph = Buffer.concat([...nodes, text(2, 'matmul'), valueInfo(11, 'A', FLOAT, [m, k]), valueInfo(11, 'B', FLOAT, [k, n]), valueInfo(12, 'C', FLOAT, [m, n])]);
  return Buffer.concat([int(1, 8), text(2, 'auditgym-bench'), message(7, [graph]), message(8, [text(1, ''), int(2, 17)])]);
}

/** Forward-pass matmul FLOPs per token at context `time` (attention computed over the full square, as both runtimes do). */
export function forwardFlopsPerToken(config, time) {
  const { dModel: d, dMlp, layers, vocabSize } = config;
  return 2 * (layers * (4 * d * d + 2 * d * dMlp + 2 * time * d) + d * vocabSize);
}
