import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { httpProvider } from './presets.js';
import { builtinProviders, listProviders, resolveModel } from './registry.js';

// A hosted OpenAI-compatible service a user adds without changing the package.
const together = httpProvider({
  name: 'together',
  version: '1',
  description: 'Together AI',
  wire: 'openai',
  baseUrl: 'https://api.together.xyz/v1',
  baseUrlEnv: 'TOGETHER_BASE_URL',
  keyEnv: 'TOGETHER_API_KEY',
  keyRequired: true,
  capabilities: ['chat', 'system-prompt', 'logprobs'],
});

describe('HTTP providers as registered values', () => {
  it('resolves a provider added to the registry by its name, with its own defaults', () => {
    const providers = builtinProviders().register(together);
    const model = resolveModel('together:meta-llama/Llama-3.3-70B', {}, { TOGETHER_API_KEY: 'k' }, providers);
    expect(model).toMatchObject({ id: 'together:meta-llama/Llama-3.3-70B', provider: 'together' });
    expect([...model.capabilities]).toEqual(['chat', 'system-prompt', 'logprobs']);
    expect(listProviders(providers).at(-1)).toEqual({
      name: 'together',
      version: '1',
      description: 'Together AI',
      wire: 'openai',
      baseUrl: 'https://api.together.xyz/v1',
      baseUrlEnv: 'TOGETHER_BASE_URL',
      apiKeyEnv: 'TOGETHER_API_KEY',
      keyRequired: true,
      capabilities: ['chat', 'system-prompt', 'logprobs'],
    });
  });

  it("checks an added provider's key and options like a built-in one's", () => {
    const providers = builtinProviders().register(together);
    expect(() => resolveModel('together:x', {}, {}, providers)).toThrow(/TOGETHER_API_KEY/);
    let error: unknown;
    try {
      resolveModel('together:x', { apiKey: 'sk-secret' }, { TOGETHER_API_KEY: 'k' }, providers);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'secret-in-spec', field: 'options.apiKey' });
  });

  it('is unknown to the built-in registry until it is registered, and a second registration under one name is refused', () => {
    expect(() => resolveModel('together:x', {}, { TOGETHER_API_KEY: 'k' })).toThrow(/unknown provider "together"/);
    expect(() => builtinProviders().register(together).register(together)).toThrow(/registered twice/);
  });

  it('lists the micro provider with the HTTP presets', () => {
    expect(listProviders().map((provider) => provider.name)).toEqual(['micro', 'openai', 'anthropic', 'vllm', 'vllm-lens', 'llamacpp', 'ollama', 'openai-compatible']);
  });
});
