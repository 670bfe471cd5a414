import type { TokenUsage } from '../contracts/common.js';
import type { ErrorInfo } from '../contracts/errors.js';
import type { GamePlan, GameUsage } from '../contracts/game.js';
import type { ChatModel, ModelResolver } from '../contracts/model.js';
import type { AuditReport } from '../contracts/report.js';
import type { Price } from '../contracts/suite.js';
import type { EventBody } from '../contracts/transcript.js';
import type { AuditorResult } from './auditors/auditor.js';
import { SystemError, UserError, toErrorInfo } from './errors.js';
import { groundTruthNeedles, transcriptLeaks } from './leaks.js';
import { BudgetMeter } from './meter.js';
import type { PreparedExperiment } from './plan.js';
import { isSealed } from '../contracts/sealed.js';
import { openGroundTruth, openTarget, sealGrade, type Unsealer } from './sealing.js';
import { CLAIM_LEASE_MS, type RunStore } from './store-port.js';
import { createTarget } from './target.js';
import { ToolExecutor } from './tools/executor.js';
import type { Tool } from './tools/tool.js';
import { TranscriptWriter } from './transcript.js';
import { deadlineSignal } from './signals.js';
import { invalidGame, retirement } from './validity.js';
import { addUsage, emptyUsage } from './usage.js';

export interface GameDeps {
  store: RunStore;
  resolveModel: ModelResolver;
  /** The run's signal: aborting it leaves the game unfinished, for a later resume. */
  signal: AbortSignal | undefined;
  /** Also claim games that ended in an error. */
  retryErrors?: boolean | undefined;
  clock: () => number;
  now: () => Date;
  redact: (text: string) => string;
  unseal: Unsealer | undefined;
}

export type GameOutcome = { status: 'finished' } | { status: 'interrupted' } | { status: 'failed'; error: ErrorInfo } | { status: 'elsewhere' };

/**
 * Plays one game and stores it: the harness builds the target, the tool executor and the meter, hands
 * the auditor only those, grades its report against the ground truth, and voids the grade if the
 * ground truth reached the auditor's context. Usage comes from the harness's own counts. A failure is
 * stored with its cause; an abort of the run's signal leaves the game for a resume.
 */
export async function playGame(prepared: PreparedExperiment, game: GamePlan, deps: GameDeps): Promise<GameOutcome> {
  const { store, now, redact } = deps;
  const scrub = <T>(value: T): T => JSON.parse(redact(JSON.stringify(value))) as T;
  const environment = prepared.environments.get(game.environmentId);
  const auditor = prepared.auditors[game.auditorIndex];
  if (environment === undefined || auditor === undefined) {
    throw new SystemError('plan-mismatch', `game ${game.id} does not belong to this plan`);
  }
  // The game is claimed before it runs: a second runner on the same experiment skips it.
  if (!(await store.claimGame(game.id, now().toISOString(), { retryErrors: deps.retryErrors === true }))) return { status: 'elsewhere' };
  const heartbeat = setInterval(() => void Promise.resolve(store.renewClaim(game.id)).catch(() => undefined), CLAIM_LEASE_MS / 3);
  const byModel = new Map<string, TokenUsage>();
  const usage = { target: emptyUsage(), judge: emptyUsage() };
  const count = (model: string, used: TokenUsage, role?: 'target' | 'judge') => {
    if (role !== undefined) addUsage(usage[role], used);
    const entry = byModel.get(model) ?? emptyUsage();
    addUsage(entry, used);
    byModel.set(model, entry);
  };
  // The game's events are kept in memory too, for the leak check after grading.
  const bodies: EventBody[] = [];
  const transcript = new TranscriptWriter(
    game.id,
    (event) => {
      bodies.push(event.body);
      return store.appendEvent(scrub(event));
    },
    now,
  );
  const meter = new BudgetMeter(environment.budgets, deps.clock, async (refused) => {
    await transcript.append({ type: 'budget-exhausted', budget: refused.budget, used: refused.used, limit: refused.limit });
  });
  const gameUsage = (): GameUsage => {
    const reading = meter.reading();
    return { auditor: reading.usage, target: usage.target, judge: usage.judge, costUsd: cost(byModel, prepared.spec.pricing), toolCalls: reading.toolCalls, turns: reading.turns };
  };
  /** Stores the game as an error with its cause, keeping the report it got to. */
  const fail = async (info: ErrorInfo): Promise<GameOutcome> => {
    await transcript.append({ type: 'error', error: info }).catch(() => undefined);
    const failure: Parameters<RunStore['failGame']>[1] = { error: info, usage: gameUsage(), finishedAt: now().toISOString() };
    if (report !== undefined) failure.report = scrub(report);
    await store.failGame(game.id, failure);
    return { status: 'failed', error: info };
  };
  const wallTime = deadlineSignal(deps.signal, environment.budgets.wallTimeSeconds * 1_000, 'the game ran past its wall-time budget');
  const signal = wallTime.signal;
  let report: AuditReport | undefined;
  try {
    const retired = retirement(environment.organism.origin, now());
    if (retired !== undefined) return await fail({ kind: 'provider', code: 'target-retired', message: `${retired}: the game is unavailable, not lost`, retryable: false });
    const targetModel = deps.resolveModel(environment.target.ref, environment.target.options);
    const referenceModel = environment.reference && deps.resolveModel(environment.reference.ref, environment.reference.options);
    const opened = openTarget(environment.organism, deps.unseal);
    const target = createTarget({
      organism: opened,
      model: targetModel,
      referenceModel,
      onCall: async (call) => {
        if (call.response !== undefined) count(call.model, call.response.usage, 'target');
        await transcript.append({ type: 'target-call', ...call });
      },
    });
    await transcript.append({
      type: 'game-start',
      environmentId: game.environmentId,
      organismId: game.organismId,
      auditor: game.auditor,
      affordanceSet: game.affordanceSet,
      tools: game.tools,
      seed: game.seed,
    });
    // Tools that score replies harness-side (an evaluation's judge rule) use the experiment's judge,
    // counted as judge usage: it works for the harness, not for the auditor.
    const rolesJudge = prepared.judge && deps.resolveModel(prepared.judge.ref, prepared.judge.options);
    const toolJudge: ChatModel | undefined = rolesJudge && {
      id: rolesJudge.id,
      provider: rolesJudge.provider,
      capabilities: rolesJudge.capabilities,
      chat: async (request, callOptions) => {
        const response = await rolesJudge.chat(request, callOptions);
        count(rolesJudge.id, response.usage, 'judge');
        return response;
      },
    };
    const tools = new ToolExecutor({
      tools: game.tools.map((name) => prepared.tools.get(name) as Tool),
      context: { target, seed: game.seed, notes: [], ...(toolJudge === undefined ? {} : { judge: toolJudge }) },
      signal,
      meter,
      transcript,
    });
    // The auditor's own models are counted per model for cost, then metered against its budgets.
    const auditorModel = (ref: string, options: Record<string, unknown> = {}): ChatModel => {
      const model = deps.resolveModel(ref, options);
      return meter.meter({
        id: model.id,
        provider: model.provider,
        capabilities: model.capabilities,
        chat: async (request, callOptions) => {
          const response = await model.chat(request, callOptions);
          count(model.id, response.usage);
          return response;
        },
      });
    };
    let result: AuditorResult;
    try {
      result = await auditor.plugin.audit({
        params: auditor.params,
        task: environment.spec.task,
        tools,
        budgets: environment.budgets,
        meter,
        transcript,
        signal,
        clock: deps.clock,
        seed: game.seed,
        earlierReports: (request) => earlierReports(store, game, request),
        resolveModel: auditorModel,
      });
    } catch (error) {
      // An auditor that lets a refused call escape simply ran out of budget: it ends with no report.
      if (toErrorInfo(error).kind !== 'budget' || signal.aborted) throw error;
      result = { report: undefined, stopReason: 'budget' };
    }
    report = result.report ?? { summary: `The auditor submitted no report (${result.stopReason}).`, claims: [] };
    const invalid = invalidGame(bodies);
    if (invalid !== undefined) return await fail(invalid);
    const groundTruth = openGroundTruth(environment.organism, deps.unseal);
    if (groundTruth === undefined) {
      // Sealed and no key here: the game is kept, and `auditgym grade` grades it once the key is present.
      await transcript.append({ type: 'note', text: 'grading deferred: the ground truth is sealed and its key is not available' });
      await store.finishGame(game.id, { report: scrub(report), usage: gameUsage(), finishedAt: now().toISOString() });
      return { status: 'finished' };
    }
    // Grading is bound by the run's signal, not the game's wall time: a slow judge is not the auditor's fault.
    const gradeSignal = deps.signal ?? new AbortController().signal;
    const graded = await environment.grader.plugin.grade(
      { groundTruth, report, control: environment.organism.control },
      {
        params: environment.grader.params,
        signal: gradeSignal,
        judge: prepared.judge && deps.resolveModel(prepared.judge.ref, prepared.judge.options),
        resolveModel: (ref) => deps.resolveModel(ref, {}),
      },
    );
    const judgeModel = String(graded.grade.params.model ?? graded.grade.grader);
    count(judgeModel, graded.usage, 'judge');
    const leaks = transcriptLeaks(bodies, groundTruthNeedles({ id: environment.organism.id, groundTruth, systemPrompt: opened.target.systemPrompt }));
    const grade =
      leaks.length === 0
        ? graded.grade
        : {
            ...graded.grade,
            win: false,
            leaks: leaks.map(({ needle, source, where, excerpt }) => ({ needle, source, where, excerpt })),
            notes: `voided: ground truth reached the auditor's context before the target produced it (${leaks.map((leak) => `"${leak.needle}"`).join(', ')})`,
          };
    // A sealed organism's grade is stored without the ids and words of its ground truth.
    const stored = isSealed(environment.organism.groundTruth) ? sealGrade(grade) : grade;
    await store.finishGame(game.id, { report: scrub(report), grade: stored, usage: gameUsage(), finishedAt: now().toISOString() });
    return { status: 'finished' };
  } catch (error) {
    if (deps.signal?.aborted === true) return { status: 'interrupted' };
    const info: ErrorInfo = wallTime.timedOut()
      ? {
          kind: 'system',
          code: 'wall-time-exceeded',
          message: `the game ran past its wall-time budget of ${environment.budgets.wallTimeSeconds} s`,
          retryable: true,
        }
      : scrub(toErrorInfo(error));
    if (info.kind === 'system' && info.code === 'unexpected' && error instanceof Error && error.stack) {
      info.message = `${info.message}\n${redact(error.stack.split('\n').slice(1, 6).join('\n'))}`;
    }
    return await fail(info);
  } finally {
    clearInterval(heartbeat);
    wallTime.dispose();
  }
}

async function earlierReports(store: RunStore, game: GamePlan, { experimentId, count }: { experimentId: string; count: number }): Promise<AuditReport[]> {
  if ((await store.getExperiment(experimentId)) === undefined) {
    throw new UserError('unknown-experiment', `no experiment "${experimentId}" to take earlier reports from`, {
      field: 'auditors.params.aggregate.experiment',
      fix: 'name an experiment in this store (auditgym list experiments)',
    });
  }
  const earlier = (await store.listGames(experimentId, { status: ['finished'] }))
    .filter((candidate) => candidate.environmentId === game.environmentId)
    .sort((a, b) => a.repeat - b.repeat || a.affordanceSet.localeCompare(b.affordanceSet) || a.auditorIndex - b.auditorIndex);
  const reports: AuditReport[] = [];
  for (const candidate of earlier) {
    if (reports.length >= count) break;
    const found = await store.getReport(candidate.id);
    if (found !== undefined) reports.push(found);
  }
  return reports;
}

function cost(byModel: ReadonlyMap<string, TokenUsage>, pricing: Readonly<Record<string, Price>>): number {
  let total = 0;
  for (const [model, used] of byModel) {
    const price = pricing[model];
    if (price === undefined) continue;
    total += (used.inputTokens * price.inputPerMillionTokens + used.outputTokens * price.outputPerMillionTokens) / 1_000_000;
  }
  return total;
}
