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
 * Replaces the value of every secret-looking environment variable in a text. Provider error bodies
 * sometimes echo the key they were sent; this keeps such text out of the store, logs and exports.
 */
export function redactSecrets(text: string, env: Env): string {
  let result = text;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < 8 || !SECRET_NAME.test(name)) continue;
    result = result.split(value).join('[redacted]');
  }
  return result;
}
