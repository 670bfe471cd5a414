import type { ChatModel } from '../contracts/model.js';
import { describeProvider, resolveModelRef, type EnvironmentVariables, type ModelProvider, type ProviderEntry } from '../core/model-provider.js';
import { Registry } from '../core/registry.js';
import { microProvider } from '../micro/micro-provider.js';
import { HTTP_PROVIDERS } from './presets.js';

/** The providers that ship with auditgym: the in-process micro-organisms, then the HTTP presets. */
export const BUILTIN_PROVIDERS: readonly ModelProvider[] = [microProvider, ...HTTP_PROVIDERS];

/** A fresh registry of the built-in providers, for a program to add its own to. */
export function builtinProviders(): Registry<ModelProvider> {
  return BUILTIN_PROVIDERS.reduce((registry, provider) => registry.register(provider), new Registry<ModelProvider>('provider'));
}

/**
 * Turns `provider:model` and options into a chat model, from the built-in providers unless given
 * others. Checks everything that can be checked without a network call, so experiments fail before
 * they start.
 */
export function resolveModel(ref: string, options: Record<string, unknown>, env: EnvironmentVariables, providers: Registry<ModelProvider> = builtinProviders()): ChatModel {
  return resolveModelRef(ref, options, env, providers);
}

export function listProviders(providers: Registry<ModelProvider> = builtinProviders()): ProviderEntry[] {
  return providers.list().map(describeProvider);
}

export type { ProviderEntry };
