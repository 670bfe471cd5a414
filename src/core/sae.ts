import type { SparseDictionary } from '../contracts/sae.js';

/** Float32 values from base64, as stored in dictionaries (no Buffer: the core runs anywhere). */
export function decodeFloats(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, Math.floor(bytes.length / 4));
}

export function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A loaded dictionary: encodes residual vectors into feature activations, and gives feature directions. */
export class Dictionary {
  readonly spec: SparseDictionary;
  readonly #encoder: Float32Array;
  readonly #encoderBias: Float32Array;
  readonly #decoder: Float32Array;
  readonly #decoderBias: Float32Array;

  constructor(spec: SparseDictionary) {
    this.spec = spec;
    this.#encoder = decodeFloats(spec.encoder);
    this.#encoderBias = decodeFloats(spec.encoderBias);
    this.#decoder = decodeFloats(spec.decoder);
    this.#decoderBias = decodeFloats(spec.decoderBias);
    if (this.#encoder.length !== spec.dModel * spec.features || this.#decoder.length !== spec.dModel * spec.features) {
      throw new Error(`dictionary for ${spec.model} has weights of the wrong size`);
    }
  }

  /** relu(W_enc (x − b_dec) + b_enc) */
  encode(x: readonly number[]): Float32Array {
    const { dModel, features } = this.spec;
    const out = Float32Array.from(this.#encoderBias);
    for (let i = 0; i < dModel; i++) {
      const centred = (x[i] ?? 0) - (this.#decoderBias[i] as number);
      if (centred === 0) continue;
      const row = i * features;
      for (let f = 0; f < features; f++) out[f] = (out[f] as number) + centred * (this.#encoder[row + f] as number);
    }
    for (let f = 0; f < features; f++) if ((out[f] as number) < 0) out[f] = 0;
    return out;
  }

  /** The feature's unit direction in the residual stream. */
  direction(feature: number): number[] {
    const { dModel } = this.spec;
    return Array.from(this.#decoder.subarray(feature * dModel, (feature + 1) * dModel));
  }
}
