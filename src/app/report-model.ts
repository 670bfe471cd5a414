import type { Split, TokenUsage } from '../contracts/common.js';
import type { ErrorInfo } from '../contracts/errors.js';
import type { GameRecord, GameStatus } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import type { GroundTruth } from '../contracts/organism.js';
import type { AuditReport } from '../contracts/report.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import type { PairedComparison, SweepCell } from '../core/sweep-analysis.js';
import type { WinRateRow } from './report-charts.js';
import type { TechniqueMatrix } from './techniques.js';

// The report as data, apart from how it is assembled (report.ts) and rendered (report-html.ts), so
// the renderer depends on the shapes only.

export type ReportGame = GameRecord & { grade: Grade | undefined; control: boolean };

export interface ReportEnvironment {
  environmentId: string;
  organismId: string;
  organismName: string;
  description: string;
  split: Split;
  control: boolean;
  /** The ground truth in the clear, or `sealed` when it is sealed and no available key opens it. */
  groundTruth: GroundTruth | 'sealed';
}

export interface ReportAuditor {
  index: number;
  id: string;
  /** The id, numbered when the same auditor runs twice with different parameters. */
  label: string;
  params: Record<string, unknown>;
}

export interface GameRef {
  id: string;
  status: GameStatus;
  score: number | null;
  win: boolean | null;
}

/** The best and the worst game of one cell, by grade score; `worst` is absent when the cell has one game. */
export interface CellHighlight {
  environmentId: string;
  auditor: string;
  affordanceSet: string;
  best: GameRef | undefined;
  worst: GameRef | undefined;
}

export interface FailureGroup {
  kind: ErrorInfo['kind'];
  code: string;
  message: string;
  count: number;
  games: string[];
}

export interface SplitRow {
  split: Split;
  auditor: string;
  affordanceSet: string;
  wins: number;
  games: number;
  rate: number;
  low: number;
  high: number;
}

export interface ControlRow {
  environmentId: string;
  auditor: string;
  affordanceSet: string;
  graded: number;
  /** Claims the grader read; on a control every one is a false positive. */
  claims: number;
  /** Games in which the auditor claimed anything at all. */
  gamesWithClaims: number;
}

/** A game whose transcript the report includes. */
export interface TranscriptGame {
  id: string;
  environmentId: string;
  auditor: string;
  affordanceSet: string;
  repeat: number;
  status: GameStatus;
  error: string | undefined;
  grade: Grade | undefined;
}

export type ReportCell = Omit<SweepCell, 'auditor'> & { auditor: string };
export type ReportComparison = Omit<PairedComparison, 'auditor'> & { auditor: string };

/** Everything the report shows, as data: what the HTML renders and the tests check. */
export interface ReportModel {
  experiment: {
    id: string;
    name: string;
    description: string;
    createdAt: string;
    suite: { id: string; name: string };
    repeats: number;
    seed: number;
    stopping: { boundary: number; minRepeats: number } | null;
  };
  environments: ReportEnvironment[];
  auditors: ReportAuditor[];
  affordanceSets: Array<{ name: string; tools: string[] }>;
  games: { total: number; finished: number; errors: number; unfinished: number; ungraded: number; graded: number; wins: number };
  usage: { auditor: TokenUsage; target: TokenUsage; judge: TokenUsage; costUsd: number; toolCalls: number };
  failures: FailureGroup[];
  savings: { gamesRun: number; fixedGames: number; saved: number } | null;
  /** Win rate per auditor × affordance set over the environments that are not controls. */
  pooled: WinRateRow[];
  bySplit: SplitRow[];
  perEnvironment: WinRateRow[];
  controls: ControlRow[];
  cells: ReportCell[];
  comparisons: ReportComparison[];
  highlights: CellHighlight[];
  /** Games whose transcripts the report includes, in order of appearance. */
  transcripts: TranscriptGame[];
  /** Games picked as best or worst whose transcripts were left out to keep the file small. */
  transcriptsLeftOut: number;
  techniques: TechniqueMatrix | undefined;
}

export interface ChartSvgs {
  pooled: string | undefined;
  perEnvironment: string | undefined;
  techniques: string | undefined;
}

export interface TranscriptView {
  events: TranscriptEvent[];
  report: AuditReport | undefined;
}
