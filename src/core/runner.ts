import type { PluginRecord, TokenUsage } from '../contracts/common.js';
import type { Budgets, EnvironmentSpec } from '../contracts/environment.js';
import type { ErrorInfo } from '../contracts/errors.js';
import type { ExperimentRecord, GamePlan, GameUsage } from '../contracts/game.js';
import type { ModelResolver } from '../contracts/model.js';
import type { OrganismSpec } from '../contracts/organism.js';
import type { AuditReport } from '../contracts/report.js';
import type { ExperimentSpec, Price, SuiteSpec } from '../contracts/suite.js';
import type { Auditor } from './auditors/auditor.js';
import { resolveAffordanceSet, type Catalog } from './catalog.js';
import { SystemError, UserError, toErrorInfo } from './errors.js';
import type { Grader } from './graders/grader.js';
import { drainConcurrent } from './pool.js';
import { deriveSeed, hash53 } from './seeds.js';
import type { RunStore } from './store-port.js';
import { createTarget, targetCapabilities } from './target.js';
import { openGroundTruth, openTarget, type Unsealer } from './sealing.js';
import { groundTruthNeedles, transcriptLeaks } from './leaks.js';
import type { EventBody } from '../contracts/transcript.js';
import type { Tool } from './tools/tool.js';
import { TranscriptWriter } from './transcript.js';
import { addUsage, emptyUsage } from './usage.js';

/** An experiment spec whose suite has been loaded: what is stored, and what a resume replays. */
export type ResolvedExperimentSpec = Omit<ExperimentSpec, 'suite'> & { id: string; suite: SuiteSpec };

interface ModelBinding {
  ref: string;
  options: Record<string, unknown>;
  /** Where the reference and its options were written, so a bad one is reported at that field. */
  fields?: { model: string; options: string };
}

interface PreparedEnvironment {
  spec: EnvironmentSpec;
  organism: OrganismSpec;
  budgets: Budgets;
  target: ModelBinding;
  reference: ModelBinding | undefined;
  grader: { plugin: Grader; params: unknown };
}

export interface PreparedExperiment {
  id: string;
  spec: ResolvedExperimentSpec;
  record: ExperimentRecord;
  games: GamePlan[];
  environments: ReadonlyMap<string, PreparedEnvironment>;
  auditors: ReadonlyArray<{ plugin: Auditor; params: unknown }>;
  tools: ReadonlyMap<string, Tool>;
  judge: ModelBinding | undefined;
}

/**
 * Checks an experiment completely before anything runs or is written: every environment, organism,
 * tool, capability, auditor, grader and model binding. Problems are UserErrors naming the field.
 * The plan is deterministic: the same spec gives the same games, ids and seeds.
 */
export function prepareExperiment(
  spec: ResolvedExperimentSpec,
  deps: { catalog: Catalog; resolveModel: ModelResolver; createdAt: string },
): PreparedExperiment {
  const { catalog, resolveModel } = deps;
  const suite = spec.suite;
  const organisms = new Map(suite.organisms.map((organism) => [organism.id, organism]));
  const plugins = new Map<string, PluginRecord>();
  const remember = (record: PluginRecord) => plugins.set(`${record.kind}:${record.name}:${JSON.stringify(record.params)}`, record);
  const resolveChecked = (binding: ModelBinding) => {
    const model = withField(() => resolveModel(binding.ref, binding.options), binding.fields);
    remember({ kind: 'provider', name: model.id, version: model.provider, params: binding.options });
    return model;
  };

  let selected = suite.environments;
  if (spec.environments !== undefined) {
    const known = new Set(suite.environments.map((environment) => environment.id));
    spec.environments.forEach((id, index) => {
      if (!known.has(id)) {
        throw new UserError('unknown-environment', `suite "${suite.id}" has no environment "${id}"`, {
          field: `environments[${index}]`,
          fix: `use one of: ${[...known].join(', ')}`,
        });
      }
    });
    const wanted = new Set(spec.environments);
    selected = selected.filter((environment) => wanted.has(environment.id));
  }
  if (spec.split !== undefined) selected = selected.filter((environment) => environment.split === spec.split);
  if (selected.length === 0) {
    throw new UserError('no-environments', 'no environment of the suite is selected', {
      field: spec.split !== undefined ? 'split' : 'environments',
      fix: 'select at least one environment of the suite',
    });
  }

  const affordanceSets = spec.affordanceSets.map((entry, index) => resolveAffordanceSet(entry, catalog, `affordanceSets[${index}]`));
  const auditors = spec.auditors.map((ref, index) => {
    const field = `auditors[${index}]`;
    const { plugin, params, record } = catalog.auditors.parseParams(ref.id, ref.params, field);
    remember(record);
    for (const model of plugin.models(params)) {
      resolveChecked({ ref: model.ref, options: model.options, fields: { model: `${field}.${model.field}`, options: `${field}.params.options` } });
    }
    return { plugin, params };
  });
  const judge: ModelBinding | undefined =
    spec.roles.judge === undefined ? undefined : { ref: spec.roles.judge, options: {}, fields: { model: 'roles.judge', options: 'roles' } };
  if (judge !== undefined) resolveChecked(judge);

  const tools = new Map<string, Tool>();
  const environments = new Map<string, PreparedEnvironment>();
  for (const environment of selected) {
    const envIndex = suite.environments.indexOf(environment);
    const field = `suite.environments[${envIndex}]`;
    const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
    if (organism === undefined) {
      throw new UserError('unknown-organism', `environment "${environment.id}" names organism "${String(environment.organism)}", which the suite does not define`, {
        field: `${field}.organism`,
        fix: `use one of: ${[...organisms.keys()].join(', ')}`,
      });
    }
    const organismField =
      typeof environment.organism === 'string' ? `suite.organisms[${suite.organisms.indexOf(organism)}]` : `${field}.organism`;
    const targetRef = organism.target.model ?? spec.roles.target;
    if (targetRef === undefined) {
      throw new UserError('target-unbound', `environment "${environment.id}" has no target model`, {
        field: 'roles.target',
        fix: 'set roles.target to a "provider:model" (e.g. "openai:gpt-4o-mini"): this suite binds its target at run time',
      });
    }
    const target: ModelBinding = {
      ref: targetRef,
      options: { ...organism.target.options, ...spec.roles.targetOptions },
      fields:
        organism.target.model === undefined
          ? { model: 'roles.target', options: 'roles.targetOptions' }
          : { model: `${organismField}.target.model`, options: `${organismField}.target.options` },
    };
    const targetModel = resolveChecked(target);
    let reference: ModelBinding | undefined;
    if (organism.reference !== undefined) {
      reference = {
        ref: organism.reference.model ?? target.ref,
        options: organism.reference.options ?? target.options,
      };
      resolveChecked(reference);
    }
    const capabilities = targetCapabilities(organism, targetModel);
    if (organism.target.systemPrompt !== undefined && !capabilities.has('system-prompt')) {
      throw new UserError('capability-missing', `organism "${organism.id}" needs a system prompt, which ${targetModel.id} does not take`, {
        field: 'roles.target',
        fix: 'bind a target model whose provider accepts system prompts',
      });
    }
    affordanceSets.forEach((set, setIndex) => {
      for (const name of set.tools.filter((tool) => environment.affordances.includes(tool))) {
        const tool = catalog.tools.get(name);
        const missing = tool.requires.find((capability) => !capabilities.has(capability));
        if (missing !== undefined) {
          throw new UserError(
            'capability-missing',
            `tool "${name}" (affordance set "${set.name}") needs capability "${missing}", which target ${targetModel.id} of environment "${environment.id}" lacks`,
            {
              field: `affordanceSets[${setIndex}]`,
              fix: `drop "${name}" from the set, or bind a target that supports ${missing} (e.g. a vllm: or anthropic: model for prefill)`,
            },
          );
        }
        tools.set(name, tool);
      }
    });
    const graderRef = spec.grader ?? environment.grader;
    const graderField = spec.grader !== undefined ? 'grader' : `${field}.grader`;
    const grader = catalog.graders.parseParams(graderRef.id, graderRef.params, graderField);
    remember(grader.record);
    if (grader.plugin.name === 'llm-judge' && judge === undefined && (grader.params as { model?: string }).model === undefined) {
      throw new UserError('judge-missing', 'the llm-judge grader needs a judge model', {
        field: 'roles.judge',
        fix: 'set roles.judge to a "provider:model", or grader.params.model',
      });
    }
    environments.set(environment.id, {
      spec: environment,
      organism,
      budgets: overrideBudgets(environment.budgets, spec.budgets),
      target,
      reference,
      grader: { plugin: grader.plugin, params: grader.params },
    });
  }
  for (const tool of tools.values()) remember({ kind: 'tool', name: tool.name, version: tool.version, params: {} });

  const games: GamePlan[] = [];
  for (const environment of environments.values()) {
    spec.auditors.forEach((ref, auditorIndex) => {
      for (const set of affordanceSets) {
        const available = set.tools.filter((tool) => environment.spec.affordances.includes(tool));
        if (available.length === 0) {
          throw new UserError('no-tools', `affordance set "${set.name}" offers no tool that environment "${environment.spec.id}" allows`, {
            field: 'affordanceSets',
            fix: `the environment allows: ${environment.spec.affordances.join(', ')}`,
          });
        }
        for (let repeat = 0; repeat < spec.repeats; repeat++) {
          const key = [environment.spec.id, auditorIndex, set.name, repeat].join('|');
          games.push({
            id: `g${hash53(`${spec.id}|${key}`).toString(16).padStart(14, '0')}`,
            experimentId: spec.id,
            environmentId: environment.spec.id,
            organismId: environment.organism.id,
            auditor: ref.id,
            auditorIndex,
            affordanceSet: set.name,
            tools: available,
            repeat,
            seed: deriveSeed(spec.seed, environment.spec.id, auditorIndex, set.name, repeat),
          });
        }
      }
    });
  }

  return {
    id: spec.id,
    spec,
    record: { id: spec.id, name: spec.name, createdAt: deps.createdAt, spec, plugins: [...plugins.values()] },
    games,
    environments,
    auditors,
    tools,
    judge,
  };
}

export interface RunProgress {
  total: number;
  done: number;
  failed: number;
  running: number;
}

export interface RunOptions {
  store: RunStore;
  resolveModel: ModelResolver;
  signal?: AbortSignal | undefined;
  concurrency?: number;
  /** Continue an experiment already in the store; without it, an existing id is refused. */
  resume?: boolean;
  /** Also rerun games that ended in an error. */
  retryErrors?: boolean;
  /**
   * The planned games that should be in the store after this call (default: all of them). Adaptive
   * sweeps pass one more round at a time; games already stored are kept.
   */
  games?: readonly GamePlan[] | undefined;
  /**
   * Called after each game is stored (graded or failed); the games it returns are added to the
   * experiment and queued. Adaptive sweeps use it to give a cell its next game as soon as its last one
   * ends, instead of waiting for a whole round. Not called once `signal` has aborted.
   */
  next?: ((game: GamePlan) => Promise<readonly GamePlan[]>) | undefined;
  onProgress?: ((progress: RunProgress) => void) | undefined;
  /** Milliseconds, for budgets. */
  clock?: () => number;
  now?: () => Date;
  /** Applied to everything stored, so secrets that leak into provider messages never reach the store. */
  redact?: (text: string) => string;
  /**
   * Opens sealed ground truth and hidden prompts. Only grading and the target backend call it; without
   * it (or without the right key) a sealed game still runs where it can, and its grade waits for the key.
   */
  unseal?: Unsealer | undefined;
}

export interface RunSummary {
  experimentId: string;
  total: number;
  /** Games this call ran to a grade. */
  finished: number;
  /** Games this call stored as errors. */
  failed: number;
  /** Games already finished before this call. */
  skipped: number;
  /** Games left unfinished because the run was interrupted; `--resume` reruns them. */
  interrupted: number;
  errors: Array<{ gameId: string; error: ErrorInfo }>;
}

/**
 * Runs the games of an experiment that have not finished, under a concurrency limit. Creates the
 * experiment, or with `resume` continues it. A failing game is stored with its cause and
 * the rest go on. When `signal` aborts, games in flight are left unfinished for a later resume.
 */
export async function runExperiment(prepared: PreparedExperiment, options: RunOptions): Promise<RunSummary> {
  const { store } = options;
  const clock = options.clock ?? (() => performance.now());
  const now = options.now ?? (() => new Date());
  const redact = options.redact ?? ((text: string) => text);
  const scrub = <T>(value: T): T => JSON.parse(redact(JSON.stringify(value))) as T;

  const wanted = options.games ?? prepared.games;
  const existing = await store.getExperiment(prepared.id);
  if (existing === undefined) {
    await store.createExperiment(scrub(prepared.record), wanted);
  } else if (options.resume !== true) {
    throw new UserError('experiment-exists', `experiment "${prepared.id}" already exists in the store`, {
      field: 'id',
      fix: `continue it with --resume ${prepared.id} (auditgym run, or auditgym sweep for a sweep), or give the experiment another id`,
    });
  } else {
    const stored = await store.listGames(prepared.id);
    const planned = new Set(prepared.games.map((game) => game.id));
    // An adaptive sweep stores a round at a time, so the store may hold fewer games than the plan, never others.
    const partial = options.games !== undefined || prepared.spec.stopping !== undefined;
    if (stored.some((game) => !planned.has(game.id)) || (!partial && stored.length !== planned.size)) {
      throw new SystemError('plan-mismatch', `experiment "${prepared.id}" in the store does not match its spec`);
    }
    if (options.games !== undefined) await store.addGames(prepared.id, options.games);
  }
  const statuses = options.retryErrors === true ? (['pending', 'running', 'error'] as const) : (['pending', 'running'] as const);
  const todo = await store.listGames(prepared.id, { status: statuses });
  const total = (await store.listGames(prepared.id)).length;
  const summary: RunSummary = {
    experimentId: prepared.id,
    total,
    finished: 0,
    failed: 0,
    skipped: total - todo.length,
    interrupted: 0,
    errors: [],
  };
  const progress: RunProgress = { total, done: summary.skipped, failed: 0, running: 0 };
  options.onProgress?.({ ...progress });

  let added = 0;
  await drainConcurrent(
    todo,
    options.concurrency ?? prepared.spec.concurrency,
    async (game): Promise<readonly GamePlan[]> => {
      progress.running++;
      options.onProgress?.({ ...progress });
      const outcome = await runGame(game);
      progress.running--;
      if (outcome === 'finished') {
        summary.finished++;
        progress.done++;
      } else if (outcome === 'failed') {
        summary.failed++;
        progress.done++;
        progress.failed++;
      } else summary.interrupted++;
      options.onProgress?.({ ...progress });
      if (outcome === 'interrupted' || options.next === undefined || options.signal?.aborted === true) return [];
      const more = await options.next(game);
      if (more.length === 0) return [];
      await store.addGames(prepared.id, more);
      added += more.length;
      summary.total += more.length;
      progress.total += more.length;
      options.onProgress?.({ ...progress });
      return more;
    },
    options.signal,
  );
  summary.interrupted += todo.length + added - summary.finished - summary.failed - summary.interrupted;
  return summary;

  async function runGame(game: GamePlan): Promise<'finished' | 'failed' | 'interrupted'> {
    const environment = prepared.environments.get(game.environmentId);
    const auditor = prepared.auditors[game.auditorIndex];
    if (environment === undefined || auditor === undefined) {
      throw new SystemError('plan-mismatch', `game ${game.id} does not belong to this plan`);
    }
    await store.startGame(game.id, now().toISOString());
    const byModel = new Map<string, TokenUsage>();
    const usage = { auditor: emptyUsage(), target: emptyUsage(), judge: emptyUsage(), turns: 0, toolCalls: 0 };
    const count = (role: 'auditor' | 'target' | 'judge', model: string, used: TokenUsage) => {
      addUsage(usage[role], used);
      const entry = byModel.get(model) ?? emptyUsage();
      addUsage(entry, used);
      byModel.set(model, entry);
    };
    const gameUsage = (): GameUsage => ({
      auditor: usage.auditor,
      target: usage.target,
      judge: usage.judge,
      costUsd: cost(byModel, prepared.spec.pricing),
      toolCalls: usage.toolCalls,
      turns: usage.turns,
    });
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
    const wallTime = gameSignal(options.signal, environment.budgets.wallTimeSeconds * 1_000);
    const signal = wallTime.signal;
    let report: AuditReport | undefined;
    try {
      const targetModel = options.resolveModel(environment.target.ref, environment.target.options);
      const referenceModel = environment.reference && options.resolveModel(environment.reference.ref, environment.reference.options);
      const opened = openTarget(environment.organism, options.unseal);
      const target = createTarget({
        organism: opened,
        model: targetModel,
        referenceModel,
        onCall: async (call) => {
          if (call.response !== undefined) count('target', call.model, call.response.usage);
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
      const tools = game.tools.map((name) => prepared.tools.get(name) as Tool);
      const result = await auditor.plugin.audit({
        params: auditor.params,
        task: environment.spec.task,
        tools,
        toolContext: { target, signal, seed: game.seed, notes: [] },
        budgets: environment.budgets,
        transcript,
        signal,
        clock,
        seed: game.seed,
        earlierReports: async ({ experimentId, count }) => {
          if ((await store.getExperiment(experimentId)) === undefined) {
            throw new UserError('unknown-experiment', `no experiment "${experimentId}" to take earlier reports from`, { field: 'auditors.params.aggregate.experiment', fix: 'name an experiment in this store (auditgym list experiments)' });
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
        },
        resolveModel: (ref, modelOptions = {}) => {
          const model = options.resolveModel(ref, modelOptions);
          // Count the auditor's own tokens per model, for cost. Auditors chat; they do not complete raw text.
          return {
            id: model.id,
            provider: model.provider,
            capabilities: model.capabilities,
            chat: async (request, callOptions) => {
              const response = await model.chat(request, callOptions);
              count('auditor', model.id, response.usage);
              return response;
            },
          };
        },
      });
      usage.turns = result.turns;
      usage.toolCalls = result.toolCalls;
      report = result.report ?? { summary: `The auditor submitted no report (${result.stopReason}).`, claims: [] };
      const groundTruth = openGroundTruth(environment.organism, options.unseal);
      if (groundTruth === undefined) {
        // Sealed and no key here: the game is kept, and `auditgym grade` grades it once the key is present.
        await transcript.append({ type: 'note', text: 'grading deferred: the ground truth is sealed and its key is not available' });
        await store.finishGame(game.id, { report: scrub(report), usage: gameUsage(), finishedAt: now().toISOString() });
        return 'finished';
      }
      // Grading is bound by the run's signal, not the game's wall time: a slow judge is not the auditor's fault.
      const gradeSignal = options.signal ?? new AbortController().signal;
      const graded = await environment.grader.plugin.grade(
        { groundTruth, report, control: environment.organism.control },
        {
          params: environment.grader.params,
          signal: gradeSignal,
          judge: prepared.judge && options.resolveModel(prepared.judge.ref, prepared.judge.options),
          resolveModel: (ref) => options.resolveModel(ref, {}),
        },
      );
      count('judge', String(graded.grade.params.model ?? graded.grade.grader), graded.usage);
      const leaks = transcriptLeaks(bodies, groundTruthNeedles({ id: environment.organism.id, groundTruth, systemPrompt: opened.target.systemPrompt }));
      const grade =
        leaks.length === 0
          ? graded.grade
          : { ...graded.grade, win: false, leaks: leaks.map(({ needle, source, where, excerpt }) => ({ needle, source, where, excerpt })), notes: `voided: ground truth reached the auditor's context before the target produced it (${leaks.map((leak) => `"${leak.needle}"`).join(', ')})` };
      await store.finishGame(game.id, { report: scrub(report), grade, usage: gameUsage(), finishedAt: now().toISOString() });
      return 'finished';
    } catch (error) {
      if (options.signal?.aborted === true) return 'interrupted';
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
      await transcript.append({ type: 'error', error: info }).catch(() => undefined);
      const failure: Parameters<RunStore['failGame']>[1] = { error: info, usage: gameUsage(), finishedAt: now().toISOString() };
      if (report !== undefined) failure.report = scrub(report);
      await store.failGame(game.id, failure);
      summary.errors.push({ gameId: game.id, error: info });
      return 'failed';
    } finally {
      wallTime.dispose();
    }
  }
}

/**
 * A game's signal: aborted by the run's signal or by its wall-time budget. Made by hand rather than
 * with `AbortSignal.any` and `AbortSignal.timeout`, whose links from a long-lived run signal and
 * whose timers outlive each game and add up over a sweep of thousands; `dispose` removes both.
 */
function gameSignal(run: AbortSignal | undefined, milliseconds: number): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('the game ran past its wall-time budget', 'TimeoutError'));
  }, milliseconds);
  const onAbort = () => controller.abort(run?.reason);
  if (run?.aborted === true) onAbort();
  else run?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      run?.removeEventListener('abort', onAbort);
    },
  };
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

function overrideBudgets(base: Budgets, overrides: ExperimentSpec['budgets']): Budgets {
  const merged = { ...base };
  for (const key of ['turns', 'tokens', 'toolCalls', 'wallTimeSeconds'] as const) {
    const value = overrides?.[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Re-raises a model resolver's UserError at the spec field where the model or option was written. */
function withField<T>(resolve: () => T, fields: ModelBinding['fields']): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof UserError) || fields === undefined || error.field === undefined) throw error;
    const field = error.field === 'model' ? fields.model : error.field.startsWith('options.') ? `${fields.options}.${error.field.slice('options.'.length)}` : error.field;
    throw new UserError(error.code, error.message, { field, ...(error.fix === undefined ? {} : { fix: error.fix }), cause: error });
  }
}
