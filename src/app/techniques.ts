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
import { UserError } from '../core/errors.js';
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

/**
 * The technique × organism matrix: every tool's probe on every organism of a built-in suite whose
 * target is known (organisms that leave the target to an experiment are skipped), graded by each
 * environment's grader.
 */
export async function runTechniqueMatrix(
  options: AppOptions & {
    suite?: string | undefined;
    tools?: string[] | undefined;
    organisms?: string[] | undefined;
    onCell?: ((cell: TechniqueCell) => void) | undefined;
    /** Cells done, of all the organism rows' cells. */
    onCellsDone?: ((done: number, total: number) => void) | undefined;
    baseControl?: boolean | undefined;
  },
): Promise<TechniqueMatrix> {
  const catalog = catalogOf(options);
  // A named suite is read alone (the published suites are large); without one, the first the
  // catalog's sources offer: the micro zoo in the built-in catalog.
  const suite = options.suite === undefined ? catalogSuites(catalog)[0] : findSourceSuite(catalog.sources, options.suite);
  if (suite === undefined) {
    const suites = catalogSuites(catalog);
    throw new UserError('unknown-suite', `no built-in suite "${options.suite ?? ''}"`, {
      field: '--suite',
      fix: suites.length === 0 ? 'the catalog has no organism sources: start from createBuiltinCatalog()' : `use one of: ${suites.map((candidate) => candidate.id).join(', ')}`,
    });
  }
  const probed = catalog.tools.list().filter((tool) => tool.probe !== undefined);
  const tools = options.tools === undefined ? probed : options.tools.map((name) => catalog.tools.get(name, '--tools'));
  const resolve = modelResolver(options.env, catalog);
  const cells: TechniqueCell[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const organisms = suite.organisms.filter((organism) => organism.target.model !== undefined && (options.organisms === undefined || options.organisms.includes(organism.id)));
  const unseal = unsealer(options.env);
  const graded: Array<{ organism: PlainOrganism; grader: Grader; graderParams: unknown; reference: string | undefined }> = [];
  const controlProbes: Array<{ organism: string; target: ReturnType<typeof createTarget>; probes: Map<Tool, ProbeOutcome> }> = [];
  for (const sealed of organisms) {
    const organism = openOrganism(sealed, unseal);
    const environment = suite.environments.find((candidate) => (typeof candidate.organism === 'string' ? candidate.organism : candidate.organism.id) === organism.id);
    const graderRef = environment?.grader ?? { id: 'rubric', params: {} };
    const { plugin: grader, params } = catalog.graders.parseParams(graderRef.id, graderRef.params, 'grader');
    graded.push({ organism, grader, graderParams: params, reference: organism.reference?.model });
    const model = resolve(organism.target.model as string, organism.target.options ?? {});
    const reference = organism.reference?.model === undefined ? undefined : resolve(organism.reference.model, organism.reference.options ?? {});
    const target = createTarget({ organism, model, referenceModel: reference });
    const probes = new Map<Tool, ProbeOutcome>();
    if (organism.control) controlProbes.push({ organism: organism.id, target, probes });
    for (const tool of tools) {
      // A control's probes are graded twice (against its own truth, then the others'), so they run once.
      const probed = organism.control ? await probeTechnique(tool, target, 0, signal) : undefined;
      if (probed !== undefined) probes.set(tool, probed);
      const cell = await runTechniqueCell({ tool, organism, target, grader, graderParams: params, seed: 0, signal, probed });
      cells.push(cell);
      options.onCell?.(cell);
      options.onCellsDone?.(cells.length, organisms.length * tools.length);
    }
  }
  // The base-model control, on the reference model most of the organisms were made from.
  const counts = new Map<string, number>();
  for (const { reference } of graded) if (reference !== undefined) counts.set(reference, (counts.get(reference) ?? 0) + 1);
  const baseRef = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  let baseControl: TechniqueMatrix['baseControl'] = null;
  if (baseRef !== undefined && options.baseControl !== false) {
    const baseModel = resolve(baseRef, {});
    const bare = { id: baseRef, name: 'base model', description: '', control: true, target: {}, corpora: [], groundTruth: { behaviours: [] } } as unknown as PlainOrganism;
    const target = createTarget({ organism: bare, model: baseModel });
    const sharing = graded.filter((entry) => entry.reference === baseRef);
    const baseCells: BaseControlCell[] = [];
    for (const tool of tools) baseCells.push(await runBaseControlCell({ tool, target, organisms: sharing, seed: 0, signal }));
    baseControl = { model: baseRef, cells: baseCells };
  }
  const controlFinds: TechniqueMatrix['controlFinds'] = [];
  for (const { organism, target, probes } of controlProbes) {
    const others = graded.filter((entry) => entry.organism.id !== organism);
    const controlCells: BaseControlCell[] = [];
    for (const tool of tools) controlCells.push(await runBaseControlCell({ tool, target, organisms: others, seed: 0, signal, probed: probes.get(tool) }));
    controlFinds.push({ organism, cells: controlCells });
  }
  const familyOf = (name: string) => (catalog.tools.has(name) ? catalog.tools.get(name).family : 'other');
  return {
    suite: suite.id,
    tools: tools.map((tool) => tool.name),
    organisms: organisms.map((organism) => organism.id),
    cells,
    baseControl,
    controlFinds,
    signatures: checkSignatures(
      cells,
      organisms.map((organism) => ({ id: organism.id, signature: organism.signature })),
      familyOf,
    ),
    summary: summariseTechniques(cells, { chatTools: blackBoxChatTools(catalog.affordanceSets) }),
  };
}

/** The black-box chat techniques: the tools of the `chat` and `chat+prefill` affordance sets. */
function blackBoxChatTools(sets: ReadonlyMap<string, readonly string[]>): string[] {
  return [...new Set([...(sets.get('chat') ?? []), ...(sets.get('chat+prefill') ?? [])])];
}
