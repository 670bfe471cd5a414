// Shared by the benchmarks: timing, the machine's description, and the result format that
// run-all.mjs turns into the table in bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(benchDir, '..');
export const resultsDir = join(benchDir, 'results');

export function machine() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Seconds per call: one warm-up call, then as many calls as fit in `minSeconds`. */
export async function secondsPerCall(fn, minSeconds = 1.5, warmUp = true) {
  if (warmUp) await fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) {
    await fn();
    runs++;
  }
  return (performance.now() - start) / 1000 / runs;
}

/**
 * Seconds per call of each function, measured in alternating rounds and reduced to the median, so a
 * slowdown of the machine partway through falls on every side of a comparison alike.
 */
export async function alternate(fns, { rounds = 5, secondsPerRound = 0.4 } = {}) {
  const samples = fns.map(() => []);
  for (const fn of fns) await fn();
  for (let round = 0; round < rounds; round++) {
    for (const [index, fn] of fns.entries()) samples[index].push(await secondsPerCall(fn, secondsPerRound, false));
  }
  return samples.map((list) => median(list));
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * One line of the summary table. `measured` and `reference` are { value, unit, label? }: the reference
 * is always measured in the same run. `ratio` is measured ÷ reference unless the figure defines it
 * otherwise (then `ratioNote` says how). `goal` is null, or { text, met }.
 */
export function row({ figure, measured, reference, ratio, ratioNote, goal = null }) {
  return { figure, measured, reference, ratio: ratio ?? measured.value / reference.value, ...(ratioNote === undefined ? {} : { ratioNote }), goal };
}

export function writeResult(name, result) {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return file;
}

export const log = (...parts) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
