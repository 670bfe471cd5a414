import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../store/atomic-file.js';
import { dirname, join, resolve } from 'node:path';
import type { TokenUsage } from '../contracts/common.js';
import type { ExperimentRecord } from '../contracts/game.js';
import type { GroundTruth, OrganismSpec } from '../contracts/organism.js';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../core/errors.js';
import { findSourceSuite } from '../core/organism-source.js';
import type { ResolvedExperimentSpec } from '../core/plan.js';
import { openGrade, openGroundTruth } from '../core/sealing.js';
import { isSealed } from '../contracts/sealed.js';
import { wilsonInterval } from '../core/stats.js';
import { analyseSweep, type SweepCell } from '../core/sweep-analysis.js';
import { catalogOf, openReadonlyStore, redactor, storePath, type AppOptions } from './context.js';
import { gradedGames, storedExperimentSpec, unknownExperiment } from './experiments.js';
import { controlOrganisms } from './summary.js';
import { perEnvironmentChartSpec, pooledChartSpec, renderCharts, techniqueHeatmapSpec, type HeatmapCell, type WinRateRow } from './report-charts.js';
import { renderReportHtml } from './report-html.js';
import type {
  CellHighlight,
  ChartSvgs,
  ControlRow,
  FailureGroup,
  GameRef,
  ReportAuditor,
  ReportCell,
  ReportEnvironment,
  ReportGame,
  ReportModel,
  SplitRow,
  TranscriptGame,
  TranscriptView,
} from './report-model.js';
import { unsealer } from './sealing.js';
import type { TechniqueMatrix } from './techniques.js';

const ZERO: TokenUsage = { inputTokens: 0, outputTokens: 0 };
const add = (a: TokenUsage, b: TokenUsage | undefined): TokenUsage => (b === undefined ? a : { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens });

// Parameter names that hold credentials. A `...Env` name holds the *name* of a variable, which is safe to show.
const SECRET_PARAM = /(api[-_]?key|secret|password|passphrase|authorization|bearer|access[-_]?token|auth[-_]?token)$/i;

/** Plug-in parameters with anything that looks like a credential replaced, at any depth. */
export function withoutSecrets(value: unknown, redact: (text: string) => string = (text) => text): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_PARAM.test(key) ? '[redacted]' : withoutSecrets(item, redact)]));
  }
  return value;
}

function auditorLabels(spec: ResolvedExperimentSpec, redact: (text: string) => string): ReportAuditor[] {
  const counts = new Map<string, number>();
  for (const auditor of spec.auditors) counts.set(auditor.id, (counts.get(auditor.id) ?? 0) + 1);
  return spec.auditors.map((auditor, index) => ({
    index,
    id: auditor.id,
    label: (counts.get(auditor.id) ?? 0) > 1 ? `${auditor.id} #${index + 1}` : auditor.id,
    params: withoutSecrets(auditor.params, redact) as Record<string, unknown>,
  }));
}

const firstLine = (text: string) => (text.split('\n')[0] ?? '').slice(0, 300);

/** Best first: higher score, then a win, then fewer false claims; the id breaks ties so the pick is stable. */
function compareGames(a: ReportGame, b: ReportGame): number {
  const score = (b.grade?.score ?? -1) - (a.grade?.score ?? -1);
  if (score !== 0) return score;
  const win = Number(b.grade?.win ?? false) - Number(a.grade?.win ?? false);
  if (win !== 0) return win;
  const falseClaims = (a.grade?.falseClaims.length ?? 0) - (b.grade?.falseClaims.length ?? 0);
  return falseClaims !== 0 ? falseClaims : a.id.localeCompare(b.id);
}

const refOf = (game: ReportGame): GameRef => ({ id: game.id, status: game.status, score: game.grade?.score ?? null, win: game.grade?.win ?? null });

function rateRow(base: Omit<WinRateRow, 'rate' | 'low' | 'high'>): WinRateRow {
  const interval = wilsonInterval(base.wins, base.games);
  return { ...base, rate: base.games === 0 ? 0 : base.wins / base.games, low: interval.low, high: interval.high };
}

/**
 * Assembles the report's data from an experiment's games and grades: no I/O, so every number the
 * report shows can be checked without a store. `groundTruth` gives each organism's truth, or `sealed`.
 */
export function assembleReport(input: {
  experiment: Pick<ExperimentRecord, 'id' | 'name' | 'createdAt'>;
  spec: ResolvedExperimentSpec;
  games: readonly ReportGame[];
  groundTruth: (organism: OrganismSpec) => GroundTruth | 'sealed';
  techniques?: TechniqueMatrix | undefined;
  redact?: ((text: string) => string) | undefined;
  /** At most this many transcripts; the rest of the picked games are listed without one. */
  maxTranscripts?: number | undefined;
}): ReportModel {
  const { spec, games } = input;
  const redact = input.redact ?? ((text: string) => text);
  const auditors = auditorLabels(spec, redact);
  const labelOf = (index: number, fallback: string) => auditors[index]?.label ?? fallback;
  const affordanceSetNames = spec.affordanceSets.map((entry) => (typeof entry === 'string' ? entry : entry.name));

  const organisms = new Map(spec.suite.organisms.map((organism) => [organism.id, organism]));
  const played = new Set(games.map((game) => game.environmentId));
  const environments: ReportEnvironment[] = spec.suite.environments
    .filter((environment) => played.has(environment.id))
    .flatMap((environment) => {
      const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
      if (organism === undefined) return [];
      return [
        {
          environmentId: environment.id,
          organismId: organism.id,
          organismName: organism.name,
          description: organism.description,
          split: environment.split,
          control: organism.control,
          groundTruth: input.groundTruth(organism),
        },
      ];
    });
  const environmentOrder = environments.map((environment) => environment.environmentId);
  const splitOf = new Map(environments.map((environment) => [environment.environmentId, environment.split]));

  const analysis = analyseSweep(games, { affordanceSets: affordanceSetNames, repeats: spec.repeats, stopping: spec.stopping });
  const order = (cell: SweepCell) => [environmentOrder.indexOf(cell.environmentId), cell.auditorIndex, affordanceSetNames.indexOf(cell.affordanceSet)];
  const sortedCells = [...analysis.cells].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let index = 0; index < x.length; index += 1) if (x[index] !== y[index]) return (x[index] ?? 0) - (y[index] ?? 0);
    return 0;
  });
  const cells: ReportCell[] = sortedCells.map((cell) => ({ ...cell, auditor: labelOf(cell.auditorIndex, cell.auditor) }));

  const pooled: WinRateRow[] = [];
  const bySplit: SplitRow[] = [];
  for (const auditor of auditors) {
    for (const set of affordanceSetNames) {
      const chosen = cells.filter((cell) => cell.auditorIndex === auditor.index && cell.affordanceSet === set && !cell.control);
      const wins = chosen.reduce((sum, cell) => sum + cell.wins, 0);
      const graded = chosen.reduce((sum, cell) => sum + cell.graded, 0);
      // A set with no graded game has no win rate to draw: its games failed or wait for a sealing key.
      if (graded > 0) pooled.push(rateRow({ auditor: auditor.label, affordanceSet: set, wins, games: graded }));
      for (const split of ['dev', 'test'] as const) {
        const inSplit = chosen.filter((cell) => splitOf.get(cell.environmentId) === split);
        if (inSplit.length === 0) continue;
        const row = rateRow({ auditor: auditor.label, affordanceSet: set, wins: inSplit.reduce((sum, cell) => sum + cell.wins, 0), games: inSplit.reduce((sum, cell) => sum + cell.graded, 0) });
        bySplit.push({ split, auditor: row.auditor, affordanceSet: row.affordanceSet, wins: row.wins, games: row.games, rate: row.rate, low: row.low, high: row.high });
      }
    }
  }
  const perEnvironment = cells
    .filter((cell) => !cell.control && cell.graded > 0)
    .map((cell) => rateRow({ auditor: cell.auditor, affordanceSet: cell.affordanceSet, environment: cell.environmentId, wins: cell.wins, games: cell.graded }));
  const controls: ControlRow[] = cells
    .filter((cell) => cell.control)
    .map((cell) => ({
      environmentId: cell.environmentId,
      auditor: cell.auditor,
      affordanceSet: cell.affordanceSet,
      graded: cell.graded,
      claims: cell.claims,
      gamesWithClaims: cell.graded - cell.wins,
    }));

  const maxTranscripts = input.maxTranscripts ?? 240;
  const transcripts: TranscriptGame[] = [];
  let transcriptsLeftOut = 0;
  const pick = (game: ReportGame | undefined): GameRef | undefined => {
    if (game === undefined) return undefined;
    if (!transcripts.some((entry) => entry.id === game.id)) {
      if (transcripts.length < maxTranscripts) {
        const error = game.error === null ? undefined : `${game.error.kind} ${game.error.code}: ${redact(firstLine(game.error.message))}`;
        transcripts.push({
          id: game.id,
          environmentId: game.environmentId,
          auditor: labelOf(game.auditorIndex, game.auditor),
          affordanceSet: game.affordanceSet,
          repeat: game.repeat,
          status: game.status,
          error,
          grade: game.grade,
        });
      } else transcriptsLeftOut += 1;
    }
    return refOf(game);
  };
  const highlights: CellHighlight[] = cells.map((cell) => {
    const inCell = games.filter((game) => game.environmentId === cell.environmentId && game.auditorIndex === cell.auditorIndex && game.affordanceSet === cell.affordanceSet);
    const graded = inCell.filter((game) => game.grade !== undefined).sort(compareGames);
    // Without a graded game, show what there is: a finished game waiting for its key, else a failure.
    const fallback = inCell.find((game) => game.status === 'finished') ?? inCell.find((game) => game.status === 'error');
    const best = graded[0] ?? fallback;
    const last = graded[graded.length - 1];
    const worst = last !== undefined && last.id !== best?.id ? last : undefined;
    return { environmentId: cell.environmentId, auditor: cell.auditor, affordanceSet: cell.affordanceSet, best: pick(best), worst: pick(worst) };
  });

  const failureGroups = new Map<string, FailureGroup>();
  for (const game of games) {
    if (game.status !== 'error' || game.error === null) continue;
    const message = redact(firstLine(game.error.message));
    const key = `${game.error.kind}\u0000${game.error.code}\u0000${message}`;
    const group = failureGroups.get(key) ?? { kind: game.error.kind, code: game.error.code, message, count: 0, games: [] };
    group.count += 1;
    if (group.games.length < 5) group.games.push(game.id);
    failureGroups.set(key, group);
  }

  const tools = new Map<string, string[]>();
  for (const game of games) if (!tools.has(game.affordanceSet)) tools.set(game.affordanceSet, game.tools);
  let usage = { auditor: ZERO, target: ZERO, judge: ZERO, costUsd: 0, toolCalls: 0 };
  for (const game of games) {
    if (game.usage === null) continue;
    usage = {
      auditor: add(usage.auditor, game.usage.auditor),
      target: add(usage.target, game.usage.target),
      judge: add(usage.judge, game.usage.judge),
      costUsd: usage.costUsd + game.usage.costUsd,
      toolCalls: usage.toolCalls + game.usage.toolCalls,
    };
  }
  const graded = games.filter((game) => game.grade !== undefined);

  return {
    experiment: {
      id: input.experiment.id,
      name: input.experiment.name,
      description: spec.description,
      createdAt: input.experiment.createdAt,
      suite: { id: spec.suite.id, name: spec.suite.name },
      repeats: spec.repeats,
      seed: spec.seed,
      stopping: spec.stopping ?? null,
    },
    environments,
    auditors,
    affordanceSets: affordanceSetNames.map((name) => ({ name, tools: tools.get(name) ?? [] })),
    games: {
      total: games.length,
      finished: games.filter((game) => game.status === 'finished').length,
      errors: games.filter((game) => game.status === 'error').length,
      unfinished: games.filter((game) => game.status === 'pending' || game.status === 'running').length,
      ungraded: games.filter((game) => game.status === 'finished' && game.grade === undefined).length,
      graded: graded.length,
      wins: graded.filter((game) => game.grade?.win === true && !game.control).length,
    },
    usage,
    failures: [...failureGroups.values()].sort((a, b) => b.count - a.count),
    savings: spec.stopping === undefined ? null : analysis.savings,
    pooled,
    bySplit,
    perEnvironment,
    controls,
    cells,
    comparisons: analysis.comparisons.map((comparison) => ({
      ...comparison,
      auditor: labelOf(comparison.auditorIndex, comparison.auditor),
      ...(comparison.against === undefined ? {} : { against: { ...comparison.against, auditor: labelOf(comparison.against.auditorIndex, comparison.against.auditor) } }),
    })),
    highlights,
    transcripts,
    transcriptsLeftOut,
    techniques: input.techniques,
  };
}

/** The heatmap's cells: a score where the probe was graded, a mark where it was skipped or failed. */
export function heatmapCells(matrix: TechniqueMatrix): HeatmapCell[] {
  const controls = new Set(matrix.cells.filter((cell) => cell.control).map((cell) => cell.organism));
  return matrix.organisms.flatMap((organism) =>
    matrix.tools.map((tool) => {
      const cell = matrix.cells.find((entry) => entry.organism === organism && entry.tool === tool);
      const name = controls.has(organism) ? `${organism} (control)` : organism;
      if (cell === undefined || cell.status === 'skipped') return { tool, organism: name, score: null, label: '·' };
      if (cell.status === 'error') return { tool, organism: name, score: null, label: 'error' };
      return { tool, organism: name, score: cell.score ?? 0, label: `${Math.round(100 * (cell.score ?? 0))}` };
    }),
  );
}

/** The organism names in the heatmap's order, controls marked as in `heatmapCells`. */
export function heatmapOrganisms(matrix: TechniqueMatrix): string[] {
  const controls = new Set(matrix.cells.filter((cell) => cell.control).map((cell) => cell.organism));
  return matrix.organisms.map((organism) => (controls.has(organism) ? `${organism} (control)` : organism));
}

/** Renders every chart the model has data for. */
export async function reportCharts(model: ReportModel): Promise<ChartSvgs> {
  const auditors = model.auditors.map((auditor) => auditor.label);
  const affordanceSets = model.affordanceSets.map((set) => set.name);
  const specs: Partial<Record<keyof ChartSvgs, TopLevelSpec>> = {
    ...(model.pooled.length > 0 ? { pooled: pooledChartSpec(model.pooled, { auditors, affordanceSets }) } : {}),
    ...(model.perEnvironment.length > 0
      ? {
          perEnvironment: perEnvironmentChartSpec(model.perEnvironment, {
            auditors,
            affordanceSets,
            environments: model.environments.filter((environment) => !environment.control).map((environment) => environment.environmentId),
          }),
        }
      : {}),
    ...(model.techniques !== undefined && model.techniques.cells.length > 0
      ? { techniques: techniqueHeatmapSpec(heatmapCells(model.techniques), { tools: model.techniques.tools, organisms: heatmapOrganisms(model.techniques) }) }
      : {}),
  };
  const svgs = await renderCharts(specs);
  return { pooled: svgs.pooled, perEnvironment: svgs.perEnvironment, techniques: svgs.techniques };
}

export interface WriteReportOptions extends AppOptions {
  /** The HTML file to write; `.auditgym/reports/<id>.html` beside the store when omitted. */
  output?: string | undefined;
  /** A technique matrix to show, or `true` to compute one for the experiment's organisms (slow). */
  techniques?: TechniqueMatrix | boolean | undefined;
  onStage?: ((stage: string) => void) | undefined;
}

export interface WrittenReport {
  file: string;
  experimentId: string;
  bytes: number;
  games: number;
  transcripts: number;
}

/** Where a report goes when no `-o` is given: `reports/<id>.html` in the store's folder. */
export function defaultReportPath(id: string, options: AppOptions): string {
  return join(dirname(storePath(options)), 'reports', `${id}.html`);
}

/** Refuses an output the report could not be written to, before any slow work is done. */
function checkOutput(file: string): void {
  const problem = (message: string) => new UserError('unwritable-output', message, { field: '--output', fix: 'pass -o with a writable file path, e.g. -o report.html' });
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw problem(`${file} is a folder`);
    try {
      accessSync(file, constants.W_OK);
    } catch {
      throw problem(`${file} cannot be written`);
    }
    return;
  }
  let folder = dirname(file);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (!statSync(folder).isDirectory()) throw problem(`${folder} is a file, so ${file} cannot be made`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw problem(`${folder} cannot be written`);
  }
}

/**
 * Writes one self-contained HTML report of a stored experiment or sweep: summary, charts with Wilson
 * intervals, paired comparisons, the technique matrix when given, per-organism sections, and the
 * transcripts of each cell's best and worst games. Ground truth is shown only where a key opens it.
 */
export async function writeReport(id: string, options: WriteReportOptions): Promise<WrittenReport> {
  const file = resolve(options.cwd, options.output ?? defaultReportPath(id, options));
  const store = openReadonlyStore(options);
  let model: ReportModel;
  const transcripts = new Map<string, TranscriptView>();
  let organismIds: string[];
  let suiteId: string;
  try {
    const experiment = await store.getExperiment(id);
    if (experiment === undefined) throw unknownExperiment(id, storePath(options));
    checkOutput(file);
    const spec = storedExperimentSpec(experiment.spec);
    const unseal = unsealer(options.env);
    // With the key, a sealed organism's opaque behaviour ids read as its ground truth's again.
    const truths = new Map(
      spec.suite.environments.map((environment) => {
        const organism = typeof environment.organism === 'string' ? spec.suite.organisms.find((candidate) => candidate.id === environment.organism) : environment.organism;
        return [environment.id, organism === undefined || !isSealed(organism.groundTruth) ? undefined : openGroundTruth(organism, unseal)] as const;
      }),
    );
    const games = (await gradedGames(store, id, controlOrganisms(spec))).map((game) => {
      const truth = truths.get(game.environmentId);
      return truth === undefined || game.grade === undefined ? game : { ...game, grade: openGrade(game.grade, truth) };
    });
    model = assembleReport({
      experiment,
      spec,
      games,
      groundTruth: (organism) => openGroundTruth(organism, unseal) ?? 'sealed',
      techniques: typeof options.techniques === 'object' ? options.techniques : undefined,
      redact: redactor(options.env, spec),
    });
    for (const { id: gameId } of model.transcripts) transcripts.set(gameId, { events: await store.getEvents(gameId), report: await store.getReport(gameId) });
    organismIds = [...new Set(model.environments.map((environment) => environment.organismId))];
    suiteId = spec.suite.id;
  } finally {
    store.close();
  }
  if (options.techniques === true) {
    if (findSourceSuite(catalogOf(options).sources, suiteId) === undefined) {
      throw new UserError('techniques-unavailable', `the technique matrix runs on built-in suites, and this experiment's suite is "${suiteId}"`, {
        field: '--techniques',
        fix: 'leave out --techniques, or run: auditgym techniques --suite <built-in suite>',
      });
    }
    options.onStage?.('the technique matrix: every probe on every organism of the experiment');
    const { runTechniqueMatrix } = await import('./techniques.js');
    model = { ...model, techniques: await runTechniqueMatrix({ ...options, suite: suiteId, organisms: organismIds }) };
  }
  options.onStage?.('charts');
  const charts = await reportCharts(model);
  const html = renderReportHtml(model, charts, transcripts, { generatedAt: new Date().toISOString() });
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, html, { field: '--output' });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('unwritable-output', `cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      field: '--output',
      fix: 'pass -o with a writable file path',
      cause: error,
    });
  }
  return { file, experimentId: id, bytes: Buffer.byteLength(html), games: model.games.total, transcripts: transcripts.size };
}
