import type { TransformerConfig } from '../contracts/micro-organism.js';

// The micro transformer (transformer.ts) written out as an ONNX graph, so onnxruntime can run the
// very same model for inference. transformer.ts stays the definition: training and gradients use it
// alone, and the conformance tests hold this graph to it. Standard ops only, opset 17.
//
// One graph serves every inference call. Its batch and lengths are symbolic, so the same session runs
// a whole prompt (no past) and each sampling step (one new token against the cached keys). Residual
// hooks are inputs: per layer, a unit direction projected out, a vector added, and noise added, in
// that order, as transformer.ts applies them. Zeros leave the stream exactly as it is.

export type NamedWeights = ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>;

// --- a minimal protobuf writer: only the fields ModelProto needs ---
function varint(value: number): number[] {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

type Bytes = Uint8Array;
const concat = (parts: readonly Bytes[]): Bytes => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
const key = (field: number, wire: number): Bytes => Uint8Array.from(varint((field << 3) | wire));
const int = (field: number, value: number): Bytes => concat([key(field, 0), Uint8Array.from(varint(value))]);
const bytes = (field: number, body: Bytes): Bytes => concat([key(field, 2), Uint8Array.from(varint(body.length)), body]);
const text = (field: number, value: string): Bytes => bytes(field, new TextEncoder().encode(value));
const float = (field: number, value: number): Bytes => {
  const body = new Uint8Array(4);
  new DataView(body.buffer).setFloat32(0, value, true);
  return concat([key(field, 5), body]);
};
const message = (field: number, parts: readonly Bytes[]): Bytes => bytes(field, concat(parts));

const FLOAT = 1;
const INT64 = 7;

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
function attribute(name: string, value: number | readonly number[]): Bytes {
  if (typeof value !== 'number') return message(5, [text(1, name), ...value.map((v) => int(8, v)), int(20, 7)]);
  if (Number.isInteger(value)) return message(5, [text(1, name), int(3, value), int(20, 2)]);
  return message(5, [text(1, name), float(2, value), int(20, 1)]);
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
function tensor(name: string, dims: readonly number[], type: number, values: ArrayLike<number>): Bytes {
  const raw = type === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer);
  return message(5, [...dims.map((d) => int(1, d)), int(2, type), text(8, name), bytes(9, raw)]);
}

// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1
// (a number) or dim_param 2 (a symbolic name).
const dimension = (d: number | string): Bytes => message(1, [typeof d === 'string' ? text(2, d) : int(1, d)]);
const valueInfo = (field: number, name: string, type: number, dims: readonly (number | string)[]): Bytes =>
  message(field, [text(1, name), message(2, [message(1, [int(1, type), message(2, dims.map(dimension))])])]);

/** Names of the graph's inputs and outputs, per layer where they repeat. */
export const graphNames = {
  pastK: (layer: number) => `past_k.${layer}`,
  pastV: (layer: number) => `past_v.${layer}`,
  presentK: (layer: number) => `present_k.${layer}`,
  presentV: (layer: number) => `present_v.${layer}`,
  /** Residual-stream hook inputs at stream `layer` (0 is the embedding output). */
  unit: (layer: number) => `unit.${layer}`,
  add: (layer: number) => `add.${layer}`,
  noise: (layer: number) => `noise.${layer}`,
  residual: (layer: number) => `residual.${layer}`,
};

/**
 * The inference graph for `config` and `weights` (the names `Transformer.weights()` gives).
 *
 * Inputs: `ids`, `positions` [batch, new] (int64; rows of the position table); `mask` [batch, 1, new,
 * past + new] (0 or -1e9: causal and padding); per block `past_k.l`, `past_v.l` [batch, heads, past, dh];
 * per stream 0..layers `unit.l` and `add.l` [dModel], and `noise.l`, which broadcasts against [batch,
 * new, dModel] ([1, 1, dModel] of zeros when there is none).
 *
 * Outputs: `logits` [batch, new, vocab], `residual.l` [batch, new, dModel] after the hooks, and the
 * caches `present_k.l`, `present_v.l` [batch, heads, past + new, dh].
 */
export function inferenceGraph(config: TransformerConfig, weights: NamedWeights): Uint8Array {
  const { dModel: d, heads, vocabSize, layers } = config;
  const dh = d / heads;
  const nodes: Bytes[] = [];
  const initializers: Bytes[] = [];
  let counter = 0;
  const fresh = (hint: string) => `${hint}_${++counter}`;
  const node = (op: string, inputs: readonly string[], attributes: Record<string, number | readonly number[]> = {}, output = fresh(op)) => {
    nodes.push(
      message(1, [...inputs.map((input) => text(1, input)), text(2, output), text(3, fresh(`n_${op}`)), text(4, op), ...Object.entries(attributes).map(([name, value]) => attribute(name, value))]),
    );
    return output;
  };
  const constant = (name: string, dims: readonly number[], values: ArrayLike<number>, type = FLOAT) => {
    initializers.push(tensor(name, dims, type, values));
    return name;
  };
  const weight = (name: string) => {
    const entry = weights.get(name);
    if (entry === undefined) throw new Error(`weights have no tensor "${name}"`);
    return constant(name, entry.shape, entry.values);
  };

  const embed = weights.get('embed');
  const pos = weights.get('pos');
  if (embed === undefined || pos === undefined) throw new Error('weights have no embedding or position table');
  constant('embed', embed.shape, embed.values);
  constant('pos', pos.shape, pos.values);
  // The unembedding is the tied embedding transposed; stored transposed, the last MatMul is plain.
  const embedT = new Float32Array(d * vocabSize);
  for (let v = 0; v < vocabSize; v++) for (let j = 0; j < d; j++) embedT[j * vocabSize + v] = embed.values[v * d + j] as number;
  constant('embed_t', [d, vocabSize], embedT);
  constant('scale', [], [1 / Math.sqrt(dh)]);
  constant('gelu_k', [], [1.702]);
  constant('heads_shape', [4], [0, 0, heads, dh], INT64);
  constant('model_shape', [3], [0, 0, d], INT64);
  constant('column_shape', [2], [d, 1], INT64);

  const layerNorm = (x: string, g: string, b: string) => node('LayerNormalization', [x, weight(g), weight(b)], { axis: 2, epsilon: 1e-5 });
  const heads4 = (x: string, w: string) => node('Transpose', [node('Reshape', [node('MatMul', [x, weight(w)]), 'heads_shape'])], { perm: [0, 2, 1, 3] });

  /** The hooks at stream `layer`: x − (x·u)u, then + add, then + noise. The stream is also an output. */
  const hook = (x: string, layer: number) => {
    const unit = graphNames.unit(layer);
    const along = node('MatMul', [x, node('Reshape', [unit, 'column_shape'])]);
    const projected = node('Sub', [x, node('Mul', [along, unit])]);
    const added = node('Add', [projected, graphNames.add(layer)]);
    return node('Add', [added, graphNames.noise(layer)], {}, graphNames.residual(layer));
  };

  const block = (x: string, l: number) => {
    const p = `blocks.${l}`;
    const h = layerNorm(x, `${p}.ln1.g`, `${p}.ln1.b`);
    const q = heads4(h, `${p}.attn.wq`);
    const k = node('Concat', [graphNames.pastK(l), heads4(h, `${p}.attn.wk`)], { axis: 2 }, graphNames.presentK(l));
    const v = node('Concat', [graphNames.pastV(l), heads4(h, `${p}.attn.wv`)], { axis: 2 }, graphNames.presentV(l));
    const kT = node('Transpose', [k], { perm: [0, 1, 3, 2] });
    const scores = node('Add', [node('Mul', [node('MatMul', [q, kT]), 'scale']), 'mask']);
    const attended = node('MatMul', [node('Softmax', [scores], { axis: 3 }), v]);
    const merged = node('Reshape', [node('Transpose', [attended], { perm: [0, 2, 1, 3] }), 'model_shape']);
    const afterAttention = node('Add', [x, node('MatMul', [merged, weight(`${p}.attn.wo`)])]);
    const h2 = layerNorm(afterAttention, `${p}.ln2.g`, `${p}.ln2.b`);
    const pre = node('Add', [node('MatMul', [h2, weight(`${p}.mlp.w1`)]), weight(`${p}.mlp.b1`)]);
    const hidden = node('Mul', [pre, node('Sigmoid', [node('Mul', [pre, 'gelu_k'])])]);
    const mlp = node('Add', [node('MatMul', [hidden, weight(`${p}.mlp.w2`)]), weight(`${p}.mlp.b2`)]);
    return node('Add', [afterAttention, mlp]);
  };

  let x = hook(node('Add', [node('Gather', ['embed', 'ids'], { axis: 0 }), node('Gather', ['pos', 'positions'], { axis: 0 })]), 0);
  for (let l = 0; l < layers; l++) x = hook(block(x, l), l + 1);
  node('MatMul', [layerNorm(x, 'lnf.g', 'lnf.b'), 'embed_t'], {}, 'logits');

  const inputs: Array<[string, number, Array<number | string>]> = [
    ['ids', INT64, ['batch', 'new']],
    ['positions', INT64, ['batch', 'new']],
    ['mask', FLOAT, ['batch', 1, 'new', 'total']],
  ];
  const outputs: Array<[string, number, Array<number | string>]> = [['logits', FLOAT, ['batch', 'new', vocabSize]]];
  for (let l = 0; l < layers; l++) {
    inputs.push([graphNames.pastK(l), FLOAT, ['batch', heads, 'past', dh]], [graphNames.pastV(l), FLOAT, ['batch', heads, 'past', dh]]);
    outputs.push([graphNames.presentK(l), FLOAT, ['batch', heads, 'total', dh]], [graphNames.presentV(l), FLOAT, ['batch', heads, 'total', dh]]);
  }
  for (let l = 0; l <= layers; l++) {
    inputs.push([graphNames.unit(l), FLOAT, [d]], [graphNames.add(l), FLOAT, [d]], [graphNames.noise(l), FLOAT, [`noise_batch.${l}`, `noise_new.${l}`, d]]);
    outputs.push([graphNames.residual(l), FLOAT, ['batch', 'new', d]]);
  }

  // GraphProto: node 1, name 2, initializer 5, input 11, output 12. ModelProto: ir_version 1,
  // producer_name 2, graph 7, opset_import 8 (domain 1, version 2).
  const graph = concat([
    ...nodes,
    text(2, 'micro_transformer'),
    ...initializers,
    ...inputs.map(([name, type, dims]) => valueInfo(11, name, type, dims)),
    ...outputs.map(([name, type, dims]) => valueInfo(12, name, type, dims)),
  ]);
  return concat([int(1, 8), text(2, 'auditgym'), message(7, [graph]), message(8, [text(1, ''), int(2, 17)])]);
}
