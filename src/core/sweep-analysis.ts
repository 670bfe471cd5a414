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
  /** The reference set and the one compared with it; the same set when two auditors are compared. */
  a: string;
  b: string;
  /**
   * Set when this compares two auditors on one set: `auditor` (as b) against the auditor named here
   * (as a), on the same environments and repeats. Absent when it compares two sets of one auditor.
   */
  against?: { auditor: string; auditorIndex: number } | undefined;
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
  const scoredOf = (auditorIndex: number) => games.filter((game) => game.auditorIndex === auditorIndex && !game.control && game.grade !== undefined);
  const placeOf = (game: GradedGame) => `${game.environmentId}\u0000${game.repeat}\u0000${game.affordanceSet}`;
  // Pairs each game of `first` with the game of `second` at the same place, then tests the pairs.
  const compare = (first: readonly GradedGame[], second: readonly GradedGame[], place: (game: GradedGame) => string) => {
    const lookup = new Map(second.map((game) => [place(game), game.grade as Grade]));
    const a: Grade[] = [];
    const b: Grade[] = [];
    for (const game of first) {
      const partner = lookup.get(place(game));
      if (partner === undefined) continue;
      a.push(game.grade as Grade);
      b.push(partner);
    }
    const onlyA = a.filter((grade, index) => grade.win && !(b[index] as Grade).win).length;
    const onlyB = a.filter((grade, index) => !grade.win && (b[index] as Grade).win).length;
    return {
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
    };
  };
  if (reference !== undefined) {
    for (const [auditorIndex, auditor] of auditors) {
      const scored = scoredOf(auditorIndex);
      const played = new Set(games.filter((game) => game.auditorIndex === auditorIndex).map((game) => game.affordanceSet));
      // An auditor that plays only some sets is compared on those alone.
      if (!played.has(reference)) continue;
      for (const other of design.affordanceSets.slice(1)) {
        if (!played.has(other)) continue;
        const first = scored.filter((game) => game.affordanceSet === reference);
        const second = scored.filter((game) => game.affordanceSet === other);
        comparisons.push({ auditor, auditorIndex, a: reference, b: other, ...compare(first, second, (game) => `${game.environmentId}\u0000${game.repeat}`) });
      }
    }
  }
  // Every later auditor against the first, on each set both played.
  const [firstAuditor, ...laterAuditors] = auditors;
  if (firstAuditor !== undefined) {
    const base = scoredOf(firstAuditor[0]);
    for (const [auditorIndex, auditor] of laterAuditors) {
      const scored = scoredOf(auditorIndex);
      for (const set of design.affordanceSets) {
        const first = base.filter((game) => game.affordanceSet === set);
        const second = scored.filter((game) => game.affordanceSet === set);
        if (first.length === 0 || second.length === 0) continue;
        comparisons.push({ auditor, auditorIndex, a: set, b: set, against: { auditor: firstAuditor[1], auditorIndex: firstAuditor[0] }, ...compare(first, second, placeOf) });
      }
    }
  }
  const fixedGames = byCell.size * design.repeats;
  return { cells, comparisons, savings: { gamesRun: games.length, fixedGames, saved: fixedGames - games.length } };
}
