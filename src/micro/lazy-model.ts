import type { ChatRequest, ChatResponse, CompletionRequest } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import type { WhiteBox } from '../contracts/whitebox.js';
import { SparseDictionary } from '../contracts/sae.js';
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
// Type-only and capability imports: resolving a target must not load the tensor runtime.
import { MICRO_CAPABILITIES } from './capabilities.js';
import type { MicroChatModel } from './micro-model.js';
import { dictionaryFile, loadZoo, zooDir } from './zoo-specs.js';

/**
 * An organism's sparse autoencoder, if one has been trained on these weights: one trained on other
 * weights would read features that are gone. A damaged file is an error.
 */
function readDictionary(file: string, weights: string): SparseDictionary | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = SparseDictionary.safeParse(raw);
  if (!parsed.success) throw new UserError('bad-dictionary', `${file} is not a valid dictionary`, { field: 'sae', fix: 'retrain it with: auditgym sae train <organism>' });
  // Dictionaries from before weights were recorded carry no hash, and are read as they are.
  return parsed.data.weights === undefined || parsed.data.weights === weights ? parsed.data : undefined;
}

const loaded = new Map<string, Promise<MicroChatModel>>();

/**
 * `micro:<organism>`: checks at once that the organism exists and is built, and loads its weights
 * (and the tensor runtime) on the first call, once per process.
 */
export function resolveMicroModel(organism: string, dir = zooDir()): ChatModel {
  const zoo = loadZoo(dir);
  const entry = organism === zoo.base.spec.id ? { weights: zoo.base.spec.weights } : zoo.organisms.find((candidate) => candidate.spec.id === organism)?.spec;
  if (entry === undefined) {
    throw new UserError('unknown-organism', `no micro-organism "${organism}"`, {
      field: 'model',
      fix: `use micro:<id> with one of: ${[zoo.base.spec.id, ...zoo.organisms.map((candidate) => candidate.spec.id)].join(', ')}`,
    });
  }
  const ref = entry.weights;
  if (ref === undefined) {
    throw new UserError('not-built', `micro-organism "${organism}" has no weights yet`, { field: 'model', fix: `build it with: auditgym organisms build ${organism}` });
  }
  const load = () => {
    let model = loaded.get(organism) as Promise<MicroChatModel> | undefined;
    if (model === undefined) {
      model = (async () => {
        const [{ loadWeights }, { MicroChatModel }, { tfReady }, { fastPathFor }] = await Promise.all([import('./zoo.js'), import('./micro-model.js'), import('./tf.js'), import('./onnx-runtime.js')]);
        await tfReady();
        const weights = loadWeights(dir, organism, ref, zoo.base.spec.worldSeed);
        const fast = await fastPathFor(weights.model);
        return new MicroChatModel(`micro:${organism}`, weights.model, weights.tokenizer, readDictionary(dictionaryFile(dir, organism), ref.sha256), fast);
      })();
      loaded.set(organism, model);
    }
    return model;
  };
  const whitebox: WhiteBox = {
    info: async () => (await load()).whitebox.info(),
    tokenize: async (request, options) => (await load()).whitebox.tokenize(request, options),
    forward: async (request, options) => (await load()).whitebox.forward(request, options),
    logitLens: async (request, options) => (await load()).whitebox.logitLens(request, options),
    logprobs: async (request, options) => (await load()).whitebox.logprobs(request, options),
    readVector: async (request, options) => (await load()).whitebox.readVector(request, options),
    chat: async (request, options) => (await load()).whitebox.chat(request, options),
    searchSteeringVectors: async (request, options) => (await load()).whitebox.searchSteeringVectors(request, options),
    dictionary: async () => (await load()).whitebox.dictionary(),
  };
  return {
    id: `micro:${organism}`,
    whitebox,
    sampleUserTurn: async (request: ChatRequest, options: CallOptions): Promise<ChatResponse> => (await load()).sampleUserTurn(request, options),
    provider: 'micro',
    capabilities: new Set(MICRO_CAPABILITIES),
    chat: async (request: ChatRequest, options: CallOptions): Promise<ChatResponse> => (await load()).chat(request, options),
    complete: async (request: CompletionRequest, options: CallOptions): Promise<ChatResponse> => (await load()).complete(request, options),
  };
}
