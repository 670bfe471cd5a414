import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MicroBaseSpec, type MicroOrganismSpec } from '../contracts/micro-organism.js';
import { zodIssuesToUserError } from '../specs/format-issues.js';
import { loadMicroOrganismSpec, readSpecFile } from '../specs/load.js';

// Spec reading only: no tensor runtime is loaded, so listing the zoo stays instant.

/** The shipped zoo: `organisms/micro/` in the package. */
export function zooDir(): string {
  return fileURLToPath(new URL('../../organisms/micro/', import.meta.url));
}

export interface Zoo {
  dir: string;
  base: { file: string; spec: MicroBaseSpec };
  organisms: Array<{ file: string; spec: MicroOrganismSpec }>;
}

export function loadZoo(dir = zooDir()): Zoo {
  const baseFile = join(dir, 'base.yaml');
  const parsed = MicroBaseSpec.safeParse(readSpecFile(baseFile));
  if (!parsed.success) throw zodIssuesToUserError(parsed.error, { file: baseFile, what: 'micro base spec', schema: MicroBaseSpec });
  const organisms = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') && name !== 'base.yaml')
    .sort()
    .map((name) => {
      const loaded = loadMicroOrganismSpec(join(dir, name));
      return { file: loaded.file, spec: loaded.spec };
    });
  return { dir, base: { file: baseFile, spec: parsed.data }, organisms };
}

