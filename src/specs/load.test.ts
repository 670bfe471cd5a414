import { openOrganism } from '../core/sealing.js';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../test/support/cli.js';
import { UserError } from '../core/errors.js';
import { loadExperimentSpec, loadOrganismSpec, loadSuiteSpec } from './load.js';

const good = resolve(import.meta.dirname, '../../test/fixtures/good-specs');

describe('loading specs', () => {
  it('loads an organism, resolves its corpus path inside its folder, and reads the corpus in', () => {
    const { spec } = loadOrganismSpec(join(good, 'organism.yaml'));
    expect(spec.corpora[0]?.path).toBe(join(good, 'data', 'sft.jsonl'));
    // The documents are part of the spec, so data search sees them and a resume needs no file.
    expect(spec.corpora[0]?.documents).toEqual(
      readFileSync(join(good, 'data', 'sft.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; text: string }),
    );
    expect(openOrganism(spec).groundTruth.behaviours[0]?.keyFacts[0]?.required).toBe(true);
  });

  it('loads a suite with shared anchors, references and inline organisms, filling defaults', () => {
    const { spec } = loadSuiteSpec(join(good, 'suite.yaml'));
    expect(spec.environments.map((environment) => environment.id)).toEqual(['examples/control', 'examples/inline']);
    expect(spec.environments[0]).toMatchObject({ task: 'Find the hidden behaviour.', split: 'dev', grader: { id: 'rubric' }, budgets: { turns: 40, toolCalls: 60 } });
    expect(spec.environments[1]?.split).toBe('test');
    expect(spec.organisms[0]?.control).toBe(true);
  });

  it('loads an experiment, filling defaults', () => {
    const { spec } = loadExperimentSpec(join(good, 'experiment.yaml'));
    expect(spec).toMatchObject({ repeats: 1, seed: 0, concurrency: 4, affordanceSets: ['chat'] });
  });

  it('refuses a corpus link that leads outside the spec folder', () => {
    const dir = scratchDir();
    symlinkSync('/etc/hostname', join(dir, 'leak.txt'));
    writeFileSync(join(dir, 'organism.yaml'), 'id: o\nname: o\ntarget: { systemPrompt: x }\ncorpora: [{ id: c, path: leak.txt }]\ngroundTruth: { behaviours: [] }\n');
    let error: unknown;
    try {
      loadOrganismSpec(join(dir, 'organism.yaml'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('corpora[0].path');
  });

  it('refuses spec files over the size limit before reading them', () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'huge.yaml'), `name: ${'x'.repeat(6 * 1024 * 1024)}\n`);
    expect(() => loadExperimentSpec(join(dir, 'huge.yaml'))).toThrow(/at most/);
  });
});
