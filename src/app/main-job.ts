import type { SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import { wilsonInterval } from '../core/stats.js';
import { catalogOf, type AppOptions } from './context.js';
import { openPoolFor } from './worker-pool.js';
import { runExperimentSpec, type RunResult } from './experiments.js';
import type { CellSummary } from './summary.js';
import { writeReport } from './report.js';
import { resolveSuite } from './suites.js';
import { runTechniqueMatrix, type TechniqueMatrix } from './techniques.js';

/** The suite the main job audits: the micro zoo, which runs offline. */
export const MAIN_SUITE = 'micro';

export const MAIN_AFFORDANCE_SETS = ['chat', 'chat+prefill', 'chat+sampling', 'chat+data', 'chat+whitebox', 'chat+diffing', 'all'];

/** The red-team auditor beside the baseline: breadth over the chat tools, ranked offline. */
export const RED_TEAM_AFFORDANCE_SETS = ['chat'];

export interface SplitSummary {
  split: 'dev' | 'test';
  affordanceSet: string;
  wins: number;
  games: number;
  winRate: number;
  interval: { low: number; high: number };
  /** Claims made about control organisms: every one is a false positive. */
  controlClaims: number;
}

export interface MainJobResult {
  run: RunResult;
  splits: SplitSummary[];
  /** The offline red-team auditor on the same organisms, with the chat tools. */
  redTeam: { splits: SplitSummary[] };
  techniques: TechniqueMatrix;
  report: string;
}

/**
 * The default experiment, offline: the micro suite × the baseline auditor × every affordance set,
 * the red-team auditor beside it on the chat tools, then the technique matrix, then an HTML report
 * beside the store.
 */
export async function runMainJob(
  options: AppOptions & {
    onStage?: ((stage: string) => void) | undefined;
    /** Cells of the technique matrix done, of all of them: the step that used to print nothing for minutes. */
    onTechniqueProgress?: ((done: number, total: number) => void) | undefined;
    organisms?: string[] | undefined;
  },
): Promise<MainJobResult> {
  const catalog = catalogOf(options);
  const suite = resolveSuite(MAIN_SUITE, { catalog, cwd: options.cwd });
  // Organisms are environments of the same id in the micro suite; a subset runs every step on fewer of them.
  const environments = options.organisms === undefined ? undefined : suite.environments.filter((environment) => options.organisms?.includes(environment.id)).map((environment) => environment.id);
  if (options.organisms !== undefined) {
    const unknown = options.organisms.find((id) => !suite.environments.some((environment) => environment.id === id));
    if (unknown !== undefined)
      throw new UserError('unknown-organism', `the ${MAIN_SUITE} suite has no organism "${unknown}"`, {
        field: '--organisms',
        fix: `use some of: ${suite.environments.map((environment) => environment.id).join(', ')}`,
      });
  }
  // One pool of worker threads for the games and the matrix, so each worker loads an organism once.
  const pool = openPoolFor(options, catalog, Number.MAX_SAFE_INTEGER);
  try {
    options.onStage?.(`games: the micro suite × the baseline auditor × ${MAIN_AFFORDANCE_SETS.length} affordance sets, and the red-team auditor (offline ranking) × chat`);
    const run = await runExperimentSpec(
      {
        name: 'main job',
        suite: MAIN_SUITE,
        ...(environments === undefined ? {} : { environments }),
        // One experiment, so the red-team sits beside the baseline in the paired comparisons and the report.
        auditors: [{ id: 'baseline' }, { id: 'red-team', params: { ranker: 'offline' }, affordanceSets: RED_TEAM_AFFORDANCE_SETS }],
        affordanceSets: MAIN_AFFORDANCE_SETS,
        repeats: 1,
        seed: 0,
        concurrency: 2,
      },
      { ...options, catalog, pool },
    );
    const splits = splitSummaries(run.cells, suite, 'baseline', MAIN_AFFORDANCE_SETS);
    const redTeam = { splits: splitSummaries(run.cells, suite, 'red-team', RED_TEAM_AFFORDANCE_SETS) };
    options.onStage?.('the technique matrix: every probe on every organism');
    const techniques = await runTechniqueMatrix({ ...options, catalog, pool, suite: MAIN_SUITE, organisms: options.organisms, onCellsDone: options.onTechniqueProgress });
    options.onStage?.('the report');
    const { file: report } = await writeReport(run.experimentId, { ...options, catalog, techniques });
    return { run, splits, redTeam, techniques, report };
  } finally {
    await pool?.close();
  }
}

function splitSummaries(cells: readonly CellSummary[], suite: SuiteSpec, auditor: string, sets: readonly string[]): SplitSummary[] {
  const environments = new Map(suite.environments.map((environment) => [environment.id, environment]));
  const controls = new Set(suite.organisms.filter((organism) => organism.control).map((organism) => organism.id));
  const out: SplitSummary[] = [];
  for (const split of ['dev', 'test'] as const) {
    for (const set of sets) {
      const chosen = cells.filter((cell) => cell.auditor === auditor && cell.affordanceSet === set && environments.get(cell.environmentId)?.split === split);
      const organismOf = (id: string) => {
        const organism = environments.get(id)?.organism;
        return typeof organism === 'string' ? organism : organism?.id;
      };
      // Controls are scored on precision, not counted as wins.
      const scored = chosen.filter((cell) => !controls.has(organismOf(cell.environmentId) ?? ''));
      const wins = scored.reduce((sum, cell) => sum + cell.wins, 0);
      const games = scored.reduce((sum, cell) => sum + cell.graded, 0);
      const controlClaims = chosen.filter((cell) => controls.has(organismOf(cell.environmentId) ?? '')).reduce((sum, cell) => sum + cell.graded - cell.wins, 0);
      out.push({ split, affordanceSet: set, wins, games, winRate: games === 0 ? 0 : wins / games, interval: wilsonInterval(wins, games), controlClaims });
    }
  }
  return out;
}
