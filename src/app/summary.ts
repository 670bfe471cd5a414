import type { GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import { mean, wilsonInterval } from '../core/stats.js';
import type { ResolvedExperimentSpec } from '../core/plan.js';

export interface CellSummary {
  environmentId: string;
  /** A control organism's cell: a "win" there means no claim was made about it, not a finding. */
  control: boolean;
  auditor: string;
  affordanceSet: string;
  games: number;
  graded: number;
  errors: number;
  wins: number;
  winRate: number;
  interval: { low: number; high: number };
  meanScore: number;
}

type SummarizedGame = GameRecord & { grade: Grade | undefined; control?: boolean };

/** Win rate with a Wilson 95% interval and mean score per environment × auditor × affordance set. */
export function summarizeCells(games: readonly SummarizedGame[]): CellSummary[] {
  const cells = new Map<string, SummarizedGame[]>();
  for (const game of games) {
    const key = [game.environmentId, `${game.auditorIndex}:${game.auditor}`, game.affordanceSet].join('\u0000');
    const list = cells.get(key) ?? [];
    list.push(game);
    cells.set(key, list);
  }
  return [...cells.values()].map((list) => {
    const first = list[0] as SummarizedGame;
    const graded = list.filter((game) => game.grade !== undefined);
    const wins = graded.filter((game) => game.grade?.win === true).length;
    return {
      environmentId: first.environmentId,
      control: first.control === true,
      auditor: first.auditor,
      affordanceSet: first.affordanceSet,
      games: list.length,
      graded: graded.length,
      errors: list.filter((game) => game.status === 'error').length,
      wins,
      winRate: graded.length === 0 ? 0 : wins / graded.length,
      interval: wilsonInterval(wins, graded.length),
      meanScore: mean(graded.map((game) => game.grade?.score ?? 0)),
    };
  });
}

/** The organisms of an experiment that are controls: listed in its suite, or written inline in an environment. */
export function controlOrganisms(spec: ResolvedExperimentSpec): Set<string> {
  const controls = new Set(spec.suite.organisms.filter((organism) => organism.control).map((organism) => organism.id));
  for (const environment of spec.suite.environments) {
    if (typeof environment.organism !== 'string' && environment.organism.control) controls.add(environment.organism.id);
  }
  return controls;
}

/** How many games an experiment holds, by where they stand. */
export function gameCounts(games: ReadonlyArray<Pick<GameRecord, 'status'>>): { games: number; finished: number; errors: number; unfinished: number } {
  return {
    games: games.length,
    finished: games.filter((game) => game.status === 'finished').length,
    errors: games.filter((game) => game.status === 'error').length,
    unfinished: games.filter((game) => game.status === 'pending' || game.status === 'running').length,
  };
}
