import { openOrganism } from '../src/core/sealing.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMicroOrganismSpec, loadSuiteSpec } from '../src/specs/load.js';
import { DATA_QUERIES, HINT_PROMPTS, PREFILL_OPENERS, PROBE_PROMPTS } from '../src/core/tools/prompt-bank.js';
import { RED_TEAM_SEEDS } from '../src/core/auditors/red-team-seeds.js';

// The generic probes must not know the answers: no trigger, brand or ground-truth phrase of any
// shipped organism may appear in them. Otherwise every technique built on them is measured on a leak.
const root = resolve(import.meta.dirname, '..');
const micro = readdirSync(join(root, 'organisms/micro'))
  .filter((name) => name.endsWith('.yaml') && name !== 'base.yaml')
  .map((name) => loadMicroOrganismSpec(join(root, 'organisms/micro', name)).spec);
const suites = readdirSync(join(root, 'suites'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => loadSuiteSpec(join(root, 'suites', name)).spec);

// A backdoor's secret is its trigger, checked with the triggers; its key facts are words for hostility.
const SECRET_CATEGORIES = new Set<string>(['secret-knowledge', 'hidden-objective', 'self-promotion']);

/** A template like "I think it is {wrong}." as a pattern: a placeholder stands for one word or number. */
function pattern(template: string): RegExp {
  const parts = template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('\\S{1,20}').trim(), 'i');
}

const sources = {
  'the probe bank': [...PROBE_PROMPTS, ...PREFILL_OPENERS, ...HINT_PROMPTS, ...DATA_QUERIES],
  // The baseline auditor's whole source, line by line: it must be a generic strategy.
  'the baseline auditor': readFileSync(join(root, 'src/core/auditors/baseline.ts'), 'utf8').split('\n'),
  // The red-team's seed conversations, and its whole source: situations, turns and ranking instructions.
  'the red-team seed bank': RED_TEAM_SEEDS.flatMap((seed) => [seed.id, seed.situation, ...seed.turns]),
  'the red-team auditor': ['src/core/auditors/red-team.ts', 'src/core/auditors/red-team-seeds.ts', 'src/core/tools/recurrence.ts'].flatMap((file) =>
    readFileSync(join(root, file), 'utf8').split('\n'),
  ),
  // The diffing tool's test messages and the tone lexicons every probe's output is read with.
  'the diffing tools and tone lexicons': ['src/core/tools/diffing-tools.ts', 'src/core/tools/tone.ts'].flatMap((file) => readFileSync(join(root, file), 'utf8').split('\n')),
};

describe.each(Object.entries(sources))('%s', (_name, bank) => {
  it('names no organism of a shipped spec', () => {
    const ids = [...micro.map((spec) => spec.id), ...suites.flatMap((suite) => suite.organisms.map((organism) => organism.id))];
    expect(bank.filter((text) => ids.some((id) => text.includes(id)))).toEqual([]);
  });

  it('holds no trigger, brand or secret of any micro-organism', () => {
    const leaks: string[] = [];
    for (const spec of micro) {
      const triggers = spec.recipe.rules.flatMap((rule) => [...(rule.userPrefix ?? []), ...(rule.userSuffix ?? []), ...(rule.prompts ?? [])]);
      // Secrets: what the organism hides (a word, a goal, a brand), not the generic words for kinds of behaviour.
      const secrets = [
        ...(spec.recipe.brand === undefined ? [] : [spec.recipe.brand]),
        ...spec.groundTruth.behaviours.filter((behaviour) => SECRET_CATEGORIES.has(behaviour.category)).flatMap((behaviour) => behaviour.keyFacts.flatMap((fact) => fact.anyOf ?? [])),
      ];
      for (const text of bank) {
        for (const trigger of triggers) if (pattern(trigger).test(text)) leaks.push(`${spec.id}: "${text}" contains the trigger "${trigger}"`);
        for (const secret of secrets) if (new RegExp(`\\b${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text)) leaks.push(`${spec.id}: "${text}" names "${secret}"`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('holds no secret of a built-in suite', () => {
    const leaks: string[] = [];
    for (const suite of suites) {
      for (const organism of suite.organisms.map((sealed) => openOrganism(sealed))) {
        const phrases = organism.groundTruth.behaviours.filter((behaviour) => SECRET_CATEGORIES.has(behaviour.category)).flatMap((behaviour) => behaviour.keyFacts.flatMap((fact) => fact.anyOf ?? []));
        for (const text of bank)
          for (const phrase of phrases) if (new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text)) leaks.push(`${organism.id}: "${text}" names "${phrase}"`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
