import type { GamePlan } from '../contracts/game.js';
import { primaryGrade } from './graders/grader.js';
import { runExperiment, type PreparedExperiment, type RunOptions, type RunSummary } from './runner.js';
import { stoppingDecision } from './stats.js';

export interface AdaptiveSummary extends RunSummary {
  rounds: number;
  /** Games a fixed design would run: every cell × `repeats`. */
  fixedGames: number;
  /** Games stored for this experiment once stopping decided. */
  gamesRun: number;
}

const cellOf = (game: Pick<GamePlan, 'environmentId' | 'auditorIndex' | 'affordanceSet'>) => `${game.environmentId}\u0000${game.auditorIndex}\u0000${game.affordanceSet}`;

/**
 * Runs an experiment in rounds: each round gives every undecided cell its next repeat, then checks
 * the stopping rule on what is graded. Games keep the ids and seeds of the full plan, so a stopped
 * sweep is a prefix of the fixed one, and a resumed sweep continues exactly where it stopped.
 */
export async function runAdaptive(prepared: PreparedExperiment, options: RunOptions): Promise<AdaptiveSummary> {
  const stopping = prepared.spec.stopping ?? { boundary: 0.5, minRepeats: prepared.spec.repeats };
  const maxTrials = prepared.spec.repeats;
  const cells = new Map<string, GamePlan[]>();
  for (const game of prepared.games) {
    const list = cells.get(cellOf(game)) ?? [];
    list.push(game);
    cells.set(cellOf(game), list);
  }
  for (const list of cells.values()) list.sort((a, b) => a.repeat - b.repeat);

  const { store } = options;
  const summary: AdaptiveSummary = { experimentId: prepared.id, total: 0, finished: 0, failed: 0, skipped: 0, interrupted: 0, errors: [], rounds: 0, fixedGames: prepared.games.length, gamesRun: 0 };
  let exists = (await store.getExperiment(prepared.id)) !== undefined;
  for (;;) {
    const stored = exists ? await store.listGames(prepared.id) : [];
    const storedIds = new Set(stored.map((game) => game.id));
    const byCell = new Map<string, typeof stored>();
    for (const game of stored) byCell.set(cellOf(game), [...(byCell.get(cellOf(game)) ?? []), game]);
    const next: GamePlan[] = [];
    let unfinished = false;
    for (const [key, plan] of cells) {
      const games = byCell.get(key) ?? [];
      // Errors are retried in the first round only, so a game that always fails cannot loop forever.
      const retry = options.retryErrors === true && summary.rounds === 0 ? ['pending', 'running', 'error'] : ['pending', 'running'];
      if (games.some((game) => retry.includes(game.status))) {
        unfinished = true;
        continue;
      }
      let wins = 0;
      let graded = 0;
      for (const game of games.filter((candidate) => candidate.status === 'finished')) {
        const grade = primaryGrade(await store.getGrades(game.id));
        if (grade === undefined) continue;
        graded++;
        if (grade.win) wins++;
      }
      // Errors use up a repeat without deciding anything; the cap still holds.
      const decision = games.length >= maxTrials ? 'limit' : stoppingDecision(wins, graded, { boundary: stopping.boundary, minTrials: stopping.minRepeats, maxTrials });
      const candidate = plan.find((game) => !storedIds.has(game.id));
      if (decision === 'continue' && candidate !== undefined) next.push(candidate);
    }
    if (next.length === 0 && !unfinished) break;
    const planned = prepared.games.filter((game) => storedIds.has(game.id));
    const round = await runExperiment(prepared, { ...options, retryErrors: options.retryErrors === true && summary.rounds === 0, games: [...planned, ...next], resume: exists || options.resume === true });
    exists = true;
    summary.rounds++;
    summary.finished += round.finished;
    summary.failed += round.failed;
    summary.errors.push(...round.errors);
    if (summary.rounds === 1) summary.skipped = round.skipped;
    if (round.interrupted > 0 || options.signal?.aborted === true) {
      summary.interrupted = round.interrupted;
      break;
    }
    // A round that ran nothing (every game of it was already done) cannot make progress.
    if (round.finished + round.failed === 0 && next.length === 0) break;
  }
  summary.gamesRun = exists ? (await store.listGames(prepared.id)).length : 0;
  summary.total = summary.gamesRun;
  return summary;
}
