import type { SuiteSpec } from '../contracts/suite.js';
import type { PluginInfo, Registry } from './registry.js';

/** One line of `auditgym list organisms`. */
export interface OrganismEntry {
  id: string;
  name: string;
  suite: string;
  description: string;
  control: boolean;
  behaviours: 'sealed' | Array<{ id: string; category: string }>;
  /** For organisms that must be built before they run: whether they are. */
  built?: boolean;
}

/**
 * Where suites come from: a folder of suite files, a zoo of trained organisms, a lab's own store.
 * A suite name in a spec resolves to the suite of that id from the registered sources.
 */
export interface OrganismSource extends PluginInfo<Record<string, never>> {
  suites(): SuiteSpec[];
  /** The suite of this id, if the source has it; lets a name resolve without building every suite. */
  suite?(id: string): SuiteSpec | undefined;
  /** The organisms to list, when the source knows more about them than its suites say (whether each is built); else its suites' organisms are listed. */
  organisms?(): OrganismEntry[];
}

/** The suite of this id from the first source that has it. */
export function findSourceSuite(sources: Registry<OrganismSource>, id: string): SuiteSpec | undefined {
  return findSuiteSource(sources, id)?.suite;
}

/** The suite of this id, and the source that has it, from the first source that does. */
export function findSuiteSource(sources: Registry<OrganismSource>, id: string): { suite: SuiteSpec; source: OrganismSource } | undefined {
  for (const source of sources.list()) {
    const suite = source.suite === undefined ? source.suites().find((candidate) => candidate.id === id) : source.suite(id);
    if (suite !== undefined) return { suite, source };
  }
  return undefined;
}
