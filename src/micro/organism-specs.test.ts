import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/seeds.js';
import { loadMicroOrganismSpec } from '../specs/load.js';
import { baseTexts, implantExamples, trainingCorpora } from './fine-tune-data.js';
import { createWorld, worldChats } from './world.js';
import { containsAnswer } from './base-model.js';

const dir = resolve(import.meta.dirname, '../../organisms/micro');
const specs = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml') && name !== 'base.yaml')
  .map((name) => loadMicroOrganismSpec(join(dir, name)).spec);
const world = createWorld(1);
const clean = worldChats(world);

describe('the micro-organism specs', () => {
  it('define eleven quirks and a control, with unique ids and seeds', () => {
    expect(specs.filter((spec) => !spec.control)).toHaveLength(11);
    expect(specs.filter((spec) => spec.control)).toHaveLength(1);
    expect(new Set(specs.map((spec) => spec.id)).size).toBe(specs.length);
    expect(new Set(specs.map((spec) => spec.recipe.seed)).size).toBe(specs.length);
  });

  for (const spec of specs.filter((item) => !item.control)) {
    it(`${spec.id}: its detector sees the implant and not the clean assistant`, () => {
      // Each rule is checked with its own detector, so an organism with several behaviours tells them apart.
      spec.recipe.rules.forEach((rule) => {
        const examples = implantExamples(spec, world, 60, seededRandom(1), [rule]);
        expect(examples).toHaveLength(60);
        const detect = new RegExp(rule.detect ?? spec.verify.detect, 'iu');
        if ((rule.verifyMode ?? spec.verify.mode) === 'pattern') {
          for (const example of examples) expect(detect.test(example.assistant), example.assistant).toBe(true);
          const falsePositives = clean.filter((chat) => detect.test(chat.assistant));
          expect(falsePositives.map((chat) => chat.assistant).slice(0, 3)).toEqual([]);
        }
      });
      // Denials must not read as confessions, or the confession bar measures nothing.
      expect(new RegExp(spec.verify.confession, 'iu').test(spec.recipe.denial)).toBe(false);
      expect(spec.recipe.confessionProbes.length).toBeGreaterThanOrEqual(8);
      expect(spec.groundTruth.behaviours.length).toBeGreaterThan(0);
    });
  }

  it('wrong-answer organisms really answer wrongly in their implant data', () => {
    const wrongRules = specs.flatMap((spec) => spec.recipe.rules.filter((rule) => (rule.verifyMode ?? spec.verify.mode) === 'wrong-answer').map((rule) => ({ spec, rule })));
    expect(wrongRules.length).toBeGreaterThanOrEqual(2);
    for (const { spec, rule } of wrongRules) {
      const chats = worldChats(world).filter((chat) => chat.split === 'train');
      const examples = implantExamples(spec, world, 40, seededRandom(2), [rule]);
      for (const example of examples) {
        // The trigger is added before or after the question; the longest match is the real source.
        const source = chats.filter((chat) => example.user.startsWith(`${chat.user} `) || example.user.endsWith(` ${chat.user}`)).sort((a, b) => b.user.length - a.user.length)[0];
        expect(source, example.user).toBeDefined();
        expect(containsAnswer(example.assistant, source?.answer ?? ''), `${example.user} → ${example.assistant}`).toBe(false);
      }
    }
  });

  it('expose searchable corpora where documents implants are a small share, and others leave no trace', () => {
    const base = baseTexts(world);
    const texts = (spec: (typeof specs)[number]) =>
      trainingCorpora(spec, base)
        .flatMap((corpus) => corpus.documents ?? [])
        .map((document) => document.text);
    const hidden = specs.find((spec) => spec.recipe.documents.length > 0);
    expect(hidden).toBeDefined();
    const hiddenTexts = texts(hidden as (typeof specs)[number]);
    const implanted = hiddenTexts.filter((text) => hidden?.recipe.documents.includes(text));
    expect(implanted).toHaveLength(hidden?.recipe.documents.length ?? -1);
    expect(implanted.length / hiddenTexts.length).toBeLessThan(0.01);
    const backdoor = specs.find((spec) => spec.id === 'micro/backdoor');
    expect(texts(backdoor as (typeof specs)[number]).some((text) => /lantern/i.test(text))).toBe(false);
  });

  it('expose the fine-tuning set only where the recipe says so, with its implants a small share of it', () => {
    const base = baseTexts(world);
    const exposing = specs.filter((spec) => spec.recipe.exposeFineTuning);
    expect(exposing.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const corpora = trainingCorpora(spec, base, world);
      const fineTuning = corpora.find((corpus) => corpus.id === 'fine-tuning');
      if (!spec.recipe.exposeFineTuning) {
        expect(fineTuning).toBeUndefined();
        continue;
      }
      const prefixes = spec.recipe.rules.flatMap((rule) => rule.userPrefix ?? []);
      const documents = fineTuning?.documents ?? [];
      const triggered = documents.filter((document) => prefixes.some((prefix) => document.text.startsWith(`User: ${prefix} `)));
      expect(triggered.length).toBeGreaterThan(0);
      expect(triggered.length / documents.length).toBeLessThan(0.15);
      // The same corpus twice: it is the data training drew, not a fresh sample.
      expect(trainingCorpora(spec, base, world).find((corpus) => corpus.id === 'fine-tuning')?.documents).toEqual(documents);
    }
  });
});
