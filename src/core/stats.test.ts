import { describe, expect, it } from 'vitest';
import { mean, wilsonInterval } from './stats.js';

describe('wilsonInterval', () => {
  it('matches the textbook interval for 8 of 10', () => {
    const { low, high } = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 3);
    expect(high).toBeCloseTo(0.9433, 3);
  });

  it('stays inside [0, 1] and is not degenerate at 0% and 100%', () => {
    const none = wilsonInterval(0, 12);
    expect(none.low).toBe(0);
    expect(none.high).toBeGreaterThan(0.2);
    const all = wilsonInterval(12, 12);
    expect(all.high).toBe(1);
    expect(all.low).toBeLessThan(0.8);
  });

  it('narrows as trials grow', () => {
    const small = wilsonInterval(5, 10);
    const large = wilsonInterval(500, 1000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(mean([1, 0, 0, 1])).toBe(0.5);
  });
});
