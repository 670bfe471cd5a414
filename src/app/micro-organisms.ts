import { basename } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Verification } from '../micro/organism.js';
import type { SignatureCheck } from '../core/techniques.js';
import type { AppOptions } from './context.js';
import type { BuildReport, DictionaryReport } from '../micro/zoo.js';
import { loadZoo } from '../micro/zoo-specs.js';

export type { BuildReport, DictionaryReport, Verification };

/** Rebuilds micro-organisms from their specs and seeds. */
// The tensor runtime loads on first use, so commands that never train or sample start fast.
export async function buildOrganisms(options: {
  names: string[];
  rebuildBase: boolean;
  dictionaries?: boolean;
  onProgress?: (id: string, step: number, loss: number) => void;
}): Promise<BuildReport[]> {
  checkNames(options.names);
  const { buildZoo } = await import('../micro/zoo.js');
  return buildZoo({ names: options.names, rebuildBase: options.rebuildBase, dictionaries: options.dictionaries !== false, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
}

/** Trains a micro-organism's sparse autoencoder and writes it beside the zoo. */
export async function trainOrganismDictionary(options: {
  id: string;
  layer?: number | undefined;
  features?: number | undefined;
  steps?: number | undefined;
  seed?: number | undefined;
}): Promise<DictionaryReport> {
  const { buildDictionary } = await import('../micro/zoo.js');
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as { id: string };
  return buildDictionary(defined);
}

/** Measures micro-organisms against their bars on held-out prompts. */
/** Refuses names that are not in the zoo, before any model is loaded. */
function checkNames(names: readonly string[]): void {
  const zoo = loadZoo();
  const known = [zoo.base.spec.id, ...zoo.organisms.map(({ spec }) => spec.id)];
  const files = zoo.organisms.map(({ file }) => basename(file));
  const unknown = names.find((name) => !known.includes(name) && !files.includes(name));
  if (unknown !== undefined) throw new UserError('unknown-organism', `no micro-organism "${unknown}"`, { field: 'names', fix: `use one of: ${known.join(', ')}` });
}

/** A verification with its technique-signature bar: the declared signature measured by the technique matrix. */
export type SignedVerification = Omit<Verification, 'passes'> & { passes: Verification['passes'] & { signature: boolean }; signature: SignatureCheck | null };

export async function verifyOrganisms(options: { names: string[]; prompts?: number; signatures?: boolean }, app?: AppOptions): Promise<SignedVerification[]> {
  checkNames(options.names);
  const { verifyZoo } = await import('../micro/zoo.js');
  const results = await verifyZoo({ names: options.names, ...(options.prompts === undefined ? {} : { prompts: options.prompts }) });
  let checks: SignatureCheck[] = [];
  if (options.signatures === true && app !== undefined) {
    const { runTechniqueMatrix } = await import('./techniques.js');
    const matrix = await runTechniqueMatrix({ ...app, suite: 'micro', organisms: results.map((result) => result.organism), baseControl: false });
    checks = matrix.signatures;
  }
  return results.map((result) => {
    const signature = checks.find((check) => check.organism === result.organism) ?? null;
    const passes = { ...result.passes, signature: signature?.holds ?? true };
    return { ...result, passes, signature, pass: result.pass && passes.signature };
  });
}

/** Serves a built micro-organism over HTTP until `signal` aborts. */
export async function serveMicroOrganism(organism: string, options: { port?: number; host?: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const zoo = loadZoo();
  const known = [zoo.base.spec.id, ...zoo.organisms.map((candidate) => candidate.spec.id)];
  if (!known.includes(organism)) throw new UserError('unknown-organism', `no micro-organism "${organism}"`, { field: 'organism', fix: `use one of: ${known.join(', ')}` });
  const { serveOrganism } = await import('../micro/serve.js');
  return serveOrganism(organism, options);
}
