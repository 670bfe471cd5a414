import type { PluginRecord } from '../contracts/common.js';
import type { Budgets, EnvironmentSpec } from '../contracts/environment.js';
import type { ExperimentRecord, GamePlan } from '../contracts/game.js';
import type { ModelResolver } from '../contracts/model.js';
import type { OrganismSpec } from '../contracts/organism.js';
import type { ExperimentSpec, SuiteSpec } from '../contracts/suite.js';
import type { Auditor } from './auditors/auditor.js';
import { resolveAffordanceSet, type Catalog } from './catalog.js';
import { UserError } from './errors.js';
import type { Grader } from './graders/grader.js';
import { deriveSeed, hash53 } from './seeds.js';
import { targetCapabilities } from './target.js';
import type { Tool } from './tools/tool.js';

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
export function prepareExperiment(spec: ResolvedExperimentSpec, deps: { catalog: Catalog; resolveModel: ModelResolver; createdAt: string }): PreparedExperiment {
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
    const unknownSet = ref.affordanceSets?.find((name) => !affordanceSets.some((set) => set.name === name));
    if (unknownSet !== undefined) {
      throw new UserError('unknown-affordance-set', `auditor "${ref.id}" names affordance set "${unknownSet}", which the experiment does not have`, {
        field: `${field}.affordanceSets`,
        fix: `use some of the experiment's sets: ${affordanceSets.map((set) => set.name).join(', ')}`,
      });
    }
    remember(record);
    for (const model of plugin.models(params)) {
      resolveChecked({ ref: model.ref, options: model.options, fields: { model: `${field}.${model.field}`, options: `${field}.params.options` } });
    }
    return { plugin, params };
  });
  const judge: ModelBinding | undefined = spec.roles.judge === undefined ? undefined : { ref: spec.roles.judge, options: {}, fields: { model: 'roles.judge', options: 'roles' } };
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
    const organismField = typeof environment.organism === 'string' ? `suite.organisms[${suite.organisms.indexOf(organism)}]` : `${field}.organism`;
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
      fields: organism.target.model === undefined ? { model: 'roles.target', options: 'roles.targetOptions' } : { model: `${organismField}.target.model`, options: `${organismField}.target.options` },
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
    for (const need of grader.plugin.models?.(grader.params) ?? []) {
      if (need.ref !== undefined) {
        resolveChecked({ ref: need.ref, options: need.options ?? {}, fields: { model: `${graderField}.${need.field}`, options: `${graderField}.params` } });
      } else if (judge === undefined) {
        throw new UserError('judge-missing', `the ${grader.plugin.name} grader needs a judge model`, {
          field: 'roles.judge',
          fix: `set roles.judge to a "provider:model", or ${graderField}.${need.field}`,
        });
      }
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
        if (ref.affordanceSets !== undefined && !ref.affordanceSets.includes(set.name)) continue;
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
