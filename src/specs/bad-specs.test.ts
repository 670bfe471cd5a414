import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { loadExperimentSpec, loadOrganismSpec, loadSuiteSpec } from './load.js';

const dir = resolve(import.meta.dirname, '../../test/fixtures/bad-specs');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { field: string; mentions?: string; loader?: boolean }>;
const files = readdirSync(dir).filter((name) => name !== 'expected.json' && name !== 'README.md');

const loaders = { experiment: loadExperimentSpec, suite: loadSuiteSpec, organism: loadOrganismSpec } as const;

describe('the malformed spec corpus, at the loader', () => {
  it('has at least 55 files, each with an expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(55);
    expect(files.filter((name) => expected[name] === undefined)).toEqual([]);
  });

  for (const name of files) {
    const expectation = expected[name];
    if (expectation?.loader === false) continue;
    it(`${name}: refused with the field and a fix`, () => {
      const kind = name.split('.')[1] as keyof typeof loaders;
      const started = performance.now();
      let caught: unknown;
      try {
        loaders[kind](join(dir, name));
      } catch (error) {
        caught = error;
      }
      expect(caught, 'no error was raised').toBeInstanceOf(UserError);
      const error = caught as UserError;
      expect(error.field).toBe(expectation?.field);
      expect(error.fix ?? '').not.toBe('');
      // Syntax errors point at the line.
      if (error.field === '(syntax)' && !name.endsWith('.json')) expect(error.message).toMatch(/:\d+:\d+:/);
      if (expectation?.mentions) expect(`${error.message} ${error.fix}`).toContain(expectation.mentions);
      // Hostile input must fail fast, not after expanding.
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  }
});
