import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { SuiteSpec } from '../contracts/suite.js';
import type { Catalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import { findSuiteSource, type OrganismSource } from '../core/organism-source.js';
import { loadSuiteSpec } from '../specs/load.js';
import { createBuiltinCatalog } from './builtin-catalog.js';

/** Every suite the catalog's organism sources provide, source by source in the order they were registered. */
export function catalogSuites(catalog: Catalog): SuiteSpec[] {
  return catalog.sources.list().flatMap((source) => source.suites());
}

/** The suites that ship with auditgym. */
export function builtinSuites(): SuiteSpec[] {
  return catalogSuites(createBuiltinCatalog());
}

/**
 * What a spec's `suite` names: the suite of that id from the catalog's organism sources (`micro`,
 * `quirky-10`), else a suite file at that path relative to `cwd` (the experiment file's folder).
 */
export function resolveSuite(ref: string, options: { catalog: Catalog; cwd: string; field?: string | undefined }): SuiteSpec {
  return resolveSuiteFrom(ref, options).suite;
}

/** A suite as `resolveSuite` finds it, with the organism source that gave it (none for a file). */
export function resolveSuiteFrom(ref: string, options: { catalog: Catalog; cwd: string; field?: string | undefined }): { suite: SuiteSpec; source: OrganismSource | undefined } {
  const found = findSuiteSource(options.catalog.sources, ref);
  if (found !== undefined) return found;
  const path = resolve(options.cwd, ref);
  if (existsSync(path) && statSync(path).isFile()) return { suite: loadSuiteSpec(path).spec, source: undefined };
  const known = catalogSuites(options.catalog).map((suite) => suite.id);
  throw new UserError('unknown-suite', `suite "${ref}" is neither a built-in suite nor a file (looked for ${path.split(sep).slice(-3).join(sep)})`, {
    field: options.field ?? 'suite',
    fix:
      known.length === 0
        ? 'the catalog has no organism sources: start from createBuiltinCatalog(), or give a path to a suite file relative to the experiment file'
        : `use a built-in suite (${known.join(', ')}) or a path to a suite file relative to the experiment file`,
  });
}
