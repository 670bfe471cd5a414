// Exports the micro transformer (src/micro/transformer.ts) to ONNX, so onnxruntime-node can run the
// very same model as the peer it is compared with. Standard ops only, opset 17: Gather, Add,
// LayerNormalization, MatMul, Reshape, Transpose, Mul, Softmax, Sigmoid, Concat, Slice.
//
// Two graphs: the full forward pass at a fixed [batch, time] (its causal mask and position rows are
// constants, as the shapes never change within a benchmark), and a KV-cache decoder whose new and
// cached lengths are symbolic, so one session serves the prefill and every sampling step.

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
const float = (number, value) => {
  const body = Buffer.alloc(4);
  body.writeFloatLE(value);
  return Buffer.concat([key(number, 5), body]);
};
const message = (number, parts) => bytes(number, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
const attribute = (name, value) => {
  if (Array.isArray(value)) return message(5, [text(1, name), ...value.map((v) => int(8, v)), int(20, 7)]);
  if (Number.isInteger(value)) return message(5, [text(1, name), int(3, value), int(20, 2)]);
  return message(5, [text(1, name), float(2, value), int(20, 1)]);
};

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
const tensor = (name, dims, type, values) => {
  const raw = type === FLOAT ? Buffer.from(Float32Array.from(values).buffer) : Buffer.from(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
  return message(5, [...dims.map((d) => int(1, d)), int(2, type), text(8, name), bytes(9, raw)]);
};

// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 →
// dim_value 1 (a number) or dim_param 2 (a symbolic name, for lengths that change between runs).
const dimension = (d) => message(1, [typeof d === 'string' ? text(2, d) : int(1, d)]);
const valueInfo = (number, name, type, dims) => message(number, [text(1, name), message(2, [message(1, [int(1, type), message(2, dims.map(dimension))])])]);

/** A graph under construction: nodes, initializers, and the transformer's building blocks. */
function graphBuilder(config, weights) {
  const { dModel: d, heads, vocabSize } = config;
  const dh = d / heads;
  const nodes = [];
  const initializers = [];
  let counter = 0;
  const fresh = (hint) => `${hint}_${++counter}`;
  const node = (op, inputs, attributes = {}, output = fresh(op)) => {
    nodes.push(
      message(1, [...inputs.map((input) => text(1, input)), text(2, output), text(3, fresh(`n_${op}`)), text(4, op), ...Object.entries(attributes).map(([name, value]) => attribute(name, value))]),
    );
    return output;
  };
  const constant = (name, dims, values, type = FLOAT) => {
    initializers.push(tensor(name, dims, type, values));
    return name;
  };
  const weight = (name) => {
    const entry = weights.get(name);
    if (entry === undefined) throw new Error(`weights have no tensor "${name}"`);
    return constant(name, entry.shape, entry.values);
  };

  const embed = weights.get('embed');
  constant('embed', embed.shape, embed.values);
  // Row i of the unembedding is column i of the tied embedding; a stored transpose keeps the final
  // MatMul plain, as tfjs's transposeLast + matMul is.
  const embedT = new Float32Array(d * vocabSize);
  for (let v = 0; v < vocabSize; v++) for (let j = 0; j < d; j++) embedT[j * vocabSize + v] = embed.values[v * d + j];
  constant('embed_t', [d, vocabSize], embedT);
  constant('scale', [], [1 / Math.sqrt(dh)]);
  constant('gelu_k', [], [1.702]);
  constant('heads_shape', [4], [0, 0, heads, dh], INT64);
  constant('model_shape', [3], [0, 0, d], INT64);

  const layerNorm = (x, g, b) => node('LayerNormalization', [x, weight(g), weight(b)], { axis: 2, epsilon: 1e-5 });
  const heads4 = (x, w) => node('Transpose', [node('Reshape', [node('MatMul', [x, weight(w)]), 'heads_shape'])], { perm: [0, 2, 1, 3] });

  /**
   * One pre-norm block. `cache` (optional) gives the layer's past keys and values, [batch, heads,
   * past, dh]; the block then returns the concatenated ones too. `mask` broadcasts over [batch, heads].
   */
  const block = (x, l, mask, cache) => {
    const p = `blocks.${l}`;
    const h = layerNorm(x, `${p}.ln1.g`, `${p}.ln1.b`);
    const q = heads4(h, `${p}.attn.wq`);
    let k = heads4(h, `${p}.attn.wk`);
    let v = heads4(h, `${p}.attn.wv`);
    if (cache !== undefined) {
      k = node('Concat', [cache.k, k], { axis: 2 }, cache.presentK);
      v = node('Concat', [cache.v, v], { axis: 2 }, cache.presentV);
    }
    const kT = node('Transpose', [k], { perm: [0, 1, 3, 2] });
    const scores = node('Add', [node('Mul', [node('MatMul', [q, kT]), 'scale']), mask]);
    const attended = node('MatMul', [node('Softmax', [scores], { axis: 3 }), v]);
    const merged = node('Reshape', [node('Transpose', [attended], { perm: [0, 2, 1, 3] }), 'model_shape']);
    const afterAttention = node('Add', [x, node('MatMul', [merged, weight(`${p}.attn.wo`)])]);
    const h2 = layerNorm(afterAttention, `${p}.ln2.g`, `${p}.ln2.b`);
    const pre = node('Add', [node('MatMul', [h2, weight(`${p}.mlp.w1`)]), weight(`${p}.mlp.b1`)]);
    const hidden = node('Mul', [pre, node('Sigmoid', [node('Mul', [pre, 'gelu_k'])])]);
    const mlp = node('Add', [node('MatMul', [hidden, weight(`${p}.mlp.w2`)]), weight(`${p}.mlp.b2`)]);
    return node('Add', [afterAttention, mlp]);
  };
  const unembed = (x, output) => node('MatMul', [layerNorm(x, 'lnf.g', 'lnf.b'), 'embed_t'], {}, output);

  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (domain 1, version 2).
  // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
  const model = (name, inputs, outputs) => {
    const graph = Buffer.concat([
      ...nodes,
      text(2, name),
      ...initializers,
      ...inputs.map(([input, type, dims]) => valueInfo(11, input, type, dims)),
      ...outputs.map(([output, type, dims]) => valueInfo(12, output, type, dims)),
    ]);
    return Buffer.concat([int(1, 8), text(2, 'auditgym-bench'), message(7, [graph]), message(8, [text(1, ''), int(2, 17)])]);
  };
  return { node, constant, weight, block, unembed, model };
}

/**
 * The full forward pass for `weights` (the map Transformer.weights() returns, or a weights file's) and
 * `config`, at a fixed `ids` shape [batch, time] (int64). Output `logits`: [batch, time, vocab].
 */
export function exportTransformer(config, weights, { batch, time }) {
  const g = graphBuilder(config, weights);
  const { dModel: d, layers, vocabSize } = config;
  g.constant('pos_rows', [time, d], weights.get('pos').values.subarray(0, time * d));
  const mask = new Float32Array(time * time);
  for (let q = 0; q < time; q++) for (let k = q + 1; k < time; k++) mask[q * time + k] = -1e9;
  g.constant('causal_mask', [time, time], mask);
  let x = g.node('Add', [g.node('Gather', ['embed', 'ids'], { axis: 0 }), 'pos_rows']);
  for (let l = 0; l < layers; l++) x = g.block(x, l, 'causal_mask');
  g.unembed(x, 'logits');
  return g.model('micro_transformer', [['ids', INT64, [batch, time]]], [['logits', FLOAT, [batch, time, vocabSize]]]);
}

/**
 * A KV-cache decoder for the same model. Inputs: `ids` [batch, new] (int64), `positions` [batch, new]
 * (int64, rows into the position table), `mask` [batch, 1, new, past + new] (0 or -1e9: causal and
 * padding), and per layer `past_k.l`, `past_v.l` [batch, heads, past, dh]. Outputs: `logits` of the
 * last position [batch, 1, vocab] (all that sampling reads) and `present_k.l`, `present_v.l`.
 * `past` may be 0, so the prefill is the same session with empty caches.
 */
export function exportDecoder(config, weights, { batch }) {
  const g = graphBuilder(config, weights);
  const { heads, dModel: d, layers, vocabSize } = config;
  const dh = d / heads;
  const pos = weights.get('pos');
  g.constant('pos', pos.shape, pos.values);
  g.constant('last_start', [1], [-1], INT64);
  g.constant('last_end', [1], [2 ** 31], INT64);
  g.constant('time_axis', [1], [1], INT64);
  let x = g.node('Add', [g.node('Gather', ['embed', 'ids'], { axis: 0 }), g.node('Gather', ['pos', 'positions'], { axis: 0 })]);
  const inputs = [
    ['ids', INT64, [batch, 'new']],
    ['positions', INT64, [batch, 'new']],
    ['mask', FLOAT, [batch, 1, 'new', 'total']],
  ];
  const outputs = [['logits', FLOAT, [batch, 1, vocabSize]]];
  for (let l = 0; l < layers; l++) {
    const cache = { k: `past_k.${l}`, v: `past_v.${l}`, presentK: `present_k.${l}`, presentV: `present_v.${l}` };
    inputs.push([cache.k, FLOAT, [batch, heads, 'past', dh]], [cache.v, FLOAT, [batch, heads, 'past', dh]]);
    outputs.push([cache.presentK, FLOAT, [batch, heads, 'total', dh]], [cache.presentV, FLOAT, [batch, heads, 'total', dh]]);
    x = g.block(x, l, 'mask', cache);
  }
  const last = g.node('Slice', [x, 'last_start', 'last_end', 'time_axis']);
  g.unembed(last, 'logits');
  return g.model('micro_decoder', inputs, outputs);
}

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
