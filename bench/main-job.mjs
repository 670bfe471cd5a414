// The main job (`npm start`), timed end to end as a user runs it, on one worker and on the default
// pool of workers (one per core), in fresh stores. The single-worker run is the reference; both run
// in this process's lifetime on this machine, one after the other, so neither competes with the other.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { log, repoRoot, row, writeResult } from './lib.mjs';

const BIN = join(repoRoot, 'bin', 'auditgym.js');
const cores = os.availableParallelism();

function mainJob(workers) {
  const dir = mkdtempSync(join(os.tmpdir(), 'auditgym-bench-main-'));
  try {
    const env = { ...process.env };
    if (workers === undefined) delete env.AUDITGYM_WORKERS;
    else env.AUDITGYM_WORKERS = String(workers);
    const started = performance.now();
    const result = spawnSync(process.execPath, [BIN, '--db', join(dir, 'store.db'), '--json', 'start'], { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`the main job failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
    const job = JSON.parse(result.stdout);
    return { seconds, workers: job.run.workers, outcome: JSON.stringify({ cells: job.run.cells, splits: job.splits, techniques: job.techniques.cells }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

log('main job on one worker');
const single = mainJob(1);
log(`  ${single.seconds.toFixed(1)} s`);
log(`main job on the default pool (${cores} cores)`);
const pooled = mainJob(undefined);
log(`  ${pooled.seconds.toFixed(1)} s on ${pooled.workers} workers`);
const same = single.outcome === pooled.outcome;
const speedUp = single.seconds / pooled.seconds;

const rows = [
  row({
    figure: `main job (\`npm start\`, without \`npm ci\`) wall time, ${pooled.workers} workers`,
    measured: { value: pooled.seconds, unit: 's' },
    reference: { value: single.seconds, unit: 's', label: 'the same job on 1 worker' },
    goal: { text: `≤ 90 s${cores === 2 ? '' : ` (goal set for 2 cores; this machine has ${cores})`}`, met: pooled.seconds <= 90 },
  }),
  row({
    figure: 'main job speed-up from workers (1 worker ÷ pool)',
    measured: { value: speedUp, unit: '×' },
    reference: { value: 1, unit: '×', label: '1 worker' },
    ratio: speedUp,
    goal: { text: `≥ 1.7×, with the same outcomes (${same ? 'same' : 'different'})`, met: speedUp >= 1.7 && same },
  }),
];

const file = writeResult('main-job', { rows, single: { seconds: single.seconds }, pooled: { seconds: pooled.seconds, workers: pooled.workers }, sameOutcomes: same });
log(`wrote ${file}`);
console.log(readFileSync(file, 'utf8'));
