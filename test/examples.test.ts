import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentSpec } from '../src/specs/load.js';

// The README points at these files: each must be a valid experiment spec.
const dir = resolve(import.meta.dirname, '../examples');

describe('the example experiments', () => {
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.yaml'))) {
    it(`${name} is a valid experiment spec`, () => {
      const { spec } = loadExperimentSpec(join(dir, name));
      expect(spec.auditors.length).toBeGreaterThan(0);
    });
  }
});
