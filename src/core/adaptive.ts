import type { GameRecord, GamePlan } from '../contracts/game.js';
import { primaryGrade } from './graders/grader.js';
import type { PreparedExperiment } from './plan.js';
import { runExperiment, type RunOptions, type RunSummary } from './runner.js';
import { stoppingDecision } from './stats.js';

export interface AdaptiveSummary extends RunSummary {
  /** The most games any cell ran: the rounds a round-by-round design would have needed. */
  rounds: number;
  /** Games a fixed design would run: every cell × `repeats`. */
  fixedGames: number;
  /** Games stored for this experiment once stopping decided. */
  gamesRun: number;
}

const cellOf = (game: Pick<GamePlan, 'environmentId' | 'auditorIndex' | 'affordanceSet'>) => `${game.environmentId}\u0000${game.auditorIndex}\u0000${game.affordanceSet}`;

/**
 * Runs an experiment with adaptive stopping. Each cell is a chain: its next repeat is queued as soon
 * as its last game ends and the stopping rule, checked on what is graded, says go on; cells do not
 * wait for one another. Games keep the ids and seeds of the full plan and a cell's games run in
 * repeat order, so a stopped sweep is a prefix of the fixed one whatever the timing, and a resumed
 * sweep continues exactly where it stopped.
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
  // What is known of each cell's stored games: read once here, then kept current as games end, so a
  // finished game costs two reads of its own instead of a listing of the whole experiment.
  const stored = await store.listGames(prepared.id);
  const known = new Map<string, Map<string, GameRecord>>([...cells.keys()].map((key) => [key, new Map()]));
  for (const game of stored) known.get(cellOf(game))?.set(game.id, game);
  const outcomes = new Map<string, boolean | undefined>();
  // Games handed to the runner but not yet reported back, so a cell is never given the same game twice.
  const queued = new Set<string>();

  /**
   * The cell's next game, or none: when one of its games is still to run (its end will ask again),
   * when the rule has decided, or at the cap. Errors use up a repeat without deciding anything.
   */
  async function nextOf(key: string, unfinished: readonly string[]): Promise<GamePlan | undefined> {
    const plan = cells.get(key) ?? [];
    const games = [...(known.get(key)?.values() ?? [])];
    if (games.some((game) => unfinished.includes(game.status))) return undefined;
    if (plan.some((game) => queued.has(game.id))) return undefined;
    let wins = 0;
    let graded = 0;
    for (const game of games.filter((candidate) => candidate.status === 'finished')) {
      if (!outcomes.has(game.id)) outcomes.set(game.id, primaryGrade(await store.getGrades(game.id))?.win);
      const win = outcomes.get(game.id);
      if (win === undefined) continue;
      graded++;
      if (win) wins++;
    }
    const decision = games.length >= maxTrials ? 'limit' : stoppingDecision(wins, graded, { boundary: stopping.boundary, minTrials: stopping.minRepeats, maxTrials });
    if (decision !== 'continue') return undefined;
    const candidate = plan.find((game) => !known.get(key)?.has(game.id));
    if (candidate !== undefined) queued.add(candidate.id);
    return candidate;
  }

  // The first games: for each cell, what it left unfinished (the runner reruns it), or its next repeat.
  // Stored errors are retried only here, so a game that always fails cannot loop forever.
  const retry = options.retryErrors === true ? ['pending', 'running', 'error'] : ['pending', 'running'];
  const first: GamePlan[] = [];
  for (const key of cells.keys()) {
    const next = await nextOf(key, retry);
    if (next !== undefined) first.push(next);
  }
  const storedIds = new Set(stored.map((game) => game.id));
  // Serialised per cell: two of a cell's games ending together must not both queue its next one.
  const locks = new Map<string, Promise<unknown>>();
  const next = (game: GamePlan): Promise<GamePlan[]> => {
    const key = cellOf(game);
    const result = (locks.get(key) ?? Promise.resolve()).then(async () => {
      const record = await store.getGame(game.id);
      if (record !== undefined) known.get(key)?.set(record.id, record);
      queued.delete(game.id);
      const candidate = await nextOf(key, ['pending', 'running']);
      return candidate === undefined ? [] : [candidate];
    });
    locks.set(key, result);
    return result;
  };
  const run = await runExperiment(prepared, {
    ...options,
    games: [...prepared.games.filter((game) => storedIds.has(game.id)), ...first],
    // Without `resume`, an experiment already in the store is refused, as for a fixed design.
    resume: options.resume === true,
    next,
  });
  const final = await store.listGames(prepared.id);
  const perCell = new Map<string, number>();
  for (const game of final) perCell.set(cellOf(game), (perCell.get(cellOf(game)) ?? 0) + 1);
  return {
    ...run,
    rounds: Math.max(0, ...perCell.values()),
    fixedGames: prepared.games.length,
    gamesRun: final.length,
    total: final.length,
  };
}
