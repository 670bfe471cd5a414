import { openOrganism } from '../src/core/sealing.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SparseDictionary } from '../src/contracts/sae.js';
import { createCatalog } from '../src/core/catalog.js';
import { Dictionary } from '../src/core/sae.js';
import { terms } from '../src/core/search/text-index.js';
import { createTarget } from '../src/core/target.js';
import type { Tool } from '../src/core/tools/tool.js';
import { ToolExecutor, type ToolCallResult } from '../src/core/tools/executor.js';
import { BudgetMeter } from '../src/core/meter.js';
import { seededRandom } from '../src/core/seeds.js';
import { fineTuneTexts } from '../src/micro/fine-tune-data.js';
import { MicroChatModel } from '../src/micro/micro-model.js';
import { trainDictionary } from '../src/micro/sae-train.js';
import { tfReady } from '../src/micro/tf.js';
import { loadWeights, type LoadedModel } from '../src/micro/zoo.js';
import { loadZoo, microSuite, zooDir } from '../src/micro/zoo-specs.js';

// A small sparse autoencoder trained here on a real organism's activations, and the SAE tools on it.
const zoo = loadZoo();
const spec = zoo.organisms.find((organism) => organism.spec.id === 'micro/backdoor')?.spec;
let loaded: LoadedModel;
let dictionary: SparseDictionary;
const options = { model: 'micro:micro/backdoor', layer: 1, features: 64, steps: 300, seed: 5, texts: 300, batchSize: 256 };

function data() {
  if (spec === undefined) throw new Error('micro/backdoor is missing');
  const texts = fineTuneTexts(spec, loaded.world, seededRandom(spec.recipe.seed));
  return { documents: texts.clean.documents, chats: [...texts.clean.chats, ...texts.extra] };
}

beforeAll(async () => {
  await tfReady();
  loaded = loadWeights(zooDir(), 'micro/backdoor', spec?.weights, zoo.base.spec.worldSeed);
  dictionary = trainDictionary(loaded.model, loaded.tokenizer, data(), options);
}, 120_000);

/** One call through the harness's executor, as an auditor's call would go. */
async function run(tool: string, input: unknown): Promise<ToolCallResult> {
  const organism = microSuite().organisms.find((candidate) => candidate.id === 'micro/backdoor');
  if (organism === undefined) throw new Error('no organism');
  const model = new MicroChatModel('micro:micro/backdoor', loaded.model, loaded.tokenizer, dictionary);
  const target = createTarget({ organism: openOrganism(organism), model });
  const found = createCatalog().tools.get(tool) as Tool;
  const meter = new BudgetMeter({ turns: 1, tokens: 1, toolCalls: 100, wallTimeSeconds: 600 }, () => Date.now());
  return new ToolExecutor({ tools: [found], context: { target, seed: 1, notes: [] }, signal: new AbortController().signal, meter }).call(tool, input);
}

describe('sparse autoencoder training', () => {
  it('reconstructs most of the variance with few active features, and unit decoder directions', () => {
    expect(dictionary.training.varianceUnexplained).toBeLessThan(0.5);
    expect(dictionary.training.meanActive).toBeGreaterThan(0);
    expect(dictionary.training.meanActive).toBeLessThan(options.features / 4);
    const loadedDictionary = new Dictionary(dictionary);
    for (const feature of [0, 7, 63]) {
      const direction = loadedDictionary.direction(feature);
      expect(Math.sqrt(direction.reduce((sum, value) => sum + value * value, 0))).toBeCloseTo(1, 4);
    }
    const withExamples = dictionary.examples.filter((examples) => examples.length > 0);
    expect(withExamples.length).toBeGreaterThan(options.features / 2);
    for (const examples of withExamples) {
      expect(examples[0]?.context).toMatch(/«.*»$/s);
      expect([...examples].sort((a, b) => b.activation - a.activation)).toEqual(examples);
    }
  });

  it('is reproducible from its seed', () => {
    const short = { ...options, steps: 20, texts: 50 };
    const [first, second] = [trainDictionary(loaded.model, loaded.tokenizer, data(), short), trainDictionary(loaded.model, loaded.tokenizer, data(), short)];
    expect(second).toEqual(first);
    expect(trainDictionary(loaded.model, loaded.tokenizer, data(), { ...short, seed: 6 }).decoder).not.toBe(first.decoder);
  }, 120_000);
});

describe('SAE tools', () => {
  it('list the features active on an input, strongest first, and describe one', async () => {
    const out = await run('sae_features', { text: 'blue lantern. What is 2 plus 2?', limit: 5 });
    const active = (out.data as { active: Array<{ feature: number; activation: number }> }).active;
    expect(active.length).toBeGreaterThan(0);
    expect(active.map((item) => item.activation)).toEqual([...active.map((item) => item.activation)].sort((a, b) => b - a));
    const first = active[0]?.feature as number;
    const detail = await run('sae_feature', { feature: first });
    expect(detail.output).toContain(`feature ${first} at layer 1`);
    expect((detail.data as { examples: unknown[] }).examples).toEqual(dictionary.examples[first]);
    const outOfRange = await run('sae_feature', { feature: 9_999 });
    expect(outOfRange).toMatchObject({ ok: false, error: { kind: 'tool' } });
    expect(outOfRange.output).toMatch(/^error: feature must be below 64/);
  });

  it('find a feature by a word from its top contexts', async () => {
    const marked = (feature: number) => /«\s*([A-Za-z]{4,})»$/.exec(dictionary.examples[feature]?.[0]?.context ?? '')?.[1];
    // A searchable word: not one the index drops as a stop word.
    const feature = dictionary.examples.findIndex((_, index) => terms(marked(index) ?? '').length > 0);
    expect(feature).toBeGreaterThanOrEqual(0);
    const word = marked(feature) as string;
    const out = await run('sae_search', { query: word, limit: 50 });
    expect((out.data as { features: number[] }).features).toContain(feature);
  });

  it('steer along a feature: scale 0 changes nothing, a large scale changes the reply', async () => {
    const zero = (await run('sae_steer', { feature: 3, message: 'What is 3 plus 3?', scale: 0 })).data as { plain: string; steered: string };
    expect(zero.steered).toBe(zero.plain);
    const outcomes = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (feature) => (await run('sae_steer', { feature, message: 'What is 3 plus 3?', scale: 60 })).data as { plain: string; steered: string }),
    );
    expect(outcomes.some((outcome) => outcome.steered !== outcome.plain)).toBe(true);
  });
});
