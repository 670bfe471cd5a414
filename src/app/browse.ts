import { z } from 'zod';
import type { GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import { GroundTruth, type Behaviour } from '../contracts/organism.js';
import type { AuditReport } from '../contracts/report.js';
import { isSealed } from '../contracts/sealed.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import { primaryGrade } from '../core/graders/grader.js';
import type { RunStore } from '../core/store-port.js';
import type { ExperimentSummary } from './experiments.js';
import { gameCounts, summarizeCells, type CellSummary } from './summary.js';

/** The read half of the store: a browser is typed so that it cannot write. */
export type ReadStore = Pick<RunStore, 'listExperiments' | 'getExperiment' | 'listGames' | 'getGame' | 'getEvents' | 'getReport' | 'getGrades'>;

export const OUTCOMES = ['win', 'loss', 'clean', 'error', 'unfinished', 'ungraded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Where a game stands for a reader: its status and, once finished, its primary grade. A control is
 * never won: a grade that passes there means no claim was made, so it reads "clean".
 */
export function outcomeOf(game: Pick<GameRecord, 'status'>, grade: Grade | undefined, control = false): Outcome {
  if (game.status === 'error') return 'error';
  if (game.status !== 'finished') return 'unfinished';
  if (grade === undefined) return 'ungraded';
  if (control) return grade.win ? 'clean' : 'loss';
  return grade.win ? 'win' : 'loss';
}

/** An experiment as listed, with its win rate (controls left out). */
export interface ExperimentOverview extends ExperimentSummary {
  graded: number;
  wins: number;
  /** Wins over graded games; undefined while nothing is graded. */
  winRate: number | undefined;
}

export interface GameRow extends GameRecord {
  outcome: Outcome;
  grade: Grade | undefined;
  /** The game audited a control organism. */
  control: boolean;
}

export interface GameFilter {
  environment?: string | undefined;
  auditorIndex?: number | undefined;
  affordanceSet?: string | undefined;
  outcome?: Outcome | undefined;
}

export interface ExperimentDetail {
  id: string;
  name: string;
  createdAt: string;
  description: string;
  suite: { id: string; name: string } | undefined;
  repeats: number | undefined;
  seed: number | undefined;
  /** Every game, unfiltered, for counts and filter choices. */
  all: GameRow[];
  /** The games the filter keeps. */
  games: GameRow[];
  /** Cells of the games the filter keeps, leaving out the outcome filter, which would bias win rates. */
  cells: CellSummary[];
  choices: { environments: string[]; auditors: Array<{ index: number; name: string }>; affordanceSets: string[] };
}

export type GroundTruthView = { kind: 'plain'; rootCause: string | undefined; behaviours: Behaviour[] } | { kind: 'sealed'; keyId: string | undefined } | { kind: 'unknown' };

export interface OrganismView {
  id: string;
  name: string | undefined;
  description: string | undefined;
  control: boolean;
  split: string | undefined;
  groundTruth: GroundTruthView;
}

export interface GameDetail {
  game: GameRecord;
  experiment: { id: string; name: string };
  events: TranscriptEvent[];
  report: AuditReport | undefined;
  grades: Grade[];
  /** The grade the win rate counts (the rubric's, when there is one). */
  grade: Grade | undefined;
  outcome: Outcome;
  organism: OrganismView;
}

async function gameRows(store: ReadStore, experimentId: string, spec: unknown): Promise<GameRow[]> {
  const games = await store.listGames(experimentId);
  const controls = controlIds(spec);
  return Promise.all(
    games.map(async (game) => {
      const grade = game.status === 'finished' ? primaryGrade(await store.getGrades(game.id)) : undefined;
      const control = controls.has(game.organismId);
      return { ...game, grade, control, outcome: outcomeOf(game, grade, control) };
    }),
  );
}

/** The control organisms of a stored spec, read once for all its games (a live page rereads them often). */
function controlIds(spec: unknown): Set<string> {
  const suite = storedSpec(spec).suite;
  const organisms = [...(suite?.organisms ?? []), ...(suite?.environments ?? []).map((environment) => environment.organism)];
  return new Set(
    organisms.flatMap((organism) => {
      const parsed = StoredOrganism.safeParse(organism);
      return parsed.success && parsed.data.control === true ? [parsed.data.id] : [];
    }),
  );
}

/** Counts and the win rate; controls count as games but never toward the win rate. */
function overviewOf(experiment: { id: string; name: string; createdAt: string }, rows: readonly GameRow[]): ExperimentOverview {
  const graded = rows.filter((row) => row.grade !== undefined && !row.control);
  const wins = graded.filter((row) => row.grade?.win === true).length;
  return {
    id: experiment.id,
    name: experiment.name,
    createdAt: experiment.createdAt,
    ...gameCounts(rows),
    graded: graded.length,
    wins,
    winRate: graded.length === 0 ? undefined : wins / graded.length,
  };
}

export async function browseExperiments(store: ReadStore): Promise<ExperimentOverview[]> {
  const experiments = await store.listExperiments();
  return Promise.all(experiments.map(async (experiment) => overviewOf(experiment, await gameRows(store, experiment.id, experiment.spec))));
}

function keeps(filter: GameFilter, row: GameRow, withOutcome: boolean): boolean {
  return (
    (filter.environment === undefined || row.environmentId === filter.environment) &&
    (filter.auditorIndex === undefined || row.auditorIndex === filter.auditorIndex) &&
    (filter.affordanceSet === undefined || row.affordanceSet === filter.affordanceSet) &&
    (!withOutcome || filter.outcome === undefined || row.outcome === filter.outcome)
  );
}

// Stored specs are read leniently: a viewer shows what it can of specs written by other versions.
const StoredSpec = z.looseObject({
  description: z.string().optional(),
  repeats: z.number().optional(),
  seed: z.number().optional(),
  suite: z
    .looseObject({
      id: z.string(),
      name: z.string(),
      organisms: z.array(z.looseObject({ id: z.string() })).optional(),
      environments: z.array(z.looseObject({ id: z.string(), organism: z.unknown(), split: z.string().optional() })).optional(),
    })
    .optional(),
});

const StoredOrganism = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  control: z.boolean().optional(),
  groundTruth: z.unknown(),
});

function storedSpec(spec: unknown): z.infer<typeof StoredSpec> {
  const parsed = StoredSpec.safeParse(spec);
  return parsed.success ? parsed.data : {};
}

export async function browseExperiment(store: ReadStore, id: string, filter: GameFilter = {}): Promise<ExperimentDetail | undefined> {
  const experiment = await store.getExperiment(id);
  if (experiment === undefined) return undefined;
  const spec = storedSpec(experiment.spec);
  const all = await gameRows(store, id, experiment.spec);
  const auditors = new Map<number, string>();
  for (const row of all) auditors.set(row.auditorIndex, row.auditor);
  return {
    id: experiment.id,
    name: experiment.name,
    createdAt: experiment.createdAt,
    description: spec.description ?? '',
    suite: spec.suite === undefined ? undefined : { id: spec.suite.id, name: spec.suite.name },
    repeats: spec.repeats,
    seed: spec.seed,
    all,
    games: all.filter((row) => keeps(filter, row, true)),
    cells: summarizeCells(all.filter((row) => keeps(filter, row, false))),
    choices: {
      environments: [...new Set(all.map((row) => row.environmentId))],
      auditors: [...auditors].sort(([a], [b]) => a - b).map(([index, name]) => ({ index, name })),
      affordanceSets: [...new Set(all.map((row) => row.affordanceSet))],
    },
  };
}

export function overviewOfExperiment(detail: ExperimentDetail): ExperimentOverview {
  return overviewOf(detail, detail.all);
}

/** The organism a game audited, with its ground truth as stored: sealed truth stays sealed. */
export function organismOf(spec: unknown, game: Pick<GameRecord, 'environmentId' | 'organismId'>): OrganismView {
  const suite = storedSpec(spec).suite;
  const environment = suite?.environments?.find((entry) => entry.id === game.environmentId);
  const inline = StoredOrganism.safeParse(environment?.organism);
  const listed = suite?.organisms?.find((entry) => entry.id === game.organismId);
  const organism = inline.success ? inline.data : StoredOrganism.safeParse(listed).data;
  return {
    id: game.organismId,
    name: organism?.name,
    description: organism?.description,
    control: organism?.control === true,
    split: environment?.split,
    groundTruth: groundTruthView(organism?.groundTruth),
  };
}

function groundTruthView(value: unknown): GroundTruthView {
  if (isSealed(value)) return { kind: 'sealed', keyId: value.keyId };
  if (typeof value === 'object' && value !== null && 'sealed' in value) return { kind: 'sealed', keyId: undefined };
  const parsed = GroundTruth.safeParse(value);
  return parsed.success ? { kind: 'plain', rootCause: parsed.data.rootCause, behaviours: parsed.data.behaviours } : { kind: 'unknown' };
}

export async function browseGame(store: ReadStore, id: string): Promise<GameDetail | undefined> {
  const game = await store.getGame(id);
  if (game === undefined) return undefined;
  const experiment = await store.getExperiment(game.experimentId);
  const grades = await store.getGrades(game.id);
  const grade = game.status === 'finished' ? primaryGrade(grades) : undefined;
  const organism = organismOf(experiment?.spec, game);
  return {
    game,
    experiment: { id: game.experimentId, name: experiment?.name ?? game.experimentId },
    events: await store.getEvents(game.id),
    report: await store.getReport(game.id),
    grades,
    grade,
    outcome: outcomeOf(game, grade, organism.control),
    organism,
  };
}
