import { existsSync } from 'node:fs';
import type { ModelResolver } from '../contracts/model.js';
import type { Catalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import { resolveModelRef } from '../core/model-provider.js';
import type { RunProgress } from '../core/runner.js';
import { redactSecrets, secretNames } from '../providers/secrets.js';
import { openStore, type SqliteStore } from '../store/sqlite-store.js';
import { resolveStorePath } from '../store/paths.js';
import { createBuiltinCatalog } from './builtin-catalog.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** What a library call needs from its caller: where it is, which store, and the environment for API keys. */
export interface AppOptions {
  cwd: string;
  env: Environment;
  /** The store file; defaults to `.auditgym/auditgym.db` in the project. */
  db?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: RunProgress) => void) | undefined;
  /** Plug-ins, providers and organism sources; `createBuiltinCatalog()` when omitted. */
  catalog?: Catalog | undefined;
}

export function storePath(options: AppOptions): string {
  return resolveStorePath({ db: options.db, cwd: options.cwd, env: options.env });
}

/** Opens the store for writing. Call only after all input has been validated, so bad input writes nothing. */
export function openWritableStore(options: AppOptions): SqliteStore {
  return openStore(storePath(options));
}

/** Opens an existing store read-only; a missing store is the user's mistake, not an empty result. */
export function openReadonlyStore(options: AppOptions): SqliteStore {
  const path = storePath(options);
  if (!existsSync(path)) {
    throw new UserError('store-not-found', `no auditgym store at ${path}`, {
      field: '--db',
      fix: 'run an experiment first (auditgym run <experiment.yaml>), or point --db at an existing store',
    });
  }
  return openStore(path, { readonly: true });
}

/** Resolves `provider:model` references with the catalog's providers, reading keys from `env`. */
export function modelResolver(env: Environment, catalog: Catalog): ModelResolver {
  return (ref, options) => resolveModelRef(ref, options, env, catalog.providers);
}

/** Redacts the values of the variables a spec names as secrets, and of secret-looking variables. */
export function redactor(env: Environment, spec?: unknown): (text: string) => string {
  const names = spec === undefined ? [] : secretNames(spec);
  return (text) => redactSecrets(text, env, names);
}

export function catalogOf(options: AppOptions): Catalog {
  return options.catalog ?? createBuiltinCatalog();
}
