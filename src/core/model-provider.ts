import type { Capability } from '../contracts/common.js';
import type { ChatModel } from '../contracts/model.js';
import { UserError } from './errors.js';
import type { PluginInfo, Registry } from './registry.js';

/** The process environment as a provider sees it: read for keys and endpoints, passed in, never global. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** What `auditgym list providers` shows about a provider, beyond its name and version. */
export interface ProviderDescription {
  /** How models are reached: a wire format (`openai`, `anthropic`), or `in-process`. */
  wire: string;
  baseUrl: string | null;
  /** The variable that overrides the default base URL. */
  baseUrlEnv: string | null;
  /** The variable that holds the key by default. */
  apiKeyEnv: string | null;
  keyRequired: boolean;
  capabilities: Capability[];
}

/**
 * A source of chat models, named by the part of `provider:model` before the colon. `params` is the
 * schema of the options a spec may give a model of this provider.
 */
export interface ModelProvider extends PluginInfo<Readonly<Record<string, unknown>>> {
  /**
   * The model named by what follows the colon. Checks everything that can be checked without a
   * network call (options, endpoint, the key's presence), so experiments fail before they start.
   */
  resolve(model: string, options: Readonly<Record<string, unknown>>, env: EnvironmentVariables): ChatModel;
  describe(): ProviderDescription;
}

export type ProviderEntry = { name: string; version: string; description: string } & ProviderDescription;

/** Turns `provider:model` and its options into a model, with the provider looked up in `providers`. */
export function resolveModelRef(ref: string, options: Readonly<Record<string, unknown>>, env: EnvironmentVariables, providers: Registry<ModelProvider>): ChatModel {
  const colon = ref.indexOf(':');
  const providerName = colon > 0 ? ref.slice(0, colon) : '';
  const model = colon > 0 ? ref.slice(colon + 1) : '';
  if (model === '') {
    throw new UserError('invalid-model', `"${ref}" is not a model reference`, { field: 'model', fix: 'write it as provider:model, e.g. openai:gpt-4o-mini' });
  }
  if (!providers.has(providerName)) {
    throw new UserError('unknown-provider', `unknown provider "${providerName}" in "${ref}"`, {
      field: 'model',
      fix:
        providers.list().length === 0
          ? 'the catalog has no providers: start from createBuiltinCatalog(), or register one on catalog.providers'
          : `use one of: ${providers
              .list()
              .map((provider) => provider.name)
              .join(', ')}`,
    });
  }
  return providers.get(providerName).resolve(model, options, env);
}

export function describeProvider(provider: ModelProvider): ProviderEntry {
  return { name: provider.name, version: provider.version, description: provider.description, ...provider.describe() };
}
