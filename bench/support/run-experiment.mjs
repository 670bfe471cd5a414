// Runs or resumes one experiment in a fresh process and prints one JSON line about it: wall time,
// when games finished, and memory as games finish. A fresh process per measurement keeps one run's
// heap, caches and JIT state out of the next one's figures.
//
//   node --expose-gc bench/support/run-experiment.mjs '<json>'
//
// The JSON holds `db` and `keys` (a scratch store and key folder), then either `spec` (run it) or
// `resume` (an experiment id), and optionally `abortAfter` (abort once that many games have finished,
// leaving the rest for a resume) and `sampleEvery` (record memory every that many finished games,
// after a full garbage collection, so the figure is what is retained rather than what awaits collection).
import { runExperimentSpec, resumeExperiment } from '../../dist/app/experiments.js';

const request = JSON.parse(process.argv[2] ?? '{}');
const controller = new AbortController();
const env = { AUDITGYM_KEYS: request.keys, NO_COLOR: '1' };
const megabytes = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

const started = performance.now();
let firstDone;
let baseline;
const finishTimes = [];
const memory = [];
// Node's fetch registers a finalizer per request, and finalizers run in a later task than the
// collection that frees their objects: a sample collects, lets them run, and collects again, so
// that what it reads is retained and not merely awaiting cleanup.
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const sample = async (finished) => {
  globalThis.gc?.();
  await settle();
  globalThis.gc?.();
  await settle();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  memory.push({ finished, rssMiB: megabytes(usage.rss), heapUsedMiB: megabytes(usage.heapUsed), peakRssMiB: megabytes(process.resourceUsage().maxRSS * 1024) });
};
const pending = [];
const onProgress = ({ done }) => {
  baseline ??= done;
  const finished = done - baseline;
  if (finished <= 0 || finishTimes.length >= finished) return;
  const seconds = (performance.now() - started) / 1000;
  firstDone ??= seconds;
  finishTimes.push(seconds);
  if (request.sampleEvery !== undefined && finished % request.sampleEvery === 0) pending.push(sample(finished));
  if (request.abortAfter !== undefined && finished >= request.abortAfter) controller.abort();
};
if (request.sampleEvery !== undefined) await sample(0);

const options = { cwd: process.cwd(), env, db: request.db, signal: controller.signal, onProgress };
const run = request.resume === undefined ? await runExperimentSpec(request.spec, options) : await resumeExperiment(request.resume, options);
const seconds = (performance.now() - started) / 1000;
await Promise.all(pending);
memory.sort((a, b) => a.finished - b.finished);
console.log(
  JSON.stringify({
    seconds,
    firstFinishSeconds: firstDone ?? null,
    finishTimes,
    memory,
    peakRssMiB: megabytes(process.resourceUsage().maxRSS * 1024),
    summary: { total: run.total, finished: run.finished, failed: run.failed, skipped: run.skipped, interrupted: run.interrupted, errors: run.errors.slice(0, 3) },
  }),
);
