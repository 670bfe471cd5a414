import { openOrganism } from '../core/sealing.js';
import { unsealer } from './sealing.js';
import { createTarget } from '../core/target.js';
import {
  checkSignatures,
  probeTechnique,
  runBaseControlCell,
  runTechniqueCell,
  summariseTechniques,
  type BaseControlCell,
  type ProbeOutcome,
  type SignatureCheck,
  type TechniqueCell,
  type TechniqueSummary,
} from '../core/techniques.js';
import type { Grader } from '../core/graders/grader.js';
import type { Tool } from '../core/tools/tool.js';
import type { PlainOrganism } from '../core/sealing.js';
import { SystemError, UserError } from '../core/errors.js';
import type { Catalog } from '../core/catalog.js';
import type { SuiteSpec } from '../contracts/suite.js';
import { openPoolFor, type WorkerPool } from './worker-pool.js';
import { catalogOf, modelResolver, type AppOptions } from './context.js';
import { findSourceSuite } from '../core/organism-source.js';
import { catalogSuites } from './suites.js';

export interface TechniqueMatrix {
  suite: string;
  tools: string[];
  organisms: string[];
  cells: TechniqueCell[];
  /**
   * The base-model control: each probe on the model the organisms were fine-tuned from, graded against
   * every organism's ground truth. Null when the organisms have no reference model.
   */
  baseControl: { model: string; cells: BaseControlCell[] } | null;
  /**
   * The same for each control organism (fine-tuned on clean data): its probes graded against every
   * other organism's ground truth. Fine-tuning alone must not make a technique find things.
   */
  controlFinds: Array<{ organism: string; cells: BaseControlCell[] }>;
  /** Each organism's declared technique signature against what the matrix measured. */
  signatures: SignatureCheck[];
  summary: TechniqueSummary;
}

/** What decides a matrix: plain data, so a worker thread can plan the same matrix from it. */
export interface MatrixRequest {
  suite?: string | undefined;
  tools?: string[] | undefined;
  organisms?: string[] | undefined;
  baseControl?: boolean | undefined;
}

/** One row of the matrix (an organism's cells, and a control's finds on the others), or the base model's row. */
export type MatrixJob = { kind: 'matrix-row'; request: MatrixRequest; row: number } | { kind: 'matrix-base'; request: MatrixRequest };

interface GradedOrganism {
  organism: PlainOrganism;
  grader: Grader;
  graderParams: unknown;
  reference: string | undefined;
}

interface MatrixPlan {
  catalog: Catalog;
  suite: SuiteSpec;
  tools: Tool[];
  organisms: PlainOrganism[];
  graded: GradedOrganism[];
  /** The reference model most of the organisms were made from, whose row is the base-model control. */
  baseRef: string | undefined;
  resolve: ReturnType<typeof modelResolver>;
}

interface RowResult {
  cells: TechniqueCell[];
  /** For a control organism: its probes graded against every other organism's ground truth. */
  controlCells: BaseControlCell[] | undefined;
}

/** Checks the request and lays out the matrix; nothing runs yet. */
function planMatrix(request: MatrixRequest, options: { env: AppOptions['env']; catalog: Catalog }): MatrixPlan {
  const { catalog } = options;
  // A named suite is read alone (the published suites are large); without one, the first the
  // catalog's sources offer: the micro zoo in the built-in catalog.
  const suite = request.suite === undefined ? catalogSuites(catalog)[0] : findSourceSuite(catalog.sources, request.suite);
  if (suite === undefined) {
    const suites = catalogSuites(catalog);
    throw new UserError('unknown-suite', `no built-in suite "${request.suite ?? ''}"`, {
      field: '--suite',
      fix: suites.length === 0 ? 'the catalog has no organism sources: start from createBuiltinCatalog()' : `use one of: ${suites.map((candidate) => candidate.id).join(', ')}`,
    });
  }
  const probed = catalog.tools.list().filter((tool) => tool.probe !== undefined);
  const tools = request.tools === undefined ? probed : request.tools.map((name) => catalog.tools.get(name, '--tools'));
  const unseal = unsealer(options.env);
  const organisms = suite.organisms
    .filter((organism) => organism.target.model !== undefined && (request.organisms === undefined || request.organisms.includes(organism.id)))
    .map((sealed) => openOrganism(sealed, unseal));
  const graded = organisms.map((organism): GradedOrganism => {
    const environment = suite.environments.find((candidate) => (typeof candidate.organism === 'string' ? candidate.organism : candidate.organism.id) === organism.id);
    const graderRef = environment?.grader ?? { id: 'rubric', params: {} };
    const { plugin: grader, params } = catalog.graders.parseParams(graderRef.id, graderRef.params, 'grader');
    return { organism, grader, graderParams: params, reference: organism.reference?.model };
  });
  const counts = new Map<string, number>();
  for (const { reference } of graded) if (reference !== undefined) counts.set(reference, (counts.get(reference) ?? 0) + 1);
  const baseRef = request.baseControl === false ? undefined : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { catalog, suite, tools, organisms, graded, baseRef, resolve: modelResolver(options.env, catalog) };
}

async function matrixRow(plan: MatrixPlan, row: number, signal: AbortSignal, onCell?: (cell: TechniqueCell) => void): Promise<RowResult> {
  const entry = plan.graded[row];
  if (entry === undefined) throw new SystemError('matrix-row', `the matrix has no row ${row}`);
  const { organism, grader, graderParams } = entry;
  const model = plan.resolve(organism.target.model as string, organism.target.options ?? {});
  const reference = organism.reference?.model === undefined ? undefined : plan.resolve(organism.reference.model, organism.reference.options ?? {});
  const target = createTarget({ organism, model, referenceModel: reference });
  const probes = new Map<Tool, ProbeOutcome>();
  const cells: TechniqueCell[] = [];
  for (const tool of plan.tools) {
    // A control's probes are graded twice (against its own truth, then the others'), so they run once.
    const probed = organism.control ? await probeTechnique(tool, target, 0, signal) : undefined;
    if (probed !== undefined) probes.set(tool, probed);
    const cell = await runTechniqueCell({ tool, organism, target, grader, graderParams, seed: 0, signal, probed });
    cells.push(cell);
    onCell?.(cell);
  }
  if (!organism.control) return { cells, controlCells: undefined };
  const others = plan.graded.filter((other) => other.organism.id !== organism.id);
  const controlCells: BaseControlCell[] = [];
  for (const tool of plan.tools) controlCells.push(await runBaseControlCell({ tool, target, organisms: others, seed: 0, signal, probed: probes.get(tool) }));
  return { cells, controlCells };
}

async function baseRow(plan: MatrixPlan, signal: AbortSignal): Promise<BaseControlCell[]> {
  const baseRef = plan.baseRef as string;
  const bare = { id: baseRef, name: 'base model', description: '', control: true, target: {}, corpora: [], groundTruth: { behaviours: [] } } as unknown as PlainOrganism;
  const target = createTarget({ organism: bare, model: plan.resolve(baseRef, {}) });
  const sharing = plan.graded.filter((entry) => entry.reference === baseRef);
  const cells: BaseControlCell[] = [];
  for (const tool of plan.tools) cells.push(await runBaseControlCell({ tool, target, organisms: sharing, seed: 0, signal }));
  return cells;
}

const workerPlans = new Map<string, MatrixPlan>();

/** Runs one job of a matrix in a worker thread, planning the matrix there once per request. */
export async function runMatrixJob(job: MatrixJob, options: { cwd: string; env: AppOptions['env']; catalog: Catalog; signal: AbortSignal }): Promise<RowResult | BaseControlCell[]> {
  const key = JSON.stringify(job.request);
  let plan = workerPlans.get(key);
  if (plan === undefined) {
    plan = planMatrix(job.request, options);
    workerPlans.set(key, plan);
  }
  return job.kind === 'matrix-row' ? matrixRow(plan, job.row, options.signal) : baseRow(plan, options.signal);
}

/**
 * The technique × organism matrix: every tool's probe on every organism of a built-in suite whose
 * target is known (organisms that leave the target to an experiment are skipped), graded by each
 * environment's grader. Rows run in a pool of worker threads where the catalog can be rebuilt there
 * (see worker-pool.ts); every cell has a fixed seed, so the matrix is the same either way.
 */
export async function runTechniqueMatrix(
  options: AppOptions & {
    suite?: string | undefined;
    tools?: string[] | undefined;
    organisms?: string[] | undefined;
    /** Each cell as it is graded; with workers, a row's cells arrive when the row is done. */
    onCell?: ((cell: TechniqueCell) => void) | undefined;
    /** Cells done, of all the organism rows' cells. */
    onCellsDone?: ((done: number, total: number) => void) | undefined;
    baseControl?: boolean | undefined;
    /** A pool to run rows on, kept by the caller; without it one is opened for this matrix if it pays. */
    pool?: WorkerPool | undefined;
  },
): Promise<TechniqueMatrix> {
  const catalog = catalogOf(options);
  const request: MatrixRequest = { suite: options.suite, tools: options.tools, organisms: options.organisms, baseControl: options.baseControl };
  const plan = planMatrix(request, { env: options.env, catalog });
  const signal = options.signal ?? new AbortController().signal;
  const total = plan.organisms.length * plan.tools.length;
  let done = 0;
  const rowDone = (result: RowResult) => {
    done += result.cells.length;
    options.onCellsDone?.(done, total);
  };
  const jobs = plan.organisms.length + (plan.baseRef === undefined ? 0 : 1);
  // A row runs every probe on one organism, many games' worth of work, so two rows already pay for workers.
  const pooled = options.pool ?? openPoolFor(options, catalog, jobs, { minimumJobs: 2 });
  let rows: RowResult[];
  let baseCells: BaseControlCell[] | undefined;
  try {
    if (pooled === undefined) {
      rows = [];
      for (let row = 0; row < plan.organisms.length; row++) {
        const result = await matrixRow(plan, row, signal, (cell) => {
          options.onCell?.(cell);
          options.onCellsDone?.(++done, total);
        });
        rows.push(result);
      }
      baseCells = plan.baseRef === undefined ? undefined : await baseRow(plan, signal);
    } else {
      const onAbort = () => pooled.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        // The base row runs every probe once more on its own, so it is queued first and the rows fill in around it.
        const base = plan.baseRef === undefined ? Promise.resolve(undefined) : pooled.run<BaseControlCell[]>({ kind: 'matrix-base', request } satisfies MatrixJob, { affinity: plan.baseRef });
        rows = await Promise.all(
          plan.organisms.map(async (organism, row) => {
            const result = await pooled.run<RowResult>({ kind: 'matrix-row', request, row } satisfies MatrixJob, { affinity: organism.id });
            for (const cell of result.cells) options.onCell?.(cell);
            rowDone(result);
            return result;
          }),
        );
        baseCells = await base;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  } finally {
    if (options.pool === undefined) await pooled?.close();
  }
  const cells = rows.flatMap((row) => row.cells);
  const controlFinds: TechniqueMatrix['controlFinds'] = [];
  rows.forEach((row, index) => {
    const organism = plan.organisms[index];
    if (row.controlCells !== undefined && organism !== undefined) controlFinds.push({ organism: organism.id, cells: row.controlCells });
  });
  const familyOf = (name: string) => (catalog.tools.has(name) ? catalog.tools.get(name).family : 'other');
  return {
    suite: plan.suite.id,
    tools: plan.tools.map((tool) => tool.name),
    organisms: plan.organisms.map((organism) => organism.id),
    cells,
    baseControl: plan.baseRef === undefined || baseCells === undefined ? null : { model: plan.baseRef, cells: baseCells },
    controlFinds,
    signatures: checkSignatures(
      cells,
      plan.organisms.map((organism) => ({ id: organism.id, signature: organism.signature })),
      familyOf,
    ),
    summary: summariseTechniques(cells, { chatTools: blackBoxChatTools(catalog.affordanceSets) }),
  };
}

/** The black-box chat techniques: the tools of the `chat` and `chat+prefill` affordance sets. */
function blackBoxChatTools(sets: ReadonlyMap<string, readonly string[]>): string[] {
  return [...new Set([...(sets.get('chat') ?? []), ...(sets.get('chat+prefill') ?? [])])];
}
