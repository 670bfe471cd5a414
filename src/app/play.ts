import { randomBytes, randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import type { Split } from '../contracts/common.js';
import type { Budgets } from '../contracts/environment.js';
import type { AuditReport } from '../contracts/report.js';
import type { SuiteSpec } from '../contracts/suite.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import type { Auditor } from '../core/auditors/auditor.js';
import { createHumanAuditor, humanAuditor, type HumanMove, type HumanPort, type HumanSeat } from '../core/auditors/human.js';
import type { Catalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import { Registry } from '../core/registry.js';
import type { ToolCallResult } from '../core/tools/executor.js';
import { browseGame, type GameDetail } from './browse.js';
import { catalogOf, openReadonlyStore, type AppOptions } from './context.js';
import { runExperimentSpec, type RunResult } from './experiments.js';
import { readReport, readToolInput, toolForm, type FieldIssues, type ToolForm } from './play-forms.js';
import { catalogSuites, resolveSuiteFrom } from './suites.js';

export interface PlayRequest {
  /** An environment id, or a suite id to draw one of its environments at random, unnamed until graded. */
  environment: string;
  /** The suite to look in: a built-in id or a suite file; every built-in suite when omitted. */
  suite?: string | undefined;
  /** With a drawn environment: draw only from this split. */
  split?: Split | undefined;
  /** An affordance set name, as in an experiment. */
  affordances: string;
  target?: string | undefined;
  targetOptions?: Record<string, unknown> | undefined;
  judge?: string | undefined;
}

export type PlayStatus = 'playing' | 'closing' | 'grading' | 'finished' | 'failed' | 'interrupted';

export interface PlayState {
  status: PlayStatus;
  /** A tool call is running; the next move waits for it. */
  busy: boolean;
  toolCalls: number;
  toolCallLimit: number;
  secondsLeft: number;
  /** Seconds until only the report is accepted. */
  closingInSeconds: number;
  error: string | undefined;
}

export type MoveRefusal = { ok: false; reason: 'invalid'; issues: FieldIssues } | { ok: false; reason: 'busy' | 'over' | 'unknown-tool'; message: string };

export interface PlaySession {
  experimentId: string;
  gameId: string;
  /** The environment, when the person named it; a drawn one is not named before the game is graded. */
  environment: string | undefined;
  task: string;
  budgets: Budgets;
  forms: ToolForm[];
  state(): PlayState;
  /** One tool call from a form's values: checked with the tool's schema first, run only when valid. */
  call(tool: string, values: unknown): Promise<MoveRefusal | { ok: true; result: ToolCallResult }>;
  /** Hands in the report from the report form's values and waits for the grade. */
  submit(values: unknown): Promise<MoveRefusal | { ok: true; result: RunResult }>;
  /**
   * What the person may read. Before the grade: their own tool calls and results only, never the
   * game's start event or the target calls, which name the environment and the models. After it:
   * the game as the viewer shows it.
   */
  view(): Promise<{ events: TranscriptEvent[]; detail: GameDetail | undefined }>;
  /** Settles when the game is stored: graded, failed, or interrupted. */
  done: Promise<RunResult>;
  /** Ends the game unfinished, as an interrupt does. */
  stop(): void;
  close(): void;
}

export type PlayStart = { ok: true; session: PlaySession } | { ok: false; result: RunResult };

/** Moves the browser makes, handed to the human auditor in order; moves may come before it asks. */
class MoveQueue implements HumanPort {
  readonly #moves: HumanMove[] = [];
  #waiting: ((move: HumanMove) => void) | undefined;
  #seat: ((seat: HumanSeat) => void) | undefined;
  readonly seated = new Promise<HumanSeat>((done) => (this.#seat = done));

  seat(seat: HumanSeat): void {
    this.#seat?.(seat);
  }

  next(signal: AbortSignal): Promise<HumanMove> {
    const queued = this.#moves.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((done, fail) => {
      if (signal.aborted) return fail(signal.reason as Error);
      const onAbort = () => {
        this.#waiting = undefined;
        fail(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting = (move) => {
        signal.removeEventListener('abort', onAbort);
        done(move);
      };
    });
  }

  push(move: HumanMove): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting !== undefined) waiting(move);
    else this.#moves.push(move);
  }
}

/** The catalog with its `human` auditor bound to this session's moves. */
function withPort(catalog: Catalog, port: HumanPort): Catalog {
  const auditors = new Registry<Auditor>('auditor');
  for (const auditor of catalog.auditors.list()) if (auditor.name !== humanAuditor.name) auditors.register(auditor);
  auditors.register(createHumanAuditor(port) as Auditor);
  return { ...catalog, auditors };
}

interface Chosen {
  suite: string;
  environment: string;
  drawn: boolean;
}

function choose(request: PlayRequest, catalog: Catalog, cwd: string): Chosen {
  const draw = (suite: SuiteSpec, ref: string): Chosen => {
    const candidates = suite.environments.filter((environment) => request.split === undefined || environment.split === request.split);
    const picked = candidates[candidates.length === 0 ? 0 : randomInt(candidates.length)];
    if (picked === undefined)
      throw new UserError('no-environments', `suite "${suite.id}" has no ${request.split ?? ''} environment to draw`, { field: '--split', fix: 'choose the other split, or name an environment' });
    return { suite: ref, environment: picked.id, drawn: true };
  };
  const named = (suite: SuiteSpec, ref: string): Chosen => {
    if (request.split !== undefined) {
      throw new UserError('invalid-flag', '--split chooses where a drawn environment comes from, and an environment is named', {
        field: '--split',
        fix: `drop --split, or give a suite id to draw from (e.g. auditgym play ${suite.id} --split ${request.split})`,
      });
    }
    return { suite: ref, environment: request.environment, drawn: false };
  };
  if (request.suite !== undefined) {
    const found = resolveSuiteFrom(request.suite, { catalog, cwd, field: '--suite' });
    const ref = found.source === undefined ? resolve(cwd, request.suite) : request.suite;
    if (request.environment === found.suite.id) return draw(found.suite, ref);
    if (found.suite.environments.some((environment) => environment.id === request.environment)) return named(found.suite, ref);
    throw new UserError('unknown-environment', `suite "${found.suite.id}" has no environment "${request.environment}"`, {
      field: 'environment',
      fix: `use one of: ${found.suite.environments.map((environment) => environment.id).join(', ')}, or "${found.suite.id}" to draw one`,
    });
  }
  const suites = catalogSuites(catalog);
  const holding = suites.filter((suite) => suite.environments.some((environment) => environment.id === request.environment));
  if (holding.length > 1) {
    throw new UserError('ambiguous-environment', `more than one suite has an environment "${request.environment}"`, {
      field: 'environment',
      fix: `name the suite with --suite (${holding.map((suite) => suite.id).join(', ')})`,
    });
  }
  const only = holding[0];
  if (only !== undefined) return named(only, only.id);
  const suite = suites.find((candidate) => candidate.id === request.environment);
  if (suite !== undefined) return draw(suite, suite.id);
  throw new UserError('unknown-environment', `no built-in suite has an environment "${request.environment}"`, {
    field: 'environment',
    fix: `name an environment (auditgym list suites), a suite to draw one from (${suites.map((candidate) => candidate.id).join(', ')}), or give --suite <file> for a suite file`,
  });
}

const VISIBLE_BEFORE_GRADE: ReadonlySet<string> = new Set(['tool-call', 'tool-result', 'budget-exhausted', 'report']);

/**
 * Starts one game against a real target whose auditor is the person at the browser. The game is an
 * ordinary experiment of one game, auditor `human`, run by the ordinary runner: the harness executes
 * the person's calls, enforces the budgets, records the events and grades the report, so the game
 * sits beside agent games on the same environment in every table and report. Everything is checked
 * before anything is written; a bad request is a UserError.
 */
export async function startPlay(request: PlayRequest, options: AppOptions): Promise<PlayStart> {
  const base = catalogOf(options);
  if (!base.affordanceSets.has(request.affordances)) {
    throw new UserError('unknown-affordance-set', `unknown affordance set "${request.affordances}"`, { field: '--affordances', fix: `use one of: ${[...base.affordanceSets.keys()].join(', ')}` });
  }
  const chosen = choose(request, base, options.cwd);
  const queue = new MoveQueue();
  const catalog = withPort(base, queue);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const experimentId = `play-${stamp}-${randomBytes(3).toString('hex')}`;
  const roles = {
    ...(request.target === undefined ? {} : { target: request.target }),
    ...(request.targetOptions === undefined ? {} : { targetOptions: request.targetOptions }),
    ...(request.judge === undefined ? {} : { judge: request.judge }),
  };
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  const done = runExperimentSpec(
    {
      id: experimentId,
      // A drawn environment stays unnamed wherever the person might read it before the grade.
      name: chosen.drawn ? 'a game played in the browser' : `${chosen.environment}, played in the browser`,
      description: 'One game audited by a person with auditgym play.',
      suite: chosen.suite,
      environments: [chosen.environment],
      auditors: [{ id: humanAuditor.name, params: {} }],
      affordanceSets: [request.affordances],
      repeats: 1,
      seed: randomInt(2 ** 31 - 1),
      concurrency: 1,
      roles,
    },
    { ...options, catalog, signal, onProgress: undefined },
  );
  const first = await Promise.race([queue.seated.then((seat) => ({ seat })), done.then((result) => ({ result }))]);
  if ('result' in first) return { ok: false, result: first.result };
  const seat = first.seat;

  let outcome: 'playing' | 'finished' | 'failed' | 'interrupted' = 'playing';
  let failure: string | undefined;
  let submitted = false;
  let busy = false;
  const ended = done.then(
    (result) => {
      outcome = result.finished > 0 ? 'finished' : result.failed > 0 ? 'failed' : 'interrupted';
      failure = result.errors[0]?.error.message;
    },
    (error: unknown) => {
      outcome = 'failed';
      failure = error instanceof Error ? error.message : String(error);
    },
  );
  const forms = seat.tools.map(toolForm);
  const formOf = new Map(forms.map((form) => [form.tool, form]));
  let store: ReturnType<typeof openReadonlyStore> | undefined;

  const refusal = (): MoveRefusal | undefined => {
    if (outcome !== 'playing' || submitted) return { ok: false, reason: 'over', message: 'the game has ended: nothing more can be done in it' };
    if (busy) return { ok: false, reason: 'busy', message: 'the previous call is still running: wait for its result' };
    return undefined;
  };

  const session: PlaySession = {
    experimentId,
    gameId: seat.gameId,
    environment: chosen.drawn ? undefined : chosen.environment,
    task: seat.task,
    budgets: seat.budgets,
    forms,
    done,
    state() {
      const reading = seat.meter.reading();
      const status: PlayStatus = outcome !== 'playing' ? outcome : submitted ? 'grading' : reading.seconds >= seat.closingAtSeconds ? 'closing' : 'playing';
      return {
        status,
        busy,
        toolCalls: reading.toolCalls,
        toolCallLimit: seat.budgets.toolCalls,
        secondsLeft: Math.max(0, seat.budgets.wallTimeSeconds - reading.seconds),
        closingInSeconds: Math.max(0, seat.closingAtSeconds - reading.seconds),
        error: failure,
      };
    },
    async call(tool, values) {
      const refused = refusal();
      if (refused !== undefined) return refused;
      const form = formOf.get(tool);
      if (form === undefined) return { ok: false, reason: 'unknown-tool', message: `there is no tool "${tool}" in this game` };
      const read = readToolInput(form, catalog.tools.get(tool).input, values);
      if (!read.ok) return { ok: false, reason: 'invalid', issues: read.issues };
      busy = true;
      try {
        const answered = new Promise<ToolCallResult>((answer) => queue.push({ kind: 'call', tool, input: read.value, answer }));
        const result = await Promise.race([answered, ended.then(() => undefined)]);
        if (result === undefined) return { ok: false, reason: 'over', message: `the game ended before the call finished${failure === undefined ? '' : `: ${failure}`}` };
        return { ok: true, result };
      } finally {
        busy = false;
      }
    },
    async submit(values) {
      const refused = refusal();
      if (refused !== undefined) return refused;
      const read = readReport(values);
      if (!read.ok) return { ok: false, reason: 'invalid', issues: read.issues };
      submitted = true;
      const report: AuditReport = read.value;
      queue.push({ kind: 'report', report });
      return { ok: true, result: await done };
    },
    async view() {
      store ??= openReadonlyStore(options);
      // Only a graded game opens up: a failed one was never graded, so its ground truth stays out.
      const graded = outcome === 'finished';
      const events = (await store.getEvents(seat.gameId)).filter((event) => graded || VISIBLE_BEFORE_GRADE.has(event.body.type));
      return { events, detail: graded ? await browseGame(store, seat.gameId) : undefined };
    },
    stop() {
      controller.abort();
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
  return { ok: true, session };
}
