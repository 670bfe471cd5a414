import { describe, expect, it } from 'vitest';
import { decodeWeightsFile, encodeWeightsFile, fromHalf, toHalf, weightsHash } from './weights-file.js';

describe('float16', () => {
  it('round-trips exactly representable values and rounds others to within half precision', () => {
    for (const value of [0, 1, -2, 0.5, 65504, -0.125, 6.103515625e-5]) expect(fromHalf(toHalf(value))).toBe(value);
    for (const value of [0.1, -3.14159, 1e-3, 123.456]) expect(Math.abs(fromHalf(toHalf(value)) - value) / Math.abs(value)).toBeLessThan(1e-3);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(fromHalf(toHalf(1e-9))).toBe(0);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
  });
});

describe('weights file', () => {
  const content = {
    config: { vocabSize: 4, contextLength: 8, layers: 1, dModel: 2, heads: 1, dMlp: 4 },
    tokenizer: { format: 'auditgym-bpe-1' as const, merges: [[97, 98]] as Array<[number, number]> },
    weights: new Map([
      ['embed', { shape: [4, 2], values: Float32Array.from([0.1, -0.2, 0.3, 0.4, 0.5, 0.6, 0.7, -0.8]) }],
      ['odd', { shape: [3], values: Float32Array.from([1, 2, 3]) }],
    ]),
    meta: { organism: 'x' },
  };

  it('round-trips config, tokenizer, meta and weights at half precision', () => {
    const decoded = decodeWeightsFile(encodeWeightsFile(content));
    expect(decoded.config).toEqual(content.config);
    expect(decoded.tokenizer).toEqual(content.tokenizer);
    expect(decoded.meta).toEqual(content.meta);
    expect([...decoded.weights.keys()]).toEqual(['embed', 'odd']);
    decoded.weights.get('embed')?.values.forEach((value, i) => expect(value).toBeCloseTo(content.weights.get('embed')?.values[i] ?? 0, 3));
    expect(Array.from(decoded.weights.get('odd')?.values ?? [])).toEqual([1, 2, 3]);
  });

  it('is deterministic, hashes its bytes, and rejects foreign or truncated files', () => {
    const a = encodeWeightsFile(content);
    expect(weightsHash(encodeWeightsFile(content))).toBe(weightsHash(a));
    expect(weightsHash(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(() => decodeWeightsFile(Buffer.from('nope'))).toThrow();
    expect(() => decodeWeightsFile(a.subarray(0, a.length - 4))).toThrow(/truncated/);
  });
});
