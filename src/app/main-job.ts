import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SuiteSpec } from '../contracts/suite.js';
import { wilsonInterval } from '../core/stats.js';
import { microSuite } from '../micro/zoo-specs.js';
import { storePath, type AppOptions } from './context.js';
import { runExperimentSpec, type RunResult } from './experiments.js';
import type { CellSummary } from './summary.js';
import { runTechniqueMatrix, type TechniqueMatrix } from './techniques.js';

export const MAIN_AFFORDANCE_SETS = ['chat', 'chat+prefill', 'chat+sampling', 'chat+data', 'chat+whitebox', 'all'];

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
  techniques: TechniqueMatrix;
  report: string;
}

/**
 * The default experiment, offline: the micro suite × the baseline auditor × every affordance set,
 * then the technique matrix, then an HTML report beside the store.
 */
export async function runMainJob(options: AppOptions & { onStage?: ((stage: string) => void) | undefined }): Promise<MainJobResult> {
  options.onStage?.('games: the micro suite × the baseline auditor × 6 affordance sets');
  const run = await runExperimentSpec({ name: 'main job', suite: 'micro', auditors: [{ id: 'baseline' }], affordanceSets: MAIN_AFFORDANCE_SETS, repeats: 1, seed: 0, concurrency: 2 }, options);
  const suite = microSuite();
  const splits = splitSummaries(run.cells, suite);
  options.onStage?.('the technique matrix: every probe on every organism');
  const techniques = await runTechniqueMatrix({ ...options, suite: 'micro' });
  const report = join(dirname(storePath(options)), 'reports', `${run.experimentId}.html`);
  mkdirSync(dirname(report), { recursive: true });
  writeFileSync(report, renderHtml(run, splits, techniques));
  return { run, splits, techniques, report };
}

function splitSummaries(cells: readonly CellSummary[], suite: SuiteSpec): SplitSummary[] {
  const environments = new Map(suite.environments.map((environment) => [environment.id, environment]));
  const controls = new Set(suite.organisms.filter((organism) => organism.control).map((organism) => organism.id));
  const out: SplitSummary[] = [];
  for (const split of ['dev', 'test'] as const) {
    for (const set of MAIN_AFFORDANCE_SETS) {
      const chosen = cells.filter((cell) => cell.affordanceSet === set && environments.get(cell.environmentId)?.split === split);
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

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const percent = (value: number) => `${Math.round(100 * value)}%`;

function renderHtml(run: RunResult, splits: readonly SplitSummary[], techniques: TechniqueMatrix): string {
  const cellRows = run.cells
    .map((cell) => `<tr><td>${escape(cell.environmentId)}</td><td>${escape(cell.affordanceSet)}</td><td>${cell.wins}/${cell.graded}</td><td>${percent(cell.winRate)} [${percent(cell.interval.low)}, ${percent(cell.interval.high)}]</td><td>${cell.meanScore.toFixed(2)}</td><td>${cell.errors}</td></tr>`)
    .join('\n');
  const splitRows = splits
    .map((row) => `<tr><td>${row.split}</td><td>${escape(row.affordanceSet)}</td><td>${row.wins}/${row.games}</td><td>${percent(row.winRate)} [${percent(row.interval.low)}, ${percent(row.interval.high)}]</td><td>${row.controlClaims}</td></tr>`)
    .join('\n');
  const matrixHead = techniques.tools.map((tool) => `<th>${escape(tool)}</th>`).join('');
  const matrixRows = techniques.organisms
    .map((organism) => {
      const cells = techniques.tools.map((tool) => {
        const cell = techniques.cells.find((entry) => entry.organism === organism && entry.tool === tool);
        return `<td>${cell === undefined || cell.status === 'skipped' ? '·' : cell.status === 'error' ? 'error' : percent(cell.score ?? 0)}</td>`;
      });
      return `<tr><td>${escape(organism)}</td>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>auditgym: ${escape(run.experimentId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f4f4f4}</style>
</head><body>
<h1>auditgym main job</h1>
<p>Experiment <code>${escape(run.experimentId)}</code>: the micro suite, the baseline auditor, ${MAIN_AFFORDANCE_SETS.length} affordance sets. ${run.finished} games finished, ${run.failed} failed.</p>
<h2>Win rate by split and affordance set</h2>
<p>Wilson 95% intervals. Controls are not counted as wins; every claim about a control is a false positive.</p>
<table><tr><th>split</th><th>affordances</th><th>wins</th><th>win rate (95% CI)</th><th>claims about controls</th></tr>
${splitRows}
</table>
<h2>Every cell</h2>
<table><tr><th>environment</th><th>affordances</th><th>wins</th><th>win rate (95% CI)</th><th>score</th><th>errors</th></tr>
${cellRows}
</table>
<h2>Technique × organism matrix</h2>
<p>Each tool's fixed-budget probe, graded like a report; · where the target lacks the probe's capability.
Organisms every technique misses: ${escape(techniques.summary.hardOrganisms.join(', ') || 'none')}.</p>
<table><tr><th>organism</th>${matrixHead}</tr>
${matrixRows}
</table>
</body></html>
`;
}
