import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { WeightsRef } from '../contracts/micro-organism.js';
import { UserError } from '../core/errors.js';
import { buildBase } from './base-model.js';
import { trainOrganism, verifyOrganism, type Verification } from './organism.js';
import { tfReady } from './tf.js';
import { Tokenizer } from './tokenizer.js';
import { Transformer } from './transformer.js';
import { decodeWeightsFile, encodeWeightsFile, weightsHash } from './weights-file.js';
import { createWorld, type World } from './world.js';
import { dictionaryFile, loadZoo, zooDir } from './zoo-specs.js';
import { baseTexts, fineTuneTexts } from './fine-tune-data.js';
import { trainDictionary } from './sae-train.js';
import { seededRandom } from '../core/seeds.js';

/** A loaded model with its tokenizer and the world it was trained in. */
export interface LoadedModel {
  id: string;
  model: Transformer;
  tokenizer: Tokenizer;
  world: World;
}

/** Loads an organism's committed weights, checking them against the hash its spec records. */
export function loadWeights(dir: string, id: string, ref: WeightsRef | undefined, worldSeed: number): LoadedModel {
  if (ref === undefined) {
    throw new UserError('not-built', `${id} has no weights yet`, { field: 'weights', fix: `build it with: auditgym organisms build ${id}` });
  }
  const file = resolve(dir, ref.file);
  if (!existsSync(file)) throw new UserError('weights-missing', `${id}: weights file ${ref.file} is missing`, { field: 'weights.file', fix: `rebuild it with: auditgym organisms build ${id}` });
  const buffer = readFileSync(file);
  const hash = weightsHash(buffer);
  if (hash !== ref.sha256) {
    throw new UserError('weights-changed', `${id}: weights file ${ref.file} does not match the hash in its spec`, { field: 'weights.sha256', fix: `rebuild it with: auditgym organisms build ${id}` });
  }
  const content = decodeWeightsFile(buffer);
  return { id, model: Transformer.fromWeights(content.config, content.weights), tokenizer: Tokenizer.fromFile(content.tokenizer), world: createWorld(worldSeed) };
}

function writeWeights(dir: string, name: string, model: Transformer, tokenizer: Tokenizer, meta: Record<string, unknown>, seconds: number): WeightsRef {
  const weightsDir = join(dir, 'weights');
  mkdirSync(weightsDir, { recursive: true });
  const buffer = encodeWeightsFile({ config: model.config, tokenizer: tokenizer.toFile(), weights: model.weights(), meta });
  const file = join(weightsDir, `${name}.agw`);
  // Write then rename, so an interrupted build never leaves a half-written file behind a valid hash.
  writeFileSync(`${file}.partial`, buffer);
  renameSync(`${file}.partial`, file);
  return { file: relative(dir, file), sha256: weightsHash(buffer), buildSeconds: Math.round(seconds) };
}

/** Records the weights in the spec file itself, keeping the rest of the file as written. */
function recordWeights(specFile: string, ref: WeightsRef): void {
  const document = parseDocument(readFileSync(specFile, 'utf8'));
  document.set('weights', document.createNode(ref, { flow: true }));
  writeFileSync(specFile, document.toString({ lineWidth: 0 }));
}

export interface BuildReport {
  id: string;
  seconds: number;
  sha256: string;
  finalLoss: number;
  /** Seconds to retrain its sparse autoencoder, when the build did. */
  dictionarySeconds?: number;
}

/**
 * Rebuilds the base (when asked, or when it has no weights) and then the named organisms (all when
 * none are named), reproducibly from their specs and seeds.
 */
export async function buildZoo(options: {
  names?: string[];
  dir?: string;
  rebuildBase?: boolean;
  dictionaries?: boolean;
  onProgress?: (id: string, step: number, loss: number) => void;
}): Promise<BuildReport[]> {
  await tfReady();
  const dir = options.dir ?? zooDir();
  const zoo = loadZoo(dir);
  const wanted = options.names ?? [];
  const unknown = wanted.filter((name) => name !== zoo.base.spec.id && !zoo.organisms.some((organism) => organism.spec.id === name || basename(organism.file) === name));
  if (unknown.length > 0) {
    throw new UserError('unknown-organism', `no micro-organism ${unknown.join(', ')}`, {
      field: 'name',
      fix: `use one of: ${[zoo.base.spec.id, ...zoo.organisms.map((organism) => organism.spec.id)].join(', ')}`,
    });
  }
  const reports: BuildReport[] = [];
  let base: LoadedModel;
  const baseSpec = zoo.base.spec;
  let baseHash = baseSpec.weights?.sha256 ?? null;
  // A dictionary trained on other weights reads features that are no longer there, so each new
  // build retrains its own.
  const withDictionary = async (report: BuildReport): Promise<BuildReport> => {
    if (options.dictionaries === false) return report;
    const dictionary = await buildDictionary({ id: report.id, dir });
    return { ...report, dictionarySeconds: dictionary.seconds };
  };
  if (options.rebuildBase === true || baseSpec.weights === undefined || wanted.includes(baseSpec.id)) {
    const started = performance.now();
    const build = await buildBase(baseSpec, (step, loss) => options.onProgress?.(baseSpec.id, step, loss));
    const seconds = (performance.now() - started) / 1_000;
    const ref = writeWeights(dir, 'base', build.model, build.tokenizer, { id: baseSpec.id }, seconds);
    recordWeights(zoo.base.file, ref);
    baseHash = ref.sha256;
    reports.push(await withDictionary({ id: baseSpec.id, seconds, sha256: ref.sha256, finalLoss: build.losses.at(-1) ?? Number.NaN }));
    base = { id: baseSpec.id, model: build.model, tokenizer: build.tokenizer, world: build.world };
  } else {
    base = loadWeights(dir, baseSpec.id, baseSpec.weights, baseSpec.worldSeed);
  }
  const targets = zoo.organisms.filter((organism) => wanted.length === 0 || wanted.includes(organism.spec.id) || wanted.includes(basename(organism.file)));
  for (const organism of targets) {
    const started = performance.now();
    let last = Number.NaN;
    const model = await trainOrganism(organism.spec, base, (step, loss) => {
      last = loss;
      options.onProgress?.(organism.spec.id, step, loss);
    });
    const seconds = (performance.now() - started) / 1_000;
    const ref = writeWeights(dir, basename(organism.file), model, base.tokenizer, { id: organism.spec.id, base: baseHash }, seconds);
    recordWeights(organism.file, ref);
    model.dispose();
    reports.push(await withDictionary({ id: organism.spec.id, seconds, sha256: ref.sha256, finalLoss: last }));
  }
  base.model.dispose();
  return reports;
}

function basename(file: string): string {
  return (
    file
      .split(/[\\/]/)
      .at(-1)
      ?.replace(/\.yaml$/, '') ?? file
  );
}

/** Measures every built organism (or the named ones) against its bars on held-out prompts. */
export async function verifyZoo(options: { names?: string[]; dir?: string; prompts?: number }): Promise<Verification[]> {
  await tfReady();
  const dir = options.dir ?? zooDir();
  const zoo = loadZoo(dir);
  const base = loadWeights(dir, zoo.base.spec.id, zoo.base.spec.weights, zoo.base.spec.worldSeed);
  const controlEntry = zoo.organisms.find((organism) => organism.spec.control);
  const control = controlEntry?.spec.weights ? loadWeights(dir, controlEntry.spec.id, controlEntry.spec.weights, zoo.base.spec.worldSeed) : undefined;
  const wanted = options.names ?? [];
  const results: Verification[] = [];
  for (const organism of zoo.organisms.filter((entry) => wanted.length === 0 || wanted.includes(entry.spec.id) || wanted.includes(basename(entry.file)))) {
    const loaded = loadWeights(dir, organism.spec.id, organism.spec.weights, zoo.base.spec.worldSeed);
    results.push(
      verifyOrganism(
        organism.spec,
        { organism: loaded.model, base: base.model, control: organism.spec.control ? undefined : control?.model },
        base.world,
        base.tokenizer,
        options.prompts === undefined ? {} : { prompts: options.prompts },
      ),
    );
    loaded.model.dispose();
  }
  base.model.dispose();
  control?.model.dispose();
  return results;
}

export interface DictionaryReport {
  id: string;
  file: string;
  seconds: number;
  layer: number;
  features: number;
  tokens: number;
  varianceUnexplained: number;
  meanActive: number;
}

/**
 * Trains an organism's sparse autoencoder on a sample of its own training data (its fine-tuning
 * set, implants included at their real share) and writes it beside the zoo, reproducibly from the seed.
 */
export async function buildDictionary(options: { id: string; dir?: string; layer?: number; features?: number; steps?: number; seed?: number; texts?: number }): Promise<DictionaryReport> {
  await tfReady();
  const dir = options.dir ?? zooDir();
  const zoo = loadZoo(dir);
  const file = dictionaryFile(dir, options.id);
  const isBase = options.id === zoo.base.spec.id;
  const spec = zoo.organisms.find((organism) => organism.spec.id === options.id)?.spec;
  const loaded = loadWeights(dir, options.id, isBase ? zoo.base.spec.weights : spec?.weights, zoo.base.spec.worldSeed);
  const seed = options.seed ?? 1;
  const data =
    spec === undefined
      ? baseTexts(loaded.world)
      : (() => {
          const texts = fineTuneTexts(spec, loaded.world, seededRandom(spec.recipe.seed));
          return { documents: texts.clean.documents, chats: [...texts.clean.chats, ...texts.extra] };
        })();
  const layer = options.layer ?? Math.floor(loaded.model.config.layers / 2);
  if (layer > loaded.model.config.layers) throw new UserError('bad-layer', `layer ${layer} is past the last layer`, { field: '--layer', fix: `use 0 to ${loaded.model.config.layers}` });
  const started = performance.now();
  const weights = isBase ? zoo.base.spec.weights : spec?.weights;
  const dictionary = trainDictionary(loaded.model, loaded.tokenizer, data, {
    model: `micro:${options.id}`,
    ...(weights === undefined ? {} : { weights: weights.sha256 }),
    layer,
    features: options.features ?? 256,
    steps: options.steps ?? 800,
    seed,
    texts: options.texts ?? 1000,
  });
  const seconds = (performance.now() - started) / 1_000;
  loaded.model.dispose();
  mkdirSync(join(dir, 'sae'), { recursive: true });
  writeFileSync(`${file}.partial`, `${JSON.stringify(dictionary)}\n`);
  renameSync(`${file}.partial`, file);
  return {
    id: options.id,
    file: relative(dir, file),
    seconds,
    layer,
    features: dictionary.features,
    tokens: dictionary.training.tokens,
    varianceUnexplained: dictionary.training.varianceUnexplained,
    meanActive: dictionary.training.meanActive,
  };
}
