import { analyseSweep, type SweepAnalysis } from '../core/sweep-analysis.js';
import { openReadonlyStore, storePath, type AppOptions } from './context.js';
import { controlOrganisms } from './summary.js';
import { gradedGames, resumeExperiment, runExperimentFile, storedExperimentSpec, unknownExperiment, type RunResult } from './experiments.js';

export interface SweepReport extends SweepAnalysis {
  experimentId: string;
  name: string;
  affordanceSets: string[];
  repeats: number;
  stopping: { boundary: number; minRepeats: number } | null;
}

/** Runs a sweep file (an experiment spec, usually with `stopping`), then analyses what is stored. */
export async function runSweepFile(file: string, options: AppOptions): Promise<{ run: RunResult; report: SweepReport }> {
  const run = await runExperimentFile(file, options);
  return { run, report: await sweepReport(run.experimentId, options) };
}

export async function resumeSweep(id: string, options: AppOptions & { retryErrors?: boolean }): Promise<{ run: RunResult; report: SweepReport }> {
  const run = await resumeExperiment(id, options);
  return { run, report: await sweepReport(id, options) };
}

/** The sweep analysis of a stored experiment: cells, paired comparisons, and games saved. */
export async function sweepReport(id: string, options: AppOptions): Promise<SweepReport> {
  const store = openReadonlyStore(options);
  try {
    const experiment = await store.getExperiment(id);
    if (experiment === undefined) throw unknownExperiment(id, storePath(options));
    const spec = storedExperimentSpec(experiment.spec);
    const games = await gradedGames(store, id, controlOrganisms(spec));
    const affordanceSets = spec.affordanceSets.map((entry) => (typeof entry === 'string' ? entry : entry.name));
    const analysis = analyseSweep(games, { affordanceSets, repeats: spec.repeats, stopping: spec.stopping });
    return { experimentId: id, name: spec.name, affordanceSets, repeats: spec.repeats, stopping: spec.stopping ?? null, ...analysis };
  } finally {
    store.close();
  }
}
