// Runner benchmark: what auditgym adds on top of the model calls a game makes, how games scale with
// concurrency against a slow provider, how fast a half-finished experiment resumes, and whether
// memory grows with finished games. The target is a local OpenAI-compatible server in its own
// process (bench/support/openai-server.mjs); every experiment runs in a fresh child process
// (bench/support/run-experiment.mjs). Writes bench/results/runner.json.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBuiltinCatalog } from '../dist/app/builtin-catalog.js';
import { resolveSuite } from '../dist/app/suites.js';
import { openStore } from '../dist/store/sqlite-store.js';
import { spawnServer } from './support/openai-server.mjs';
import { log, repoRoot, row, writeResult } from './lib.mjs';

const execFileAsync = promisify(execFile);
const scratchRoot = join(repoRoot, 'tmp');
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, 'bench-runner-'));
const keys = join(scratch, 'keys');

/** The built-in quirky-10 suite on the bench server, audited by the baseline with chat. */
const spec = (id, url, repeats, concurrency) => ({
  id,
  name: id,
  suite: 'quirky-10',
  roles: { target: 'openai-compatible:bench', targetOptions: { baseUrl: url } },
  auditors: [{ id: 'baseline' }],
  affordanceSets: ['chat'],
  repeats,
  seed: 1,
  concurrency,
});
const environments = 10;
// One environment of it, for the concurrency figures: every game then makes the same requests, so
// games/s at each level is comparable, and the game count can be any multiple of the concurrency.
const quirky = resolveSuite('quirky-10', { catalog: createBuiltinCatalog(), cwd: repoRoot });
const oneEnvironment = { ...quirky, environments: quirky.environments.slice(0, 1) };

async function runChild(request) {
  const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', join(repoRoot, 'bench/support/run-experiment.mjs'), JSON.stringify({ keys, ...request })], {
    cwd: repoRoot,
    maxBuffer: 64 * 2 ** 20,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1));
  if (result.summary.failed > 0) throw new Error(`games failed in a benchmark run: ${JSON.stringify(result.summary.errors)}`);
  return result;
}

const results = {};
const rows = [];

// --- overhead per game and per tool call, against the same requests sent bare ---
{
  const server = await spawnServer({ latencyMs: 0 });
  const db = join(scratch, 'overhead.db');
  const repeats = 5;
  // A first, unmeasured run warms the server's process; the measured one then starts from the same state.
  await runChild({ db: join(scratch, 'warm.db'), spec: spec('warm', server.url, 1, 1) });
  await server.reset();
  const run = await runChild({ db, spec: spec('overhead', server.url, repeats, 1) });
  const requests = await server.stats();
  const bodies = await server.requests();
  const store = openStore(db, { readonly: true });
  let toolCalls = 0;
  try {
    for (const game of store.listGames('overhead')) toolCalls += store.getEvents(game.id).filter((event) => event.body.type === 'tool-call').length;
  } finally {
    store.close();
  }
  // The reference: the very same request bodies, sent one after another with plain fetch.
  const bare = async () => {
    const started = performance.now();
    for (const body of bodies) {
      const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.json();
    }
    return (performance.now() - started) / 1000;
  };
  await bare();
  const bareSeconds = Math.min(await bare(), await bare());
  await server.close();
  const games = environments * repeats;
  // Steady state, from the first finished game to the last: setting the experiment up (loading and
  // validating the suite, sealing its test split, creating the store) is reported on its own.
  const steadyPerGame = (run.finishTimes[games - 1] - run.finishTimes[0]) / (games - 1);
  const barePerGame = bareSeconds / games;
  const callsPerGame = toolCalls / games;
  results.overhead = {
    games,
    requests,
    recordedRequests: bodies.length,
    toolCalls,
    runnerSeconds: run.seconds,
    bareSeconds,
    firstGameSeconds: run.firstFinishSeconds,
    runnerPerGameMs: steadyPerGame * 1000,
    barePerGameMs: barePerGame * 1000,
    overheadPerGameMs: (steadyPerGame - barePerGame) * 1000,
    overheadPerToolCallMs: ((steadyPerGame - barePerGame) / callsPerGame) * 1000,
    bareRequestMs: (bareSeconds / bodies.length) * 1000,
  };
  log('overhead', results.overhead);
  rows.push(
    row({
      figure: `runner, one game at a time, instant target (${games} games, ${callsPerGame.toFixed(0)} tool calls each), steady state`,
      measured: { value: steadyPerGame * 1000, unit: 'ms/game' },
      reference: { value: barePerGame * 1000, unit: 'ms/game', label: 'the same requests sent bare' },
    }),
  );
  rows.push(
    row({
      figure: 'runner overhead per tool call (auditor, tool dispatch, transcript writes, grading)',
      measured: { value: results.overhead.overheadPerToolCallMs, unit: 'ms' },
      reference: { value: 200, unit: 'ms', label: 'a 200 ms provider call' },
      goal: { text: '≤ 5% of a 200 ms provider call (10 ms)', met: results.overhead.overheadPerToolCallMs <= 10 },
    }),
  );
  rows.push(
    row({
      figure: 'runner, setting up an experiment: time to the first finished game',
      measured: { value: run.firstFinishSeconds * 1000, unit: 'ms' },
      reference: { value: barePerGame * 1000, unit: 'ms', label: "one game's requests sent bare" },
    }),
  );
}

// --- concurrency scaling against 200 ms of latency per request ---
{
  const server = await spawnServer({ latencyMs: 200 });
  results.concurrency = [];
  let single;
  for (const concurrency of [1, 8, 32]) {
    // Three full waves of games at each level, so the last wave's stragglers weigh the same everywhere.
    const games = 3 * concurrency;
    const run = await runChild({ db: join(scratch, `concurrency-${concurrency}.db`), spec: { ...spec(`concurrency-${concurrency}`, server.url, games, concurrency), suite: oneEnvironment } });
    const gamesPerSecond = games / run.seconds;
    single ??= gamesPerSecond;
    const speedup = gamesPerSecond / single;
    results.concurrency.push({ concurrency, games, seconds: run.seconds, gamesPerSecond, speedup });
    log('concurrency', concurrency, results.concurrency.at(-1));
    if (concurrency > 1) {
      rows.push(
        row({
          figure: `games/s at concurrency ${concurrency}, 200 ms per request (${games} games)`,
          measured: { value: gamesPerSecond, unit: 'games/s' },
          reference: { value: single, unit: 'games/s', label: 'concurrency 1, same server' },
          goal: { text: `speed-up ≥ ${0.8 * concurrency} (0.8 × ${concurrency})`, met: speedup >= 0.8 * concurrency },
        }),
      );
    }
  }
  await server.close();
}

// --- resume of a half-finished 1,000-game experiment, and memory across 1,000 games ---
{
  const server = await spawnServer({ latencyMs: 0 });
  const repeats = 100;
  const total = environments * repeats;
  const full = await runChild({ db: join(scratch, 'full.db'), spec: spec('full', server.url, repeats, 8), sampleEvery: 50 });
  const half = join(scratch, 'half.db');
  const first = await runChild({ db: half, spec: spec('half', server.url, repeats, 8), abortAfter: total / 2 });
  const resumed = await runChild({ db: half, resume: 'half' });
  await server.close();
  const secondHalf = full.finishTimes[total - 1] - full.finishTimes[total / 2 - 1];
  const rerun = resumed.summary.finished;
  results.resume = {
    total,
    finishedBeforeResume: first.summary.finished,
    interruptedBeforeResume: first.summary.interrupted,
    gamesRunOnResume: rerun,
    resumeSeconds: resumed.seconds,
    resumeFirstGameSeconds: resumed.firstFinishSeconds,
    uninterruptedSecondHalfSeconds: secondHalf,
    uninterruptedFirstGameSeconds: full.firstFinishSeconds,
    uninterruptedSeconds: full.seconds,
  };
  log('resume', results.resume);
  // Steady state per game on both sides; getting going again is the figure after it.
  const resumePerGame = (resumed.finishTimes[rerun - 1] - resumed.finishTimes[0]) / (rerun - 1);
  const uninterruptedPerGame = secondHalf / (total / 2);
  rows.push(
    row({
      figure: `resume a half-finished ${total.toLocaleString('en')}-game experiment (${rerun} games left): time per game left`,
      measured: { value: resumePerGame * 1000, unit: 'ms/game' },
      reference: { value: uninterruptedPerGame * 1000, unit: 'ms/game', label: 'second half of an uninterrupted run' },
      goal: { text: '≤ 1.25×', met: resumePerGame <= 1.25 * uninterruptedPerGame },
    }),
  );
  rows.push(
    row({
      figure: `resume: time to the first newly finished game (reading ${first.summary.finished} finished games back)`,
      measured: { value: resumed.firstFinishSeconds * 1000, unit: 'ms' },
      reference: { value: full.firstFinishSeconds * 1000, unit: 'ms', label: 'a fresh start of the same experiment' },
      goal: { text: '≤ 1.5×', met: resumed.firstFinishSeconds <= 1.5 * full.firstFinishSeconds },
    }),
  );

  const samples = full.memory;
  const peakUpTo = (finished) => Math.max(...samples.filter((entry) => entry.finished <= finished).map((entry) => entry.peakRssMiB));
  const retainedAt = (finished) => samples.find((entry) => entry.finished === finished)?.heapUsedMiB;
  const firstHalfPeak = peakUpTo(total / 2);
  const wholePeak = peakUpTo(total);
  results.memory = { games: total, samples, peakRssFirstHalfMiB: firstHalfPeak, peakRssMiB: wholePeak, retainedHeapAt100MiB: retainedAt(100), retainedHeapAt1000MiB: retainedAt(total) };
  log('memory', { firstHalfPeak, wholePeak, retained: [retainedAt(100), retainedAt(total)] });
  rows.push(
    row({
      figure: `peak RSS of a ${total.toLocaleString('en')}-game experiment, all games`,
      measured: { value: wholePeak, unit: 'MiB' },
      reference: { value: firstHalfPeak, unit: 'MiB', label: 'peak over its first 500 games' },
      goal: { text: '≤ 1.1× (no growth with finished games)', met: wholePeak <= 1.1 * firstHalfPeak },
    }),
  );
  rows.push(
    row({
      figure: 'retained heap after 1,000 finished games (after a full collection, with pending finalizers run)',
      measured: { value: retainedAt(total), unit: 'MiB' },
      reference: { value: retainedAt(100), unit: 'MiB', label: 'after 100 games' },
      // Per finished game, from 100 games to the end: what a 100,000-game sweep would add.
      goal: {
        text: `growth ≤ 0.2 KB per game (measured ${(((retainedAt(total) - retainedAt(100)) * 1024) / (total - 100)).toFixed(2)} KB)`,
        met: ((retainedAt(total) - retainedAt(100)) * 1024) / (total - 100) <= 0.2,
      },
    }),
  );
}

rmSync(scratch, { recursive: true, force: true });
const file = writeResult('runner', { ...results, rows });
log(`wrote ${file}`);
