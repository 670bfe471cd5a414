import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatModel } from '../contracts/model.js';
import { UserError } from './errors.js';
import { describeProvider, resolveModelRef, type ModelProvider } from './model-provider.js';
import { Registry } from './registry.js';

/** A provider as a lab would write one outside the package: it records what it was asked for. */
function labProvider(calls: Array<{ model: string; options: unknown; env: unknown }>): ModelProvider {
  return {
    name: 'lab',
    version: '3',
    description: "the lab's own inference cluster",
    params: z.strictObject({ cluster: z.string().optional() }),
    resolve(model, options, env) {
      calls.push({ model, options, env });
      const chat: ChatModel['chat'] = async () => ({ text: 'hello', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 }, model: `lab:${model}` });
      return { id: `lab:${model}`, provider: 'lab', capabilities: new Set(['chat']), chat };
    },
    describe: () => ({ wire: 'grpc', baseUrl: null, baseUrlEnv: 'LAB_URL', apiKeyEnv: 'LAB_TOKEN', keyRequired: true, capabilities: ['chat'] }),
  };
}

function caught(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('resolveModelRef', () => {
  it('resolves a provider registered from outside by the name before the first colon, passing the rest untouched', () => {
    const calls: Array<{ model: string; options: unknown; env: unknown }> = [];
    const providers = new Registry<ModelProvider>('provider').register(labProvider(calls));
    const model = resolveModelRef('lab:llama3.1:8b', { cluster: 'east' }, { LAB_TOKEN: 't' }, providers);
    expect(model.id).toBe('lab:llama3.1:8b');
    expect(calls).toEqual([{ model: 'llama3.1:8b', options: { cluster: 'east' }, env: { LAB_TOKEN: 't' } }]);
  });

  it('refuses an unknown provider, naming the field and the providers there are', () => {
    const providers = new Registry<ModelProvider>('provider').register(labProvider([]));
    const error = caught(() => resolveModelRef('nope:x', {}, {}, providers));
    expect(error.code).toBe('unknown-provider');
    expect(error.message).toBe('unknown provider "nope" in "nope:x"');
    expect(error.field).toBe('model');
    expect(error.fix).toBe('use one of: lab');
  });

  it('tells a program whose catalog has no providers where the built-in ones come from', () => {
    const error = caught(() => resolveModelRef('openai:gpt-4o', {}, {}, new Registry<ModelProvider>('provider')));
    expect(error.field).toBe('model');
    expect(error.fix).toMatch(/createBuiltinCatalog/);
  });

  it('refuses a reference without a provider or a model', () => {
    const providers = new Registry<ModelProvider>('provider').register(labProvider([]));
    for (const ref of ['lab', 'lab:', ':x']) {
      const error = caught(() => resolveModelRef(ref, {}, {}, providers));
      expect(error.code, ref).toBe('invalid-model');
      expect(error.fix, ref).toMatch(/provider:model/);
    }
  });

  it('describes a provider with its name and version as well as what it says of itself', () => {
    expect(describeProvider(labProvider([]))).toEqual({
      name: 'lab',
      version: '3',
      description: "the lab's own inference cluster",
      wire: 'grpc',
      baseUrl: null,
      baseUrlEnv: 'LAB_URL',
      apiKeyEnv: 'LAB_TOKEN',
      keyRequired: true,
      capabilities: ['chat'],
    });
  });
});
