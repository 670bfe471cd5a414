import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `<project>/.auditgym/auditgym.db`, where the project is the nearest folder with package.json or .git. */
export function defaultStorePath(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.git'))) break;
    const parent = dirname(dir);
    if (parent === dir) {
      dir = resolve(cwd);
      break;
    }
    dir = parent;
  }
  return join(dir, '.auditgym', 'auditgym.db');
}

/** `--db` wins, then `$AUDITGYM_DB`, then the project default. */
export function resolveStorePath(options: { db?: string | undefined; cwd: string; env: Readonly<Record<string, string | undefined>> }): string {
  if (options.db !== undefined && options.db !== '') return resolve(options.cwd, options.db);
  const fromEnv = options.env.AUDITGYM_DB;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(options.cwd, fromEnv);
  return defaultStorePath(options.cwd);
}
