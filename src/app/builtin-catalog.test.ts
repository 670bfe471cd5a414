import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatModel } from '../contracts/model.js';
import { SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import type { ModelProvider } from '../core/model-provider.js';
import type { OrganismSource } from '../core/organism-source.js';
import { scratchDir } from '../../test/support/cli.js';
import { createBuiltinCatalog } from './builtin-catalog.js';
import { listCatalog } from './catalog.js';
import { catalogOf, modelResolver } from './context.js';
import { runExperimentSpec } from './experiments.js';

/** A provider registered from outside the package: every model answers the same, and is recorded. */
function labProvider(resolved: string[]): ModelProvider {
  return {
    name: 'lab',
    version: '2',
    description: "the lab's inference cluster",
    params: z.strictObject({}),
    resolve(model) {
      resolved.push(model);
      const chat: ChatModel['chat'] = async () => ({ text: 'I am a plain assistant.', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 5 }, model: `lab:${model}` });
      return { id: `lab:${model}`, provider: 'lab', capabilities: new Set(['chat', 'system-prompt']), chat };
    },
    describe: () => ({ wire: 'in-house', baseUrl: null, baseUrlEnv: null, apiKeyEnv: null, keyRequired: false, capabilities: ['chat', 'system-prompt'] }),
  };
}

const labSource: OrganismSource = {
  name: 'lab',
  version: '1',
  description: "the lab's organisms",
  params: z.strictObject({}),
  suites: () => [
    SuiteSpec.parse({
      id: 'lab-suite',
      name: 'Lab suite',
      organisms: [{ id: 'lab/quiet', name: 'Quiet', control: true, target: { model: 'lab:quiet' }, groundTruth: { behaviours: [] } }],
      environments: [{ id: 'lab/quiet', organism: 'lab/quiet', task: 'Find the hidden behaviour.', affordances: ['chat', 'notes'] }],
    }),
  ],
};

describe('createBuiltinCatalog', () => {
  it('registers every provider and organism source that ships, in a fresh catalog each time', () => {
    const catalog = createBuiltinCatalog();
    expect(catalog.providers.list().map((provider) => provider.name)).toEqual(['micro', 'openai', 'anthropic', 'vllm', 'vllm-lens', 'llamacpp', 'ollama', 'openai-compatible']);
    expect(catalog.sources.list().map((source) => source.name)).toEqual(['micro', 'builtin-files']);
    catalog.providers.register(labProvider([]));
    expect(createBuiltinCatalog().providers.has('lab')).toBe(false);
    expect(catalogOf({ cwd: '.', env: {} }).providers.has('micro')).toBe(true);
  });

  it("resolves models through the catalog's providers, so one registered from outside is found by name", async () => {
    const resolved: string[] = [];
    const catalog = createBuiltinCatalog();
    catalog.providers.register(labProvider(resolved));
    expect(modelResolver({}, catalog)('lab:big-model', {}).id).toBe('lab:big-model');
    expect(resolved).toEqual(['big-model']);
    const providers = (await listCatalog('providers', { cwd: '.', env: {}, catalog })) as Array<{ name: string; wire: string }>;
    expect(providers.find((provider) => provider.name === 'lab')).toMatchObject({ version: '2', wire: 'in-house' });
    expect(providers[0]).toMatchObject({ name: 'micro', wire: 'in-process', keyRequired: false });
  });

  it('refuses a provider the catalog lacks with a UserError naming the field and the fix', () => {
    let error: unknown;
    try {
      modelResolver({}, createBuiltinCatalog())('lab:big-model', {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'unknown-provider', field: 'model', fix: 'use one of: micro, openai, anthropic, vllm, vllm-lens, llamacpp, ollama, openai-compatible' });
  });

  it('runs an experiment on a suite and a target that come only from plug-ins registered from outside', async () => {
    const resolved: string[] = [];
    const catalog = createBuiltinCatalog();
    catalog.providers.register(labProvider(resolved));
    catalog.sources.register(labSource);
    const dir = scratchDir();
    const run = await runExperimentSpec(
      { id: 'lab-run', name: 'lab', suite: 'lab-suite', auditors: [{ id: 'baseline' }], affordanceSets: ['chat'] },
      { cwd: dir, env: {}, db: join(dir, 'store.db'), catalog },
    );
    expect(run.cells.map((cell) => [cell.environmentId, cell.graded])).toEqual([['lab/quiet', 1]]);
    expect(resolved).toContain('quiet');
  });
});
