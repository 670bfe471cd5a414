/** Wilson score interval for a binomial proportion; well-behaved at 0% and 100%, where most cells sit. */
export function wilsonInterval(successes: number, trials: number, z = 1.959964): { low: number; high: number } {
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10, 1998) for the difference p1 − p2 of two
 * independent proportions, built from each proportion's Wilson interval. Unlike the Wald interval it
 * keeps its coverage when one rate is 0% or 100%, which is where a behaviour's rate on a model that
 * lacks it sits.
 */
export function newcombeInterval(successes1: number, trials1: number, successes2: number, trials2: number, z = 1.959964): { difference: number; low: number; high: number } {
  const p1 = trials1 === 0 ? 0 : successes1 / trials1;
  const p2 = trials2 === 0 ? 0 : successes2 / trials2;
  const one = wilsonInterval(successes1, trials1, z);
  const two = wilsonInterval(successes2, trials2, z);
  const difference = p1 - p2;
  return {
    difference,
    low: Math.max(-1, difference - Math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2)),
    high: Math.min(1, difference + Math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2)),
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** ln C(n, k), by summing logs: exact enough for the game counts sweeps use. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/**
 * McNemar's exact test for paired wins: `onlyA` games won by A and lost by B on the same
 * environment and seed, `onlyB` the reverse. Two-sided p-value of the binomial test on the
 * discordant pairs; concordant pairs carry no information about the difference.
 */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  const smaller = Math.min(onlyA, onlyB);
  let tail = 0;
  for (let k = 0; k <= smaller; k++) tail += Math.exp(logChoose(n, k) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * A paired bootstrap for the mean difference of two scores measured on the same games, with a
 * percentile interval. Seeded: the same inputs give the same interval.
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], options: { resamples?: number; seed?: number; level?: number } = {}): { difference: number; low: number; high: number } {
  if (a.length !== b.length) throw new Error('a paired bootstrap needs two lists of the same length');
  const differences = a.map((value, index) => value - (b[index] as number));
  const difference = mean(differences);
  if (differences.length === 0) return { difference: 0, low: 0, high: 0 };
  const resamples = options.resamples ?? 2_000;
  let state = (options.seed ?? 1) >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const means = Array.from({ length: resamples }, () => {
    let sum = 0;
    for (let i = 0; i < differences.length; i++) sum += differences[Math.floor(random() * differences.length)] as number;
    return sum / differences.length;
  }).sort((x, y) => x - y);
  const alpha = (1 - (options.level ?? 0.95)) / 2;
  const at = (q: number) => means[Math.min(means.length - 1, Math.max(0, Math.floor(q * means.length)))] as number;
  return { difference, low: at(alpha), high: at(1 - alpha) };
}

export type StoppingDecision = 'continue' | 'decided' | 'limit';

/**
 * Adaptive stopping for one cell: stop once the Wilson interval lies wholly on one side of
 * `boundary` (the cell's verdict, e.g. "wins more often than not", can no longer change at this
 * confidence), or at `maxTrials`. Most cells sit near 0% or 100% and decide within a few games.
 */
export function stoppingDecision(successes: number, trials: number, options: { boundary?: number; minTrials?: number; maxTrials: number }): StoppingDecision {
  if (trials >= options.maxTrials) return 'limit';
  if (trials < (options.minTrials ?? 1)) return 'continue';
  const boundary = options.boundary ?? 0.5;
  const { low, high } = wilsonInterval(successes, trials);
  return high < boundary || low > boundary ? 'decided' : 'continue';
}

/** How many games adaptive stopping runs for a sequence of outcomes, against a fixed count. */
export function gamesWithStopping(outcomes: readonly boolean[], options: { boundary?: number; minTrials?: number; maxTrials: number }): number {
  let wins = 0;
  for (let trials = 0; trials < outcomes.length; trials++) {
    if (stoppingDecision(wins, trials, options) !== 'continue') return trials;
    if (outcomes[trials] === true) wins++;
  }
  return Math.min(outcomes.length, options.maxTrials);
}
