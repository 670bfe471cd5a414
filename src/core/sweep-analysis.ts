import type { GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import { mcnemarExact, mean, pairedBootstrap, stoppingDecision, wilsonInterval, type StoppingDecision } from './stats.js';

export type GradedGame = GameRecord & { grade: Grade | undefined; control: boolean };

export interface SweepCell {
  environmentId: string;
  organismId: string;
  control: boolean;
  auditor: string;
  auditorIndex: number;
  affordanceSet: string;
  games: number;
  graded: number;
  errors: number;
  /** Finished games whose grade waits for a sealing key. */
  ungraded: number;
  wins: number;
  winRate: number;
  interval: { low: number; high: number };
  meanScore: number;
  /** Per ground-truth behaviour: in how many graded games it was found. */
  recall: Array<{ behaviourId: string; found: number; of: number }>;
  claims: number;
  falseClaims: number;
  /** Share of considered claims that matched a behaviour; null when no claim was made. */
  precision: number | null;
  /** Games whose win was voided because ground truth reached the auditor's context. */
  leaks: number;
  /** Where the stopping rule stands for this cell. */
  stopping: StoppingDecision;
}

export interface PairedComparison {
  auditor: string;
  auditorIndex: number;
  /** The reference set and the one compared with it. */
  a: string;
  b: string;
  /** Games graded under both sets on the same environment and repeat (controls left out). */
  pairs: number;
  winsA: number;
  winsB: number;
  onlyA: number;
  onlyB: number;
  /** McNemar's exact test on the discordant pairs. */
  pValue: number;
  /** Mean score of b minus a, with a paired-bootstrap 95% interval. */
  scoreDifference: { difference: number; low: number; high: number };
}

export interface SweepAnalysis {
  cells: SweepCell[];
  comparisons: PairedComparison[];
  /** Games run against a fixed design of `repeats` per cell. */
  savings: { gamesRun: number; fixedGames: number; saved: number };
}

const keyOf = (game: Pick<GameRecord, 'environmentId' | 'auditorIndex' | 'affordanceSet'>) => `${game.environmentId}\u0000${game.auditorIndex}\u0000${game.affordanceSet}`;

/**
 * Everything a sweep reports, from its games and their grades: per cell the win rate with a Wilson
 * interval, mean score, recall per behaviour, precision and leaks; paired comparisons of every
 * affordance set against the first; and the games adaptive stopping saved.
 */
export function analyseSweep(
  games: readonly GradedGame[],
  design: { affordanceSets: readonly string[]; repeats: number; stopping?: { boundary: number; minRepeats: number } | undefined },
): SweepAnalysis {
  const byCell = new Map<string, GradedGame[]>();
  for (const game of games) byCell.set(keyOf(game), [...(byCell.get(keyOf(game)) ?? []), game]);
  const cells: SweepCell[] = [...byCell.values()].map((list) => {
    const first = list[0] as GradedGame;
    const graded = list.filter((game) => game.grade !== undefined);
    const grades = graded.map((game) => game.grade as Grade);
    const wins = grades.filter((grade) => grade.win).length;
    const behaviourIds = [...new Set(grades.flatMap((grade) => grade.behaviours.map((verdict) => verdict.behaviourId)))];
    const claims = grades.reduce((sum, grade) => sum + grade.claimsConsidered, 0);
    const falseClaims = grades.reduce((sum, grade) => sum + grade.falseClaims.length, 0);
    const stopping = design.stopping ?? { boundary: 0.5, minRepeats: design.repeats };
    return {
      environmentId: first.environmentId,
      organismId: first.organismId,
      control: first.control,
      auditor: first.auditor,
      auditorIndex: first.auditorIndex,
      affordanceSet: first.affordanceSet,
      games: list.length,
      graded: graded.length,
      errors: list.filter((game) => game.status === 'error').length,
      ungraded: list.filter((game) => game.status === 'finished' && game.grade === undefined).length,
      wins,
      winRate: graded.length === 0 ? 0 : wins / graded.length,
      interval: wilsonInterval(wins, graded.length),
      meanScore: mean(grades.map((grade) => grade.score)),
      recall: behaviourIds.map((behaviourId) => ({
        behaviourId,
        found: grades.filter((grade) => grade.behaviours.some((verdict) => verdict.behaviourId === behaviourId && verdict.found)).length,
        of: grades.length,
      })),
      claims,
      falseClaims,
      precision: claims === 0 ? null : (claims - falseClaims) / claims,
      leaks: grades.filter((grade) => (grade.leaks?.length ?? 0) > 0).length,
      stopping: list.length >= design.repeats ? 'limit' : stoppingDecision(wins, graded.length, { boundary: stopping.boundary, minTrials: stopping.minRepeats, maxTrials: design.repeats }),
    };
  });

  const comparisons: PairedComparison[] = [];
  const reference = design.affordanceSets[0];
  const auditors = [...new Map(games.map((game) => [game.auditorIndex, game.auditor])).entries()].sort(([a], [b]) => a - b);
  if (reference !== undefined) {
    for (const [auditorIndex, auditor] of auditors) {
      const scored = games.filter((game) => game.auditorIndex === auditorIndex && !game.control && game.grade !== undefined);
      const lookup = new Map(scored.map((game) => [`${game.environmentId}\u0000${game.repeat}\u0000${game.affordanceSet}`, game.grade as Grade]));
      for (const other of design.affordanceSets.slice(1)) {
        const a: Grade[] = [];
        const b: Grade[] = [];
        for (const game of scored.filter((candidate) => candidate.affordanceSet === reference)) {
          const partner = lookup.get(`${game.environmentId}\u0000${game.repeat}\u0000${other}`);
          if (partner === undefined) continue;
          a.push(game.grade as Grade);
          b.push(partner);
        }
        const onlyA = a.filter((grade, index) => grade.win && !(b[index] as Grade).win).length;
        const onlyB = a.filter((grade, index) => !grade.win && (b[index] as Grade).win).length;
        comparisons.push({
          auditor,
          auditorIndex,
          a: reference,
          b: other,
          pairs: a.length,
          winsA: a.filter((grade) => grade.win).length,
          winsB: b.filter((grade) => grade.win).length,
          onlyA,
          onlyB,
          pValue: mcnemarExact(onlyA, onlyB),
          scoreDifference: pairedBootstrap(
            b.map((grade) => grade.score),
            a.map((grade) => grade.score),
            { seed: 1 },
          ),
        });
      }
    }
  }
  const fixedGames = byCell.size * design.repeats;
  return { cells, comparisons, savings: { gamesRun: games.length, fixedGames, saved: fixedGames - games.length } };
}
