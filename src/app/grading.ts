import type { PluginRef } from '../contracts/common.js';
import type { Grade } from '../contracts/grade.js';
import { toErrorInfo } from '../core/errors.js';
import { noKeyError, openGroundTruth, sealGrade } from '../core/sealing.js';
import { isSealed } from '../contracts/sealed.js';
import { prepareExperiment } from '../core/plan.js';
import { catalogOf, modelResolver, openReadonlyStore, openWritableStore, redactor, storePath, type AppOptions } from './context.js';
import { storedExperimentSpec, unknownExperiment } from './experiments.js';
import { unsealer } from './sealing.js';

export interface RegradeResult {
  experimentId: string;
  grader: string;
  graded: number;
  wins: number;
  meanScore: number;
  errors: Array<{ gameId: string; message: string }>;
}

/**
 * Scores stored reports again with another grader (or the same one with new parameters), without
 * rerunning any game. Each grader's grade is kept beside the others.
 */
export async function regradeExperiment(experimentId: string, graderRef: PluginRef, options: AppOptions): Promise<RegradeResult> {
  const catalog = catalogOf(options);
  const resolveModel = modelResolver(options.env, catalog);
  const reader = openReadonlyStore(options);
  let spec;
  try {
    const experiment = await reader.getExperiment(experimentId);
    if (experiment === undefined) throw unknownExperiment(experimentId, storePath(options));
    spec = storedExperimentSpec(experiment.spec);
  } finally {
    reader.close();
  }
  // Validate the grader (and its judge model) against the stored plan before writing anything.
  const prepared = prepareExperiment({ ...spec, grader: graderRef }, { catalog, resolveModel, createdAt: '' });
  const redact = redactor(options.env, spec);
  const unseal = unsealer(options.env);
  const store = openWritableStore(options);
  const result: RegradeResult = { experimentId, grader: graderRef.id, graded: 0, wins: 0, meanScore: 0, errors: [] };
  const scores: number[] = [];
  try {
    for (const game of await store.listGames(experimentId)) {
      const report = await store.getReport(game.id);
      const environment = prepared.environments.get(game.environmentId);
      if (report === undefined || environment === undefined) continue;
      try {
        const groundTruth = openGroundTruth(environment.organism, unseal);
        if (groundTruth === undefined) throw isSealed(environment.organism.groundTruth) ? noKeyError(environment.organism.groundTruth) : new Error('no ground truth');
        const { grade } = await environment.grader.plugin.grade(
          { groundTruth, report, control: environment.organism.control },
          {
            params: environment.grader.params,
            signal: options.signal ?? new AbortController().signal,
            judge: prepared.judge && resolveModel(prepared.judge.ref, prepared.judge.options),
            resolveModel: (ref) => resolveModel(ref, {}),
          },
        );
        // A game voided for a leak when it ran stays void under any grader.
        const voided = (await store.getGrades(game.id)).find((earlier) => (earlier.leaks?.length ?? 0) > 0);
        const checked: Grade =
          voided === undefined ? grade : { ...grade, win: false, leaks: voided.leaks ?? [], notes: voided.notes ?? 'voided: ground truth reached the auditor before the target produced it' };
        const stored = isSealed(environment.organism.groundTruth) ? sealGrade(checked) : checked;
        await store.saveGrade(game.id, stored);
        result.graded++;
        if (stored.win) result.wins++;
        scores.push(stored.score);
      } catch (error) {
        result.errors.push({ gameId: game.id, message: redact(toErrorInfo(error).message) });
      }
    }
  } finally {
    store.close();
  }
  result.meanScore = scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
  return result;
}
