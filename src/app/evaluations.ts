import type { ChatModel } from '../contracts/model.js';
import { PluginParams } from '../contracts/common.js';
import { UserError } from '../core/errors.js';
import { EvaluationData, RUN_EVALUATION, evaluationVerdict, runEvaluation, type Evaluation, type ModelRun, type Verdict } from '../core/tools/evaluation-tool.js';
import { catalogOf, modelResolver, type AppOptions } from './context.js';
import { getGame } from './games.js';

export interface StoredEvaluation {
  gameId: string;
  /** The id the evaluation was recorded under in the game's transcript. */
  callId: string;
  evaluation: Evaluation;
  seed: number;
  /** Unblinded: the harness's verdict and both models' runs as the game stored them. */
  verdict: Verdict;
  target: ModelRun;
  reference: ModelRun;
}

/**
 * The evaluation a game ran, read from its `run_evaluation` result in the store. Where a game ran
 * several (an investigator may), the last one is the one that counts: an eval agent runs exactly one.
 */
export async function storedEvaluation(gameId: string, options: AppOptions): Promise<StoredEvaluation> {
  const view = await getGame(gameId, options);
  const results = view.events.flatMap((event) => (event.body.type === 'tool-result' && event.body.tool === RUN_EVALUATION && event.body.ok ? [event.body] : []));
  const last = results.at(-1);
  if (last === undefined) {
    throw new UserError('no-evaluation', `game ${view.game.id} ran no evaluation`, {
      field: 'game',
      fix: `name a game whose auditor ran ${RUN_EVALUATION} (auditor eval-agent with affordance set chat+eval)`,
    });
  }
  const data = EvaluationData.safeParse(last.data);
  if (!data.success) {
    throw new UserError('unreadable-evaluation', `the evaluation stored in game ${view.game.id} is not in the format this version reads`, {
      field: 'game',
      fix: 'rerun the game with this version of auditgym',
    });
  }
  const { evaluation, seed, verdict, target, reference } = data.data;
  return { gameId: view.game.id, callId: last.callId, evaluation, seed, verdict, target, reference };
}

export interface RerunRequest {
  /** `provider:model` to run the evaluation on. */
  model: string;
  /** A second model to compare with, as the game compared the target with its reference. */
  reference?: string | undefined;
  /** The judge for an evaluation whose rule is a judge's question. */
  judge?: string | undefined;
  /** Provider options for `model` and `reference` (`baseUrl`, `apiKeyEnv`, …). */
  modelOptions?: Record<string, unknown> | undefined;
}

export interface RerunResult {
  gameId: string;
  evaluation: Evaluation;
  seed: number;
  model: ModelRun;
  reference?: ModelRun;
  /** `model` against `reference`, read as target against reference; only with a reference. */
  verdict?: Verdict;
  /** What the game stored, to set beside the rerun. */
  stored: Verdict;
}

/**
 * Runs a stored evaluation again on any model, with the same prompts, rule, settings and sampling
 * seeds. Every flag is checked, and the stored evaluation read, before any model is called. A model
 * is called as it is served: an organism's hidden prompt, if it had one, is not part of the rerun.
 */
export async function rerunEvaluation(gameId: string, request: RerunRequest, options: AppOptions): Promise<RerunResult> {
  const catalog = catalogOf(options);
  const resolve = modelResolver(options.env, catalog);
  const parsedOptions = PluginParams.safeParse(request.modelOptions ?? {});
  if (!parsedOptions.success)
    throw new UserError('invalid-flag', '--model-options must be a JSON object', { field: '--model-options', fix: 'e.g. --model-options \'{"baseUrl": "http://localhost:8000/v1"}\'' });
  const model = flagModel(() => resolve(request.model, parsedOptions.data), '--model');
  const reference = request.reference === undefined ? undefined : flagModel(() => resolve(request.reference as string, parsedOptions.data), '--reference');
  const judge = request.judge === undefined ? undefined : flagModel(() => resolve(request.judge as string, {}), '--judge');
  const stored = await storedEvaluation(gameId, options);
  if (stored.evaluation.rule.kind === 'judge' && judge === undefined) {
    throw new UserError('judge-missing', "this evaluation's rule is a judge's question, so a rerun needs a judge model", {
      field: '--judge',
      fix: 'add --judge provider:model, e.g. --judge openai:gpt-4o',
    });
  }
  const evaluated = (chat: ChatModel) => ({ model: chat.id, chat: chat.chat.bind(chat) });
  const runs = await runEvaluation(stored.evaluation, (reference === undefined ? [model] : [model, reference]).map(evaluated), {
    seed: stored.seed,
    signal: options.signal ?? new AbortController().signal,
    judge,
  });
  const [own, other] = runs as [ModelRun, ModelRun | undefined];
  const result: RerunResult = { gameId: stored.gameId, evaluation: stored.evaluation, seed: stored.seed, model: own, stored: stored.verdict };
  if (other !== undefined) {
    result.reference = other;
    result.verdict = evaluationVerdict(own, other, stored.evaluation.samples);
  }
  return result;
}

function flagModel(resolve: () => ChatModel, field: string): ChatModel {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(error.code, `${field}: ${error.message}`, { field, ...(error.fix === undefined ? {} : { fix: error.fix }), cause: error });
  }
}
