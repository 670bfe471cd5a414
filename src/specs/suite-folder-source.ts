import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { SuiteSpec } from '../contracts/suite.js';
import type { OrganismSource } from '../core/organism-source.js';
import { loadSuiteSpec } from './load.js';

/** The folder of suites that ship with auditgym, found from this file so it works from `src/` and from `dist/`. */
export function builtinSuitesDir(): string {
  return fileURLToPath(new URL('../../suites/', import.meta.url));
}

/**
 * The suite files (`*.yaml`) of one folder. A suite is named by its file, as `quirky-10` names
 * `quirky-10.yaml`, so resolving one name reads one file.
 */
export function suiteFolderSource(info: { name: string; version: string; description: string; dir: string }): OrganismSource {
  const files = () =>
    existsSync(info.dir)
      ? readdirSync(info.dir)
          .filter((name) => name.endsWith('.yaml'))
          .sort()
      : [];
  const suites = (): SuiteSpec[] => files().map((name) => loadSuiteSpec(join(info.dir, name)).spec);
  return {
    name: info.name,
    version: info.version,
    description: info.description,
    params: z.strictObject({}),
    suites,
    suite(id) {
      if (/^[a-z0-9][a-z0-9._-]*$/.test(id) && files().includes(`${id}.yaml`)) return loadSuiteSpec(join(info.dir, `${id}.yaml`)).spec;
      return suites().find((suite) => suite.id === id);
    },
  };
}

export const builtinFilesSource: OrganismSource = suiteFolderSource({
  name: 'builtin-files',
  version: '1',
  description: 'the suite files that ship with auditgym (suites/)',
  dir: builtinSuitesDir(),
});
