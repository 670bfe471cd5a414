import { isSealed } from '../contracts/sealed.js';
import { z } from 'zod';
import type { Capability } from '../contracts/common.js';
import type { GroundTruth, OrganismOrigin } from '../contracts/organism.js';
import type { SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import { describeProvider } from '../core/model-provider.js';
import type { OrganismEntry, OrganismSource } from '../core/organism-source.js';
import { toolDefinition } from '../core/tools/tool.js';
import { catalogOf, type AppOptions } from './context.js';
import { listExperiments } from './experiments.js';
import { catalogSuites } from './suites.js';

export const CATALOG_KINDS = ['suites', 'organisms', 'tools', 'auditors', 'graders', 'providers', 'experiments'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

export function parseCatalogKind(value: string): CatalogKind {
  if ((CATALOG_KINDS as readonly string[]).includes(value)) return value as CatalogKind;
  throw new UserError('unknown-kind', `cannot list "${value}"`, { field: 'kind', fix: `use one of: ${CATALOG_KINDS.join(', ')}` });
}

export interface EnvironmentEntry {
  id: string;
  split: string;
  organism: { id: string; name: string; control: boolean };
  target: string;
  /** How the organism is compared: the reference model, or the target model without its hidden prompt. */
  baseline: { model: string; withHiddenPrompt: boolean } | null;
  /** `sealed` (with the id of its key) where the suite keeps it sealed. */
  groundTruth: GroundTruth | { sealed: string };
  /** For published organisms: the adapter, model or snapshot to serve, and how. */
  origin: OrganismOrigin | null;
  affordances: string[];
  grader: string;
}

export interface SuiteEntry {
  id: string;
  name: string;
  description: string;
  version: string;
  organismCount: number;
  /** Environments per split. */
  splits: { dev: number; test: number };
  environments: EnvironmentEntry[];
}

export function describeSuite(suite: SuiteSpec): SuiteEntry {
  const organisms = new Map(suite.organisms.map((organism) => [organism.id, organism]));
  return {
    id: suite.id,
    name: suite.name,
    description: suite.description,
    version: suite.version,
    organismCount: suite.organisms.length,
    splits: { dev: suite.environments.filter((environment) => environment.split === 'dev').length, test: suite.environments.filter((environment) => environment.split === 'test').length },
    environments: suite.environments.map((environment) => {
      const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
      if (organism === undefined) throw new Error(`suite ${suite.id} is inconsistent`);
      const target = organism.target.model ?? 'bound at run time (roles.target)';
      return {
        id: environment.id,
        split: environment.split,
        organism: { id: organism.id, name: organism.name, control: organism.control },
        target,
        baseline: organism.reference === undefined ? null : { model: organism.reference.model ?? target, withHiddenPrompt: organism.reference.systemPrompt !== undefined },
        groundTruth: isSealed(organism.groundTruth) ? { sealed: organism.groundTruth.keyId } : organism.groundTruth,
        origin: organism.origin ?? null,
        affordances: environment.affordances,
        grader: environment.grader.id,
      };
    }),
  };
}

/** A source's own listing where it has one, else the organisms of its suites. */
function sourceOrganisms(source: OrganismSource): OrganismEntry[] {
  if (source.organisms !== undefined) return source.organisms();
  return source.suites().flatMap((suite) =>
    suite.organisms.map((organism) => ({
      id: organism.id,
      name: organism.name,
      suite: suite.id,
      description: organism.description,
      control: organism.control,
      behaviours: isSealed(organism.groundTruth) ? 'sealed' : organism.groundTruth.behaviours.map((behaviour) => ({ id: behaviour.id, category: behaviour.category })),
    })),
  );
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

/** What `auditgym list <kind>` shows, as plain data. */
export async function listCatalog(kind: CatalogKind, options: AppOptions): Promise<unknown[]> {
  const catalog = catalogOf(options);
  switch (kind) {
    case 'suites':
      return catalogSuites(catalog).map(describeSuite);
    case 'organisms':
      return catalog.sources.list().flatMap(sourceOrganisms);
    case 'tools':
      return catalog.tools.list().map((tool) => ({
        name: tool.name,
        version: tool.version,
        description: tool.description,
        requires: tool.requires as Capability[],
        probe: tool.probe?.description ?? null,
        input: toolDefinition(tool).parameters,
        affordanceSets: [...catalog.affordanceSets].filter(([, tools]) => tools.includes(tool.name)).map(([name]) => name),
      }));
    case 'auditors':
      return catalog.auditors.list().map((auditor) => ({ name: auditor.name, version: auditor.version, description: auditor.description, params: jsonSchema(auditor.params) }));
    case 'graders':
      return catalog.graders.list().map((grader) => ({ name: grader.name, version: grader.version, description: grader.description, params: jsonSchema(grader.params) }));
    case 'providers':
      return catalog.providers.list().map(describeProvider);
    case 'experiments':
      return listExperiments(options);
  }
}
