import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { specSchemas } from '../src/app/schemas.js';

const dir = resolve(import.meta.dirname, '../schemas');

describe('JSON Schemas for editors', () => {
  it('are committed and up to date (regenerate with npm run schemas)', () => {
    const generated = specSchemas();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(JSON.parse(readFileSync(join(dir, name), 'utf8')), name).toEqual(schema);
    }
  });

  it('describe the shipped files: every top-level key of the built-in suite and examples is a schema property', () => {
    const schemas = specSchemas() as Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    const suite = parse(readFileSync(resolve(import.meta.dirname, '../suites/quirky-10.yaml'), 'utf8'), { merge: true }) as Record<string, unknown>;
    const suiteKeys = Object.keys(suite).filter((key) => !key.startsWith('x-'));
    expect(suiteKeys.filter((key) => !(key in (schemas['suite.schema.json']?.properties ?? {})))).toEqual([]);
    for (const example of readdirSync(resolve(import.meta.dirname, '../examples')).filter((name) => /\.(ya?ml|json)$/.test(name))) {
      const spec = parse(readFileSync(resolve(import.meta.dirname, '../examples', example), 'utf8')) as Record<string, unknown>;
      expect(
        Object.keys(spec).filter((key) => !(key in (schemas['experiment.schema.json']?.properties ?? {}))),
        example,
      ).toEqual([]);
      for (const key of schemas['experiment.schema.json']?.required ?? []) expect(spec, example).toHaveProperty(key);
    }
  });
});
