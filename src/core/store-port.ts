import type { ErrorInfo } from '../contracts/errors.js';
import type { ExperimentRecord, GamePlan, GameRecord, GameStatus, GameUsage } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import type { AuditReport } from '../contracts/report.js';
import type { TranscriptEvent } from '../contracts/transcript.js';

type Awaitable<T> = T | Promise<T>;

/** How long a claim on a game lasts without renewal; a runner renews it at a third of that. */
export const CLAIM_LEASE_MS = 90_000;

/**
 * What the runner needs from storage. The SQLite store implements it; the core never touches a
 * database. Each method is one short transaction, and none is ever held across a model call.
 */
export interface RunStore {
  /** Writes the experiment and all its planned games at once, or nothing. Refuses an existing id. */
  createExperiment(record: ExperimentRecord, games: readonly GamePlan[]): Awaitable<void>;
  /** Adds planned games to an experiment, skipping any already there: adaptive sweeps plan a round at a time. */
  addGames(experimentId: string, games: readonly GamePlan[]): Awaitable<void>;
  getExperiment(id: string): Awaitable<ExperimentRecord | undefined>;
  listExperiments(): Awaitable<ExperimentRecord[]>;
  listGames(experimentId: string, filter?: { status?: readonly GameStatus[] }): Awaitable<GameRecord[]>;
  getGame(gameId: string): Awaitable<GameRecord | undefined>;
  /**
   * Marks a game running and bumps its attempt count. Events, report and grades left by an earlier,
   * unfinished attempt are deleted in the same transaction, so a resumed game never counts twice.
   */
  startGame(gameId: string, startedAt: string): Awaitable<void>;
  /**
   * Claims a game for this runner and starts it, atomically: only a pending game (or, with
   * `retryErrors`, a failed one), or a running game whose claim has gone stale, can be claimed. False
   * when another runner holds it, so two runners on one experiment never play the same game. A claim
   * lasts `CLAIM_LEASE_MS` unless renewed, and a claim whose runner process is gone is stale at once,
   * so a resume after a crash takes the crashed runner's games.
   */
  claimGame(gameId: string, startedAt: string, options: { retryErrors: boolean }): Awaitable<boolean>;
  /** Extends this runner's claim on a game it is playing; false when the claim was lost. */
  renewClaim(gameId: string): Awaitable<boolean>;
  appendEvent(event: TranscriptEvent): Awaitable<void>;
  /**
   * Stores the report, its grade and the usage, and marks the game finished, in one transaction. The
   * grade is absent only when the ground truth is sealed and its key was not present.
   */
  finishGame(gameId: string, result: { report: AuditReport; grade?: Grade; usage: GameUsage; finishedAt: string }): Awaitable<void>;
  /** Stores the cause and marks the game failed. A report, if the auditor got that far, is kept. */
  failGame(gameId: string, result: { error: ErrorInfo; usage: GameUsage; finishedAt: string; report?: AuditReport }): Awaitable<void>;
  /** Adds or replaces the grade a grader gave a game; re-grading never reruns the game. */
  saveGrade(gameId: string, grade: Grade): Awaitable<void>;
  getEvents(gameId: string): Awaitable<TranscriptEvent[]>;
  getReport(gameId: string): Awaitable<AuditReport | undefined>;
  getGrades(gameId: string): Awaitable<Grade[]>;
}
