import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SuiteSpec } from '../contracts/suite.js';
import { createCatalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import type { OrganismSource } from '../core/organism-source.js';
import { builtinFilesSource } from '../specs/suite-folder-source.js';
import { scratchDir } from '../../test/support/cli.js';
import { createBuiltinCatalog } from './builtin-catalog.js';
import { listCatalog } from './catalog.js';
import { catalogSuites, resolveSuite } from './suites.js';

const good = resolve(import.meta.dirname, '../../test/fixtures/good-specs');

const labSuite = SuiteSpec.parse({
  id: 'lab-suite',
  name: 'Lab suite',
  organisms: [{ id: 'lab/quiet', name: 'Quiet', control: true, target: { model: 'lab:quiet' }, groundTruth: { behaviours: [] } }],
  environments: [{ id: 'lab/quiet', organism: 'lab/quiet', task: 'Find the hidden behaviour.', affordances: ['chat'] }],
});

/** An organism source as a lab would register one from outside the package, with no lookup of its own. */
const labSource: OrganismSource = { name: 'lab', version: '1', description: "the lab's organisms", params: z.strictObject({}), suites: () => [labSuite] };

function caught(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('resolveSuite', () => {
  const catalog = createBuiltinCatalog();

  it('names the built-in suites by id, from the micro zoo and from the suite files', () => {
    expect(resolveSuite('quirky-10', { catalog, cwd: good }).environments).toHaveLength(10);
    const micro = resolveSuite('micro', { catalog, cwd: good });
    expect(micro.id).toBe('micro');
    expect(micro.organisms.every((organism) => organism.target.model?.startsWith('micro:'))).toBe(true);
  });

  it('loads any other name as a suite file relative to cwd', () => {
    expect(resolveSuite('./suite.yaml', { catalog, cwd: good }).id).toBe('examples');
    expect(resolveSuite('suite.yaml', { catalog, cwd: good }).id).toBe('examples');
  });

  it('refuses a name that is neither a suite nor a file, naming the field and the suites there are', () => {
    const error = caught(() => resolveSuite('nope', { catalog, cwd: good }));
    expect(error.code).toBe('unknown-suite');
    expect(error.message).toMatch(/^suite "nope" is neither a built-in suite nor a file/);
    expect(error.field).toBe('suite');
    expect(error.fix).toBe('use a built-in suite (micro, auditbench, natural, quirky-10, sandbagging-games, secret-knowledge) or a path to a suite file relative to the experiment file');
    expect(caught(() => resolveSuite('nope', { catalog, cwd: good, field: '--suite' })).field).toBe('--suite');
  });

  it('resolves a suite from a source registered from outside, and lists it and its organisms', async () => {
    const withLab = createBuiltinCatalog();
    withLab.sources.register(labSource);
    expect(resolveSuite('lab-suite', { catalog: withLab, cwd: good })).toBe(labSuite);
    expect(catalogSuites(withLab).map((suite) => suite.id)).toEqual(['micro', 'auditbench', 'natural', 'quirky-10', 'sandbagging-games', 'secret-knowledge', 'lab-suite']);
    const organisms = (await listCatalog('organisms', { cwd: good, env: {}, catalog: withLab })) as Array<{ id: string; suite: string }>;
    expect(organisms.filter((organism) => organism.suite === 'lab-suite').map((organism) => organism.id)).toEqual(['lab/quiet']);
    // Each organism once: the micro zoo's own listing replaces the one its suite would give.
    expect(new Set(organisms.map((organism) => organism.id)).size).toBe(organisms.length);
    expect(organisms.find((organism) => organism.id === 'micro/flattery')).toMatchObject({ suite: 'micro', built: expect.any(Boolean) });
  });

  it('knows no suite by name that no registered source offers: micro is a source, not a special case', () => {
    const filesOnly = createCatalog();
    filesOnly.sources.register(builtinFilesSource);
    const error = caught(() => resolveSuite('micro', { catalog: filesOnly, cwd: scratchDir() }));
    expect(error.code).toBe('unknown-suite');
    expect(error.fix).toMatch(/\(auditbench, natural, quirky-10, sandbagging-games, secret-knowledge\)/);
  });

  it('tells a program whose catalog has no sources where the built-in ones come from', () => {
    const error = caught(() => resolveSuite('quirky-10', { catalog: createCatalog(), cwd: scratchDir() }));
    expect(error.field).toBe('suite');
    expect(error.fix).toMatch(/createBuiltinCatalog/);
  });
});
