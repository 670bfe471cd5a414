import { describe, expect, it } from 'vitest';
import { drainConcurrent } from './pool.js';

const tick = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('drainConcurrent', () => {
  it('runs items that finished items add, under the limit, until none are left', async () => {
    let active = 0;
    let peak = 0;
    const seen: string[] = [];
    // Each chain a, b, c continues to depth 3: a0 → a1 → a2.
    await drainConcurrent(['a0', 'b0', 'c0'], 2, async (item) => {
      active++;
      peak = Math.max(peak, active);
      await tick(item.startsWith('b') ? 5 : 1);
      seen.push(item);
      active--;
      const depth = Number(item.slice(1));
      return depth < 2 ? [`${item[0]}${depth + 1}`] : [];
    });
    expect(peak).toBe(2);
    expect(seen.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2']);
  });

  it('does not wait for a slow chain before continuing a fast one', async () => {
    const order: string[] = [];
    await drainConcurrent(['slow', 'fast0'], 2, async (item) => {
      await tick(item === 'slow' ? 30 : 1);
      order.push(item);
      return item.startsWith('fast') && item !== 'fast3' ? [`fast${Number(item.slice(4)) + 1}`] : [];
    });
    expect(order.indexOf('fast3')).toBeLessThan(order.indexOf('slow'));
  });

  it('stops taking items once the signal aborts, and settles what is in flight', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await drainConcurrent(
      [0],
      1,
      async (item) => {
        seen.push(item);
        if (item === 2) controller.abort();
        await tick(1);
        return [item + 1];
      },
      controller.signal,
    );
    expect(seen).toEqual([0, 1, 2]);
  });

  it('resolves at once on an empty queue, and rejects on a programmer error', async () => {
    await expect(drainConcurrent([], 4, async () => [])).resolves.toBeUndefined();
    await expect(
      drainConcurrent([1], 4, async () => {
        throw new Error('bug');
      }),
    ).rejects.toThrow('bug');
  });
});
