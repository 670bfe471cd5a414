import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { Split } from '../contracts/common.js';
import type { OrganismSpec } from '../contracts/organism.js';
import { SealedBox, isSealed } from '../contracts/sealed.js';
import type { SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import { noKeyError, type Unsealer } from '../core/sealing.js';
import { loadSuiteSpec, readSpecFile } from '../specs/load.js';
import type { Environment } from './context.js';

// Keys live outside any project by default (~/.config/auditgym/keys), so a clone, a commit or a
// scaffold that reads the project never holds them. A key is 32 random bytes, stored as hex.

export interface SealKey {
  id: string;
  bytes: Buffer;
}

export function keyFolder(env: Environment): string {
  if (env.AUDITGYM_KEYS !== undefined && env.AUDITGYM_KEYS !== '') return env.AUDITGYM_KEYS;
  const config = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(config, 'auditgym', 'keys');
}

const keyId = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function parseKey(text: string, where: string, field: string): SealKey {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new UserError('bad-key', `${where} is not a sealing key`, { field, fix: 'a key is 64 hex digits (32 bytes); make one with: auditgym seal --new-key' });
  }
  const bytes = Buffer.from(hex, 'hex');
  return { id: keyId(bytes), bytes };
}

/** Every key this environment can open with: AUDITGYM_SEAL_KEY, then the key folder's `*.key` files. */
export function availableKeys(env: Environment): Map<string, SealKey> {
  const keys = new Map<string, SealKey>();
  if (env.AUDITGYM_SEAL_KEY !== undefined && env.AUDITGYM_SEAL_KEY !== '') {
    const key = parseKey(env.AUDITGYM_SEAL_KEY, 'AUDITGYM_SEAL_KEY', 'AUDITGYM_SEAL_KEY');
    keys.set(key.id, key);
  }
  const folder = keyFolder(env);
  if (existsSync(folder)) {
    for (const name of readdirSync(folder)
      .filter((entry) => entry.endsWith('.key'))
      .sort()) {
      const file = join(folder, name);
      const key = parseKey(readFileSync(file, 'utf8'), file, 'AUDITGYM_KEYS');
      keys.set(key.id, key);
    }
  }
  return keys;
}

/**
 * The key new seals use: AUDITGYM_SEAL_KEY when set, else `local.key` in the key folder, made on first
 * use with owner-only permissions.
 */
export function sealingKey(env: Environment): SealKey {
  if (env.AUDITGYM_SEAL_KEY !== undefined && env.AUDITGYM_SEAL_KEY !== '') return parseKey(env.AUDITGYM_SEAL_KEY, 'AUDITGYM_SEAL_KEY', 'AUDITGYM_SEAL_KEY');
  const folder = keyFolder(env);
  const file = join(folder, 'local.key');
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'), file, 'AUDITGYM_KEYS');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const bytes = randomBytes(32);
  writeFileSync(file, `${bytes.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { id: keyId(bytes), bytes };
}

export function newKey(): SealKey {
  const bytes = randomBytes(32);
  return { id: keyId(bytes), bytes };
}

export function seal(value: unknown, key: SealKey): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  // The key id is authenticated too, so a box cannot be relabelled to another key.
  cipher.setAAD(Buffer.from(key.id));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { sealed: 'aes-256-gcm', keyId: key.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function open(box: SealedBox, key: SealKey): unknown {
  if (box.keyId !== key.id) throw noKeyError(box);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(Buffer.from(key.id));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  let text: string;
  try {
    text = Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new UserError('sealed-corrupt', `a value sealed with key ${box.keyId} fails its integrity check`, {
      field: 'sealed',
      fix: 'the sealed data was altered or cut; restore it from the original suite file',
    });
  }
  return JSON.parse(text) as unknown;
}

/** The one function the grader and the target backend get: opens a box with whichever available key made it. */
export function unsealer(env: Environment): Unsealer {
  let keys: Map<string, SealKey> | undefined;
  return (box) => {
    keys ??= availableKeys(env);
    const key = keys.get(box.keyId);
    if (key === undefined) throw noKeyError(box);
    return open(SealedBox.parse(box), key);
  };
}

/**
 * An organism with its ground truth and hidden system prompt sealed; already-sealed parts are kept.
 * Ids and names stay readable, because runs and reports refer to them: give test organisms neutral ones.
 */
export function sealOrganism(organism: OrganismSpec, key: SealKey): OrganismSpec {
  const prompt = organism.target.systemPrompt;
  return {
    ...organism,
    // A description of a test organism says what it does; it is documentation, so a sealed copy drops it.
    description: '',
    // So is a signature's reason, which says what the organism hides; the families it names stay.
    ...(organism.signature === undefined ? {} : { signature: withoutWhy(organism.signature) }),
    target: { ...organism.target, ...(prompt === undefined || isSealed(prompt) ? {} : { systemPrompt: seal(prompt, key) }) },
    groundTruth: isSealed(organism.groundTruth) ? organism.groundTruth : seal(organism.groundTruth, key),
  };
}

function withoutWhy(signature: NonNullable<OrganismSpec['signature']>): NonNullable<OrganismSpec['signature']> {
  const { why: _why, ...rest } = signature;
  return rest;
}

/**
 * The suite with the organisms of one split sealed. Organisms written inline in an environment are
 * sealed in place. An organism shared by a dev and a test environment is sealed too: test wins.
 */
export function sealSplit(suite: SuiteSpec, split: Split, key: SealKey): SuiteSpec {
  const chosen = suite.environments.filter((environment) => environment.split === split);
  const ids = new Set(chosen.flatMap((environment) => (typeof environment.organism === 'string' ? [environment.organism] : [])));
  return {
    ...suite,
    organisms: suite.organisms.map((organism) => (ids.has(organism.id) ? sealOrganism(organism, key) : organism)),
    environments: suite.environments.map((environment) =>
      environment.split === split && typeof environment.organism !== 'string' ? { ...environment, organism: sealOrganism(environment.organism, key) } : environment,
    ),
  };
}

/** True when any organism of the suite carries a plain ground truth on this split. */
export function hasPlainSplit(suite: SuiteSpec, split: Split): boolean {
  const organisms = new Map(suite.organisms.map((organism) => [organism.id, organism]));
  return suite.environments
    .filter((environment) => environment.split === split)
    .some((environment) => {
      const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
      return organism !== undefined && !isSealed(organism.groundTruth);
    });
}

export interface SealFileResult {
  file: string;
  keyId: string;
  /** Where the key is kept, or `AUDITGYM_SEAL_KEY`. */
  key: string;
  sealed: string[];
}

/**
 * Writes a copy of a suite file with one split's ground truth and hidden prompts sealed. The input is
 * validated first, and an existing output is never overwritten, so a mistake loses nothing.
 */
export function sealSuiteFile(input: { file: string; split: Split; output: string }, env: Environment): SealFileResult {
  const loaded = loadSuiteSpec(input.file);
  if (existsSync(input.output)) {
    throw new UserError('output-exists', `${input.output} already exists`, { field: '--output', fix: 'choose a new file name; auditgym seal never overwrites' });
  }
  const raw = readSpecFile(loaded.file) as { organisms?: Array<Record<string, unknown>>; environments: Array<Record<string, unknown>> };
  const key = sealingKey(env);
  const sealed: string[] = [];
  const sealRaw = (organism: Record<string, unknown>) => {
    const target = organism.target as Record<string, unknown> | undefined;
    if (target !== undefined && typeof target.systemPrompt === 'string') target.systemPrompt = seal(target.systemPrompt, key);
    if (!isSealed(organism.groundTruth)) organism.groundTruth = seal(organism.groundTruth, key);
    delete organism.description;
    sealed.push(String(organism.id));
  };
  const chosen = loaded.spec.environments.filter((environment) => environment.split === input.split).map((environment) => environment.id);
  for (const environment of raw.environments) {
    if (!chosen.includes(String(environment.id))) continue;
    if (typeof environment.organism === 'string') {
      const organism = raw.organisms?.find((candidate) => candidate.id === environment.organism);
      if (organism !== undefined && !sealed.includes(String(organism.id))) sealRaw(organism);
    } else sealRaw(environment.organism as Record<string, unknown>);
  }
  if (sealed.length === 0) {
    throw new UserError('nothing-to-seal', `${input.file} has no environment on split "${input.split}"`, { field: '--split', fix: 'name a split the suite uses (dev or test)' });
  }
  mkdirSync(dirname(input.output), { recursive: true });
  writeFileSync(input.output, `# Sealed with key ${key.id}: ${sealed.length} organisms of split "${input.split}". Only the grader opens them.\n${stringify(raw, { lineWidth: 0 })}`, { flag: 'wx' });
  const keyPlace = env.AUDITGYM_SEAL_KEY !== undefined && env.AUDITGYM_SEAL_KEY !== '' ? 'AUDITGYM_SEAL_KEY' : join(keyFolder(env), 'local.key');
  return { file: input.output, keyId: key.id, key: keyPlace, sealed };
}
