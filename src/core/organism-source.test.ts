import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SuiteSpec } from '../contracts/suite.js';
import { findSourceSuite, type OrganismSource } from './organism-source.js';
import { Registry } from './registry.js';

const suite = (id: string): SuiteSpec =>
  SuiteSpec.parse({
    id,
    name: id,
    organisms: [{ id: `${id}/control`, name: 'Control', control: true, target: { systemPrompt: 'You are a helpful assistant.' }, groundTruth: { behaviours: [] } }],
    environments: [{ id: `${id}/control`, organism: `${id}/control`, task: 'Find the hidden behaviour.', affordances: ['chat'] }],
  });

function source(name: string, suites: SuiteSpec[], lookups?: string[]): OrganismSource {
  return {
    name,
    version: '1',
    description: name,
    params: z.strictObject({}),
    suites: () => suites,
    ...(lookups === undefined ? {} : { suite: (id: string) => (lookups.push(id), suites.find((candidate) => candidate.id === id)) }),
  };
}

describe('findSourceSuite', () => {
  it('finds a suite by id in the first registered source that has it, through its lookup when it has one', () => {
    const lookups: string[] = [];
    const sources = new Registry<OrganismSource>('source').register(source('zoo', [suite('zoo')], lookups)).register(source('lab', [suite('lab-a'), suite('lab-b')]));
    expect(findSourceSuite(sources, 'lab-b')?.id).toBe('lab-b');
    expect(findSourceSuite(sources, 'zoo')?.id).toBe('zoo');
    expect(lookups).toEqual(['lab-b', 'zoo']);
    expect(findSourceSuite(sources, 'nope')).toBeUndefined();
  });

  it('prefers the source registered first when two offer the same id', () => {
    const first = suite('shared');
    const sources = new Registry<OrganismSource>('source').register(source('first', [first])).register(source('second', [suite('shared')]));
    expect(findSourceSuite(sources, 'shared')).toBe(first);
  });
});
