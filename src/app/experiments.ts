import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Identifier } from '../contracts/common.js';
import type { GamePlan, GameRecord } from '../contracts/game.js';
import type { GameOutcome } from '../core/game.js';
import type { GameJob } from './pool-worker.js';
import { openPoolFor, type WorkerPool } from './worker-pool.js';
import type { Grade } from '../contracts/grade.js';
import { primaryGrade } from '../core/graders/grader.js';
import { ExperimentSpec, SuiteSpec } from '../contracts/suite.js';
import { ToolError, UserError, redactError } from '../core/errors.js';
import { defineTool, type Tool } from '../core/tools/tool.js';
import { z } from 'zod';
import { openTarget, type Unsealer } from '../core/sealing.js';
import type { RunStore } from '../core/store-port.js';
import { runAdaptive } from '../core/adaptive.js';
import { prepareExperiment, type ResolvedExperimentSpec } from '../core/plan.js';
import { runExperiment, type RunSummary } from '../core/runner.js';
import { loadExperimentSpec, validateSuite } from '../specs/load.js';
import { allowTools, connectMcpServers, withTools } from './mcp.js';
import { assertNoConfigLeaks } from './leaks.js';
import { addedTools } from './plugins.js';
import { hasPlainSplit, sealSplit, sealingKey, unsealer } from './sealing.js';
import { controlOrganisms, gameCounts, summarizeCells, type CellSummary } from './summary.js';
import { resolveSuiteFrom } from './suites.js';
import type { OrganismSource } from '../core/organism-source.js';
import { catalogOf, modelResolver, openReadonlyStore, openWritableStore, redactor, storePath, type AppOptions } from './context.js';

/** The stored spec of an experiment: the experiment with its suite inlined, so a resume never depends on files. */
const StoredExperimentSpec = ExperimentSpec.extend({ id: Identifier, suite: SuiteSpec });

/** A run's options; `pool` lends it worker threads kept by the caller (the main job keeps one for all its steps). */
export type RunAppOptions = AppOptions & { pool?: WorkerPool | undefined };

export interface RunResult extends RunSummary {
  store: string;
  /** Worker threads the games ran on; 1 when they ran on the caller's thread. */
  workers: number;
  cells: CellSummary[];
  /** With adaptive stopping: rounds run, and games run against a fixed design's count. */
  adaptive?: { rounds: number; fixedGames: number; gamesRun: number };
}

/** Loads, validates and runs an experiment file. Nothing is written unless all of it is valid. */
export async function runExperimentFile(file: string, options: AppOptions): Promise<RunResult> {
  const loaded = loadExperimentSpec(file);
  const spec = loaded.spec;
  const found =
    typeof spec.suite !== 'string' ? { suite: validateSuite(spec.suite, loaded.file), source: undefined } : resolveSuiteFrom(spec.suite, { catalog: catalogOf(options), cwd: dirname(loaded.file) });
  const suite = found.suite;
  const id = spec.id ?? generateId(spec.name);
  return execute({ ...spec, id, suite }, options, { resume: false, retryErrors: false, source: found.source });
}

/** Runs an experiment given as a value (its suite a built-in id or inline), as `run` does with a file. */
export async function runExperimentSpec(raw: unknown, options: RunAppOptions): Promise<RunResult> {
  const spec = ExperimentSpec.parse(raw);
  const found = typeof spec.suite !== 'string' ? { suite: spec.suite, source: undefined } : resolveSuiteFrom(spec.suite, { catalog: catalogOf(options), cwd: options.cwd });
  const suite = found.suite;
  return execute({ ...spec, id: spec.id ?? generateId(spec.name), suite }, options, { resume: false, retryErrors: false, source: found.source });
}

/** Reruns the games of a stored experiment that did not finish (and, with `retryErrors`, those that failed). */
export async function resumeExperiment(id: string, options: AppOptions & { retryErrors?: boolean }): Promise<RunResult> {
  const store = openReadonlyStore(options);
  let stored;
  try {
    stored = await store.getExperiment(id);
    if (stored === undefined) {
      const known = (await store.listExperiments()).slice(0, 10).map((experiment) => experiment.id);
      throw new UserError('unknown-experiment', `no experiment "${id}" in ${store.path}`, {
        field: '--resume',
        fix: known.length > 0 ? `use one of: ${known.join(', ')}` : 'run an experiment first',
      });
    }
  } finally {
    store.close();
  }
  const spec = storedExperimentSpec(stored.spec);
  return execute(spec, options, { resume: true, retryErrors: options.retryErrors === true });
}

type RunMode = { resume: boolean; retryErrors: boolean; source?: OrganismSource | undefined };

async function execute(spec: ResolvedExperimentSpec, options: RunAppOptions, mode: RunMode): Promise<RunResult> {
  // Whatever fails, its message passes the same redaction as everything stored, before it is shown.
  const redact = redactor(options.env, spec);
  try {
    return await executeChecked(spec, options, mode, redact);
  } catch (error) {
    throw redactError(error, redact);
  }
}

async function executeChecked(spec: ResolvedExperimentSpec, options: RunAppOptions, { source, ...mode }: RunMode, redact: (text: string) => string): Promise<RunResult> {
  const plugins = catalogOf(options);
  const resolveModel = modelResolver(options.env, plugins);
  const unseal = unsealer(options.env);
  // Everything is checked before any side effect: an MCP server's command runs only for a spec that
  // is valid but for what only the server can tell (which tools it has), checked once it is connected.
  assertNoConfigLeaks(spec, unseal);
  assertTargetsOpen(spec, unseal);
  const expected = expectedMcpTools(spec);
  const added = addedTools(plugins);
  prepareExperiment({ ...spec, suite: allowTools(spec.suite, [...expected.map((tool) => tool.name), ...added]) }, { catalog: withTools(plugins, expected), resolveModel, createdAt: '' });
  const mcp = await connectMcpServers(spec.mcpServers, options.signal, options.env);
  try {
    const catalog = withTools(plugins, mcp.tools);
    const names = [...mcp.tools.map((tool) => tool.name), ...added];
    // Test-split ground truth is sealed before anything is stored: the store, its exports and every
    // viewer hold it encrypted, and only the grader opens it.
    const suite = hasPlainSplit(spec.suite, 'test') ? sealSplit(spec.suite, 'test', sealingKey(options.env)) : spec.suite;
    const input = { ...spec, suite: allowTools(suite, names) };
    const prepared = prepareExperiment(input, { catalog, resolveModel, createdAt: new Date().toISOString() });
    // The organism source a suite came from is a plug-in of the run like any other, recorded with it.
    if (source !== undefined) prepared.record.plugins.push({ kind: 'source', name: source.name, version: source.version, params: {} });
    const store = openWritableStore(options);
    // Games run on worker threads where the catalog can be rebuilt there; an MCP server's tools are
    // connections of this thread, so their games stay here.
    const pool = spec.mcpServers.length > 0 ? undefined : (options.pool ?? openPoolFor(options, plugins, prepared.games.length, { concurrency: spec.concurrency }));
    const onAbort = () => pool?.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const experiment = { id: prepared.id, input, redactSpec: spec, createdAt: prepared.record.createdAt, retryErrors: mode.retryErrors };
      const pooled =
        pool === undefined
          ? {}
          : {
              concurrency: pool.lookahead,
              play: (game: GamePlan, started: () => void) =>
                pool.run<GameOutcome>({ kind: 'game', game } satisfies GameJob, {
                  affinity: game.organismId,
                  started,
                  shared: { key: `experiment:${experiment.id}:${experiment.createdAt}`, value: experiment },
                }),
            };
      const runOptions = { store, resolveModel, ...mode, redact, unseal, signal: options.signal, onProgress: options.onProgress, ...pooled };
      if (spec.stopping !== undefined) {
        const { rounds, fixedGames, gamesRun, ...summary } = await runAdaptive(prepared, runOptions);
        return { ...summary, store: store.path, workers: pool?.size ?? 1, cells: await cellsOf(store, spec.id, controlOrganisms(spec)), adaptive: { rounds, fixedGames, gamesRun } };
      }
      const summary = await runExperiment(prepared, runOptions);
      return { ...summary, store: store.path, workers: pool?.size ?? 1, cells: await cellsOf(store, spec.id, controlOrganisms(spec)) };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.pool === undefined) await pool?.close();
      store.close();
    }
  } finally {
    await mcp.close();
  }
}

/**
 * Stand-ins for the MCP tools an experiment's affordance sets name (`<server>__<tool>`), so the rest of
 * the spec can be checked before any server is started. The real tools replace them once connected.
 */
function expectedMcpTools(spec: ResolvedExperimentSpec): Tool[] {
  const prefixes = spec.mcpServers.map((server) => `${server.name}__`);
  const named = spec.affordanceSets.flatMap((set) => (typeof set === 'string' ? [] : set.tools)).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  return [...new Set(named)].map((name) =>
    defineTool({
      name,
      description: 'a tool of an MCP server, known once the server is connected',
      input: z.looseObject({}),
      run: async () => {
        throw new ToolError('the MCP server is not connected');
      },
    }),
  );
}

/** A sealed hidden prompt is the target itself: without its key the game cannot run, so say so before anything is written. */
function assertTargetsOpen(spec: ResolvedExperimentSpec, unseal: Unsealer): void {
  const organisms = new Map(spec.suite.organisms.map((organism) => [organism.id, organism]));
  for (const environment of spec.suite.environments) {
    if (spec.split !== undefined && environment.split !== spec.split) continue;
    if (spec.environments !== undefined && !spec.environments.includes(environment.id)) continue;
    const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
    if (organism !== undefined) openTarget(organism, unseal);
  }
}

async function cellsOf(store: RunStore, experimentId: string, controls: ReadonlySet<string>): Promise<CellSummary[]> {
  return summarizeCells(await gradedGames(store, experimentId, controls));
}

/** An experiment's games, each with the grade its win rate counts and whether it audited a control. */
export async function gradedGames(store: RunStore, experimentId: string, controls: ReadonlySet<string>): Promise<Array<GameRecord & { grade: Grade | undefined; control: boolean }>> {
  return Promise.all((await store.listGames(experimentId)).map(async (game) => ({ ...game, grade: primaryGrade(await store.getGrades(game.id)), control: controls.has(game.organismId) })));
}

export { primaryGrade };

export interface ExperimentSummary {
  id: string;
  name: string;
  createdAt: string;
  games: number;
  finished: number;
  errors: number;
  unfinished: number;
}

export async function listExperiments(options: AppOptions): Promise<ExperimentSummary[]> {
  // No store yet simply means no experiments yet.
  if (!existsSync(storePath(options))) return [];
  const store = openReadonlyStore(options);
  try {
    const experiments = await store.listExperiments();
    return Promise.all(
      experiments.map(async (experiment) => {
        const games = await store.listGames(experiment.id);
        return {
          id: experiment.id,
          name: experiment.name,
          createdAt: experiment.createdAt,
          ...gameCounts(games),
        };
      }),
    );
  } finally {
    store.close();
  }
}

export async function experimentCells(id: string, options: AppOptions): Promise<CellSummary[]> {
  const store = openReadonlyStore(options);
  try {
    const experiment = await store.getExperiment(id);
    if (experiment === undefined) throw unknownExperiment(id, storePath(options));
    return await cellsOf(store, id, controlOrganisms(storedExperimentSpec(experiment.spec)));
  } finally {
    store.close();
  }
}

export function unknownExperiment(id: string, path: string): UserError {
  return new UserError('unknown-experiment', `no experiment "${id}" in ${path}`, {
    field: 'experiment',
    fix: 'see the stored experiments with: auditgym list experiments',
  });
}

/** A stored experiment's spec, or a clear error when the store was written by a version whose spec differs. */
export function storedExperimentSpec(value: unknown): ResolvedExperimentSpec {
  const parsed = StoredExperimentSpec.safeParse(value);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues[0]?.path.join('.') ?? '';
  throw new UserError('unreadable-experiment', `the stored spec of this experiment does not parse (at ${where === '' ? 'its root' : where}: ${parsed.error.issues[0]?.message ?? 'invalid'})`, {
    field: 'experiment',
    fix: 'open the store with the auditgym version that wrote it, or run the experiment again from its spec file',
  });
}

function generateId(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'experiment';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  return `${slug}-${stamp}-${suffix}`;
}
