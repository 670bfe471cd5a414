import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TokenizerFile } from './tokenizer.js';
import { TransformerConfig } from './transformer.js';

/**
 * The weights file: `AGW1`, a little-endian uint32 header length, a JSON header, then the tensors as
 * IEEE float16, each at a 4-byte aligned offset. One file holds everything needed to run an
 * organism: model config, tokenizer and weights. Half precision halves the size of the committed
 * zoo; these models lose nothing measurable from it.
 */
const MAGIC = 'AGW1';

const Header = z.strictObject({
  format: z.literal('auditgym-weights-1'),
  dtype: z.literal('float16'),
  config: TransformerConfig,
  tokenizer: TokenizerFile,
  tensors: z.array(z.strictObject({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() })),
  meta: z.record(z.string(), z.unknown()).default({}),
});

export interface WeightsContent {
  config: TransformerConfig;
  tokenizer: TokenizerFile;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
  meta: Record<string, unknown>;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, rounding to nearest even; overflow saturates to infinity. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function encodeWeightsFile(content: WeightsContent): Buffer {
  const tensors: Array<{ name: string; shape: number[]; offset: number }> = [];
  let offset = 0;
  for (const [name, { shape }] of content.weights) {
    tensors.push({ name, shape, offset });
    const size = shape.reduce((a, b) => a * b, 1);
    offset += Math.ceil((size * 2) / 4) * 4;
  }
  const header = Buffer.from(JSON.stringify({ format: 'auditgym-weights-1', dtype: 'float16', config: content.config, tokenizer: content.tokenizer, tensors, meta: content.meta }), 'utf8');
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const out = Buffer.alloc(8 + headerPadded + offset, 0x20);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(headerPadded, 4);
  header.copy(out, 8);
  const data = 8 + headerPadded;
  out.fill(0, data);
  for (const tensor of tensors) {
    const { values } = content.weights.get(tensor.name) as { values: Float32Array };
    for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalf(values[i] as number), data + tensor.offset + i * 2);
  }
  return out;
}

export function decodeWeightsFile(buffer: Buffer): WeightsContent {
  if (buffer.length < 8 || buffer.toString('ascii', 0, 4) !== MAGIC) throw new Error('not an auditgym weights file');
  const headerLength = buffer.readUInt32LE(4);
  const header = Header.parse(JSON.parse(buffer.toString('utf8', 8, 8 + headerLength).trimEnd()));
  const data = 8 + headerLength;
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const tensor of header.tensors) {
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (data + tensor.offset + size * 2 > buffer.length) throw new Error(`weights file is truncated in tensor ${tensor.name}`);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = fromHalf(buffer.readUInt16LE(data + tensor.offset + i * 2));
    weights.set(tensor.name, { shape: tensor.shape, values });
  }
  return { config: header.config, tokenizer: header.tokenizer, weights, meta: header.meta };
}

/** The content hash a spec records for its weights: SHA-256 of the file's bytes. */
export function weightsHash(buffer: Buffer): string {
  return `sha256:${createHash('sha256').update(buffer).digest('hex')}`;
}
