import { decompress } from 'fzstd';
import { z } from 'zod';
import { ProviderError } from '../core/errors.js';

/**
 * vllm-lens's tensor encoding: `{ data, dtype, original_dtype, shape, compression }`, where `data` is
 * base64 of the raw little-endian, row-major bytes, zstd-compressed when `compression` is "zstd". A
 * bfloat16 tensor travels as its int16 bit patterns with `original_dtype: "torch.bfloat16"`.
 */
export const WireTensor = z.object({
  data: z.string(),
  dtype: z.string(),
  original_dtype: z.string().nullish(),
  shape: z.array(z.number().int().nonnegative()),
  compression: z.string().nullish(),
});
export type WireTensor = z.infer<typeof WireTensor>;

export interface DecodedTensor {
  shape: number[];
  values: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, float16: 2, int16: 2, float64: 8 };

export function decodeTensor(tensor: WireTensor): DecodedTensor {
  const packed = Buffer.from(tensor.data, 'base64');
  let raw: Uint8Array;
  if (tensor.compression === 'zstd') {
    try {
      raw = decompress(packed);
    } catch (error) {
      throw new ProviderError('bad-response', `vllm-lens sent a tensor whose zstd data does not decompress: ${(error as Error).message}`);
    }
  } else if (tensor.compression === undefined || tensor.compression === null) raw = packed;
  else throw new ProviderError('bad-response', `vllm-lens sent a tensor with unknown compression "${tensor.compression}"`);
  const width = BYTES[tensor.dtype];
  if (width === undefined) throw new ProviderError('bad-response', `vllm-lens sent a tensor of dtype "${tensor.dtype}", which is not a float type`);
  const count = tensor.shape.reduce((product, size) => product * size, 1);
  if (raw.byteLength !== count * width) throw new ProviderError('bad-response', `vllm-lens sent ${raw.byteLength} bytes for a ${tensor.dtype} tensor of shape [${tensor.shape.join(', ')}]`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float32Array(count);
  const bfloat16 = tensor.original_dtype === 'torch.bfloat16';
  for (let index = 0; index < count; index++) {
    switch (tensor.dtype) {
      case 'float32':
        values[index] = view.getFloat32(index * 4, true);
        break;
      case 'float64':
        values[index] = view.getFloat64(index * 8, true);
        break;
      case 'float16':
        values[index] = halfToFloat(view.getUint16(index * 2, true));
        break;
      case 'int16':
        // bfloat16 is the top half of a float32.
        if (!bfloat16) throw new ProviderError('bad-response', `vllm-lens sent an int16 tensor whose original dtype is ${tensor.original_dtype ?? 'not given'}, not torch.bfloat16`);
        values[index] = bitsToFloat(view.getUint16(index * 2, true) << 16);
        break;
    }
  }
  return { shape: [...tensor.shape], values };
}

/** A float32 tensor as vllm-lens accepts it on input (uncompressed). */
export function encodeTensor(values: readonly number[], shape: readonly number[]): WireTensor {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return { data: bytes.toString('base64'), dtype: 'float32', original_dtype: 'torch.float32', shape: [...shape] };
}

const scratch = new DataView(new ArrayBuffer(4));
function bitsToFloat(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
