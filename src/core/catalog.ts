import type { AffordanceSet } from '../contracts/suite.js';
import type { Auditor } from './auditors/auditor.js';
import { baselineAuditor } from './auditors/baseline.js';
import { evalAgent } from './auditors/eval-agent.js';
import { humanAuditor } from './auditors/human.js';
import { llmInvestigator } from './auditors/llm-investigator.js';
import { redTeamAuditor } from './auditors/red-team.js';
import { UserError } from './errors.js';
import type { Grader } from './graders/grader.js';
import { llmJudge } from './graders/llm-judge.js';
import { rubricGrader } from './graders/rubric-grader.js';
import type { ModelProvider } from './model-provider.js';
import type { OrganismSource } from './organism-source.js';
import { Registry } from './registry.js';
import { chatMultiTurnTool, chatTool, chatWithSystemPromptTool, prefillTool } from './tools/chat-tools.js';
import { corpusAnomaliesTool, listCorporaTool, searchDataTool, semanticSearchTool } from './tools/data-tools.js';
import { diffUserTurnsTool } from './tools/diffing-tools.js';
import { evaluationTool } from './tools/evaluation-tool.js';
import { notesTool, thinkTool } from './tools/notes-tool.js';
import { completeTextTool, sampleTool, sampleUserTurnTool, scaffoldedSamplingTool } from './tools/sampling-tools.js';
import { activationDiffTool, activationProbeTool, fuzzTool, logitLensTool, modelDiffTool, steerTool, unsupervisedSteeringTool } from './tools/whitebox-tools.js';
import { saeFeatureTool, saeFeaturesTool, saeSearchTool, saeSteerTool } from './tools/sae-tools.js';
import type { Tool } from './tools/tool.js';

export interface Catalog {
  tools: Registry<Tool>;
  auditors: Registry<Auditor>;
  graders: Registry<Grader>;
  /** Named tool sets; add one with `catalog.affordanceSets.set(name, tools)`. */
  affordanceSets: Map<string, readonly string[]>;
  /** Empty here: the built-in providers and sources are adapters, registered by the app layer. */
  providers: Registry<ModelProvider>;
  sources: Registry<OrganismSource>;
}

const BUILTIN_TOOLS: readonly Tool[] = [
  chatTool,
  chatMultiTurnTool,
  chatWithSystemPromptTool,
  prefillTool,
  notesTool,
  thinkTool,
  sampleTool,
  completeTextTool,
  sampleUserTurnTool,
  scaffoldedSamplingTool,
  listCorporaTool,
  searchDataTool,
  semanticSearchTool,
  corpusAnomaliesTool,
  logitLensTool,
  steerTool,
  fuzzTool,
  unsupervisedSteeringTool,
  modelDiffTool,
  diffUserTurnsTool,
  evaluationTool,
  saeFeaturesTool,
  saeFeatureTool,
  saeSearchTool,
  saeSteerTool,
] as Tool[];

/**
 * Tools for served models that give activations but no unembedding (vllm-lens). They are kept out of
 * the family sets below, which the committed micro sweep measures; `chat+activations` offers them.
 */
const ACTIVATION_TOOLS: readonly Tool[] = [activationDiffTool, activationProbeTool] as Tool[];

const family = (name: string) => BUILTIN_TOOLS.filter((tool) => tool.family === name).map((tool) => tool.name);

/**
 * Named tool sets a sweep can compare: chat alone, then chat plus one family of tools, then all. They
 * are made once from the built-in tools' families, so registering a tool later never changes what a
 * set name means; a new tool joins a sweep through a set that names it.
 */
export const BUILTIN_AFFORDANCE_SETS: ReadonlyMap<string, readonly string[]> = new Map([
  ['chat', family('chat')],
  ['chat+prefill', [...family('chat'), ...family('prefill')]],
  ['chat+sampling', [...family('chat'), ...family('sampling')]],
  ['chat+data', [...family('chat'), ...family('data')]],
  ['chat+whitebox', [...family('chat'), ...family('whitebox')]],
  ['chat+diffing', [...family('chat'), ...family('diffing')]],
  // Kept out of `all`, which the committed micro sweep measures: a behavioural evaluation is a task of its own.
  ['chat+eval', [...family('chat'), ...family('eval')]],
  ['all', ['chat', 'prefill', 'sampling', 'data', 'whitebox', 'diffing'].flatMap(family)],
  // What a backend with activations and steering but no unembedding offers (a 70B model behind vllm-lens).
  ['chat+activations', [...family('chat'), 'steer', 'fuzz_activations', activationDiffTool.name, activationProbeTool.name]],
]);

/** The built-in plug-ins. Programs that add their own register them on the registries returned here. */
export function createCatalog(): Catalog {
  return {
    tools: [...BUILTIN_TOOLS, ...ACTIVATION_TOOLS].reduce((registry, tool) => registry.register(tool), new Registry<Tool>('tool')),
    auditors: new Registry<Auditor>('auditor')
      .register(llmInvestigator as Auditor)
      .register(baselineAuditor as Auditor)
      .register(humanAuditor as Auditor)
      .register(redTeamAuditor as Auditor)
      .register(evalAgent as Auditor),
    graders: new Registry<Grader>('grader').register(rubricGrader as Grader).register(llmJudge as Grader),
    affordanceSets: new Map(BUILTIN_AFFORDANCE_SETS),
    providers: new Registry<ModelProvider>('provider'),
    sources: new Registry<OrganismSource>('source'),
  };
}

/** An affordance set by name or definition, with every tool checked against the registry. */
export function resolveAffordanceSet(entry: string | AffordanceSet, catalog: Catalog, field: string): AffordanceSet {
  const set = typeof entry === 'string' ? { name: entry, tools: catalog.affordanceSets.get(entry) } : { name: entry.name, tools: entry.tools };
  if (set.tools === undefined) {
    throw new UserError('unknown-affordance-set', `unknown affordance set "${String(entry)}"`, {
      field,
      fix: `use one of ${[...catalog.affordanceSets.keys()].join(', ')}, or define it as { name, tools: [...] }`,
    });
  }
  set.tools.forEach((tool, index) => catalog.tools.get(tool, `${field}.tools[${index}]`));
  return { name: set.name, tools: [...set.tools] };
}
