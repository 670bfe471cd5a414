import { UserError } from '../core/errors.js';

type Env = Readonly<Record<string, string | undefined>>;

const SECRET_NAME = /(API_KEY|_KEY|_TOKEN|SECRET|PASSWORD)$/i;

/** Reads an API key from the environment at request time. Keys never live in specs or the store. */
export function readApiKey(envName: string, env: Env): string | undefined {
  const value = env[envName];
  return value === undefined || value === '' ? undefined : value;
}

export function requireApiKey(envName: string, env: Env, provider: string): string {
  const key = readApiKey(envName, env);
  if (key === undefined) {
    throw new UserError('missing-api-key', `${provider} needs an API key in the environment variable ${envName}`, {
      field: envName,
      fix: `export ${envName}=... before running (keys are read from the environment only, never from spec files)`,
    });
  }
  return key;
}

/**
 * The one redaction path. Replaces, in a text, the value of every variable a spec names as a secret
 * (`names`: see `secretNames`), under any name, and of every variable whose name looks secret. Provider
 * error bodies and replies sometimes echo the key they were sent, and an MCP server may print what it
 * was passed; this keeps such text out of the store, logs, exports, reports and terminal.
 */
export function redactSecrets(text: string, env: Env, names: Iterable<string> = []): string {
  let result = text;
  for (const value of secretValues(env, names)) result = result.split(value).join('[redacted]');
  return result;
}

// A named secret is redacted from 6 characters on; shorter values would blank out ordinary text.
const MIN_NAMED = 6;
const MIN_PATTERN = 8;

function secretValues(env: Env, names: Iterable<string>): string[] {
  const values = new Set<string>();
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.length >= MIN_NAMED) values.add(value);
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= MIN_PATTERN && SECRET_NAME.test(name)) values.add(value);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * The variables a spec names as holding secrets, wherever they appear in it: every `apiKeyEnv`, the
 * values of every `headersFromEnv`, and every entry of `passEnv`. Works on any spec shape, so a new
 * field that names a secret with one of these keys is covered without a change here.
 */
export function secretNames(spec: unknown): string[] {
  const names = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const named =
        key === 'apiKeyEnv' ? [item] : key === 'headersFromEnv' && item !== null && typeof item === 'object' ? Object.values(item) : key === 'passEnv' && Array.isArray(item) ? item : undefined;
      if (named === undefined) visit(item, depth + 1);
      else for (const name of named) if (typeof name === 'string') names.add(name);
    }
  };
  visit(spec, 0);
  return [...names];
}
