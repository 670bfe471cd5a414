// Statistics benchmark: games saved by adaptive stopping against a fixed count, at equal decisions,
// on the micro suite. The same sweep runs twice with the same seeds: once with a fixed number of
// repeats per cell, once with adaptive stopping capped at that number. A cell's decision is which
// side of the boundary its Wilson 95% interval lies on (or "undecided"); the saving only counts if
// every cell decides the same way in both. Writes bench/results/statistics.json.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runExperimentSpec } from '../dist/app/experiments.js';
import { primaryGrade } from '../dist/core/graders/grader.js';
import { gamesWithStopping, wilsonInterval } from '../dist/core/stats.js';
import { openStore } from '../dist/store/sqlite-store.js';
import { log, repoRoot, row, writeResult } from './lib.mjs';

const scratchRoot = join(repoRoot, 'tmp');
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, 'bench-statistics-'));
const options = { cwd: repoRoot, env: { AUDITGYM_KEYS: join(scratch, 'keys'), NO_COLOR: '1' }, db: join(scratch, 'store.db') };

const repeats = 10;
const stopping = { boundary: 0.5, minRepeats: 2 };
const sweep = (id, extra) => ({ id, name: id, suite: 'micro', auditors: [{ id: 'baseline' }], affordanceSets: ['chat', 'chat+prefill', 'chat+data'], repeats, seed: 3, concurrency: 2, ...extra });

const cellKey = (game) => `${game.environmentId} × ${game.affordanceSet}`;
const decision = (wins, trials) => {
  const { low, high } = wilsonInterval(wins, trials);
  return high < stopping.boundary ? 'below' : low > stopping.boundary ? 'above' : 'undecided';
};
/** Each cell's outcomes in repeat order, read from the store. */
function outcomes(id) {
  const store = openStore(options.db, { readonly: true });
  try {
    const cells = new Map();
    for (const game of [...store.listGames(id)].sort((a, b) => a.repeat - b.repeat)) {
      const grade = primaryGrade(store.getGrades(game.id));
      if (grade === undefined) throw new Error(`game ${game.id} has no grade (${game.status})`);
      cells.set(cellKey(game), [...(cells.get(cellKey(game)) ?? []), grade.win]);
    }
    return cells;
  } finally {
    store.close();
  }
}

let started = performance.now();
const fixedRun = await runExperimentSpec(sweep('fixed'), options);
const fixedSeconds = (performance.now() - started) / 1000;
log('fixed', { games: fixedRun.total, failed: fixedRun.failed, seconds: fixedSeconds });
started = performance.now();
const adaptiveRun = await runExperimentSpec(sweep('adaptive', { stopping }), options);
const adaptiveSeconds = (performance.now() - started) / 1000;
log('adaptive', { ...adaptiveRun.adaptive, failed: adaptiveRun.failed, seconds: adaptiveSeconds });

const fixed = outcomes('fixed');
const adaptive = outcomes('adaptive');
const cells = [...fixed.keys()].sort().map((key) => {
  const all = fixed.get(key);
  const stopped = adaptive.get(key) ?? [];
  const count = (list) => list.filter(Boolean).length;
  return {
    cell: key,
    fixedGames: all.length,
    fixedWins: count(all),
    fixedDecision: decision(count(all), all.length),
    adaptiveGames: stopped.length,
    adaptiveWins: count(stopped),
    adaptiveDecision: decision(count(stopped), stopped.length),
    // The stopping rule replayed on the fixed run's outcomes: with the same seeds, a stopped cell is a
    // prefix of the fixed one, so this must equal the games the adaptive run stored.
    replayedGames: gamesWithStopping(all, { boundary: stopping.boundary, minTrials: stopping.minRepeats, maxTrials: repeats }),
    prefixAgrees: stopped.every((win, index) => win === all[index]),
  };
});
rmSync(scratch, { recursive: true, force: true });

const fixedGames = cells.reduce((sum, cell) => sum + cell.fixedGames, 0);
const adaptiveGames = cells.reduce((sum, cell) => sum + cell.adaptiveGames, 0);
const equalDecisions = cells.filter((cell) => cell.fixedDecision === cell.adaptiveDecision).length;
const results = {
  suite: 'micro',
  auditor: 'baseline',
  repeats,
  stopping,
  cells,
  fixedGames,
  adaptiveGames,
  saved: 1 - adaptiveGames / fixedGames,
  equalDecisions,
  prefixesAgree: cells.every((cell) => cell.prefixAgrees),
  replayAgrees: cells.every((cell) => cell.replayedGames === cell.adaptiveGames),
  seconds: { fixed: fixedSeconds, adaptive: adaptiveSeconds },
};
log('statistics', { fixedGames, adaptiveGames, saved: results.saved, equalDecisions, cells: cells.length, prefixesAgree: results.prefixesAgree, replayAgrees: results.replayAgrees });

const rows = [
  row({
    figure: `adaptive stopping on the micro suite (${cells.length} cells, baseline auditor, cap ${repeats}): games run`,
    measured: { value: adaptiveGames, unit: 'games' },
    reference: { value: fixedGames, unit: 'games', label: `a fixed ${repeats} per cell` },
    goal: { text: `fewer games, and every cell decided alike (${equalDecisions}/${cells.length})`, met: adaptiveGames < fixedGames && equalDecisions === cells.length },
  }),
  row({
    figure: 'adaptive stopping: wall time of the sweep',
    measured: { value: adaptiveSeconds, unit: 's' },
    reference: { value: fixedSeconds, unit: 's', label: 'the fixed sweep' },
  }),
];
const file = writeResult('statistics', { ...results, rows });
log(`wrote ${file}`);
