import { describe, expect, it } from 'vitest';
import { gamesWithStopping, mcnemarExact, mean, newcombeInterval, pairedBootstrap, stoppingDecision, wilsonInterval } from './stats.js';

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

describe('newcombeInterval', () => {
  // Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (hybrid score).
  const cases: Array<[number, number, number, number, number, number]> = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ];
  it.each(cases)('matches the published interval for %i/%i − %i/%i', (s1, n1, s2, n2, low, high) => {
    const interval = newcombeInterval(s1, n1, s2, n2);
    expect(interval.difference).toBeCloseTo(s1 / n1 - s2 / n2, 10);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('is antisymmetric: swapping the groups negates the interval', () => {
    const forward = newcombeInterval(7, 20, 2, 15);
    const backward = newcombeInterval(2, 15, 7, 20);
    expect(backward.low).toBeCloseTo(-forward.high, 10);
    expect(backward.high).toBeCloseTo(-forward.low, 10);
  });
});

describe('mcnemarExact', () => {
  it('matches the exact binomial test on the discordant pairs', () => {
    // 1 vs 9 discordant: 2 × (C(10,0) + C(10,1)) / 2^10 = 22 / 1024.
    expect(mcnemarExact(1, 9)).toBeCloseTo(22 / 1024, 10);
    expect(mcnemarExact(9, 1)).toBeCloseTo(22 / 1024, 10);
    // 0 vs 6: 2 / 64.
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 10);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });
});

describe('pairedBootstrap', () => {
  it('centres on the mean paired difference, is reproducible, and excludes 0 for a clear difference', () => {
    const a = [1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1];
    const b = [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0];
    const result = pairedBootstrap(a, b, { seed: 3 });
    expect(result.difference).toBeCloseTo(8 / 12, 10);
    expect(pairedBootstrap(a, b, { seed: 3 })).toEqual(result);
    expect(result.low).toBeGreaterThan(0);
    expect(result.high).toBeLessThanOrEqual(1);
    const same = pairedBootstrap(a, a, { seed: 3 });
    expect([same.low, same.difference, same.high]).toEqual([0, 0, 0]);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow();
  });
});

describe('adaptive stopping', () => {
  it('stops a 0% cell after 4 games and a 100% cell after 4, since the Wilson interval then excludes 50%', () => {
    // Wilson upper bound for 0 of n is z²/(n + z²): 0.5615 at n = 3, 0.4899 at n = 4.
    expect(stoppingDecision(0, 3, { maxTrials: 20 })).toBe('continue');
    expect(stoppingDecision(0, 4, { maxTrials: 20 })).toBe('decided');
    expect(stoppingDecision(4, 4, { maxTrials: 20 })).toBe('decided');
    expect(stoppingDecision(5, 10, { maxTrials: 20 })).toBe('continue');
    expect(stoppingDecision(10, 20, { maxTrials: 20 })).toBe('limit');
  });

  it('counts the games it saves against a fixed count', () => {
    expect(gamesWithStopping(Array<boolean>(20).fill(false), { maxTrials: 20 })).toBe(4);
    expect(gamesWithStopping(Array<boolean>(20).fill(true), { maxTrials: 20 })).toBe(4);
    const mixed = Array.from({ length: 20 }, (_, index) => index % 2 === 0);
    expect(gamesWithStopping(mixed, { maxTrials: 20 })).toBe(20);
  });
});
