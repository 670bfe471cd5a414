import { z } from 'zod';
import { Capability } from '../contracts/common.js';
import type { ChatModel } from '../contracts/model.js';
import { UserError } from '../core/errors.js';
import { resolveMicroModel } from '../micro/lazy-model.js';
import { AnthropicModel } from './anthropic.js';
import { OpenAICompatibleModel } from './openai-compatible.js';
import { readApiKey, redactSecrets, requireApiKey } from './secrets.js';
import type { ProviderSettings } from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

interface ProviderPreset {
  name: string;
  version: string;
  description: string;
  wire: 'openai' | 'anthropic';
  /** Where it listens by default, and the variable that overrides that. */
  baseUrl: string | undefined;
  baseUrlEnv: string | undefined;
  keyEnv: string | undefined;
  keyRequired: boolean;
  capabilities: readonly Capability[];
}

const SERVED = ['chat', 'system-prompt', 'prefill', 'logprobs', 'raw-completion'] as const;

const PRESETS: readonly ProviderPreset[] = [
  { name: 'openai', version: '1', description: 'OpenAI chat completions', wire: 'openai', baseUrl: 'https://api.openai.com/v1', baseUrlEnv: 'OPENAI_BASE_URL', keyEnv: 'OPENAI_API_KEY', keyRequired: true, capabilities: ['chat', 'system-prompt', 'logprobs'] },
  { name: 'anthropic', version: '1', description: 'Anthropic Messages', wire: 'anthropic', baseUrl: 'https://api.anthropic.com', baseUrlEnv: 'ANTHROPIC_BASE_URL', keyEnv: 'ANTHROPIC_API_KEY', keyRequired: true, capabilities: ['chat', 'system-prompt', 'prefill'] },
  { name: 'vllm', version: '1', description: 'a vLLM server (OpenAI-compatible, with prefill and raw completion)', wire: 'openai', baseUrl: 'http://localhost:8000/v1', baseUrlEnv: 'VLLM_BASE_URL', keyEnv: 'VLLM_API_KEY', keyRequired: false, capabilities: SERVED },
  { name: 'llamacpp', version: '1', description: "llama.cpp's server (OpenAI-compatible, with prefill and raw completion)", wire: 'openai', baseUrl: 'http://localhost:8080/v1', baseUrlEnv: 'LLAMACPP_BASE_URL', keyEnv: 'LLAMACPP_API_KEY', keyRequired: false, capabilities: SERVED },
  { name: 'ollama', version: '1', description: "Ollama's OpenAI-compatible endpoint", wire: 'openai', baseUrl: 'http://localhost:11434/v1', baseUrlEnv: 'OLLAMA_BASE_URL', keyEnv: undefined, keyRequired: false, capabilities: ['chat', 'system-prompt'] },
  { name: 'openai-compatible', version: '1', description: 'any server speaking OpenAI chat completions (give baseUrl)', wire: 'openai', baseUrl: undefined, baseUrlEnv: undefined, keyEnv: undefined, keyRequired: false, capabilities: ['chat', 'system-prompt'] },
];

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, e.g. MY_API_KEY');

export const ProviderOptions = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:8000/v1' }).optional(),
  /** The name of the variable that holds the key; the key itself never appears in a spec. */
  apiKeyEnv: EnvName.optional(),
  timeoutMs: z.number().int().positive().max(3_600_000).default(120_000),
  maxRetries: z.number().int().nonnegative().max(20).default(4),
  retryBaseDelayMs: z.number().int().nonnegative().max(60_000).default(500),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  /** Capabilities the server has beyond its provider's defaults. */
  capabilities: z.array(Capability).optional(),
  /** Extra, non-secret headers. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type ProviderOptions = z.infer<typeof ProviderOptions>;

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);

function userOptions(ref: string, raw: Record<string, unknown>): ProviderOptions {
  if ('apiKey' in raw || 'api_key' in raw) {
    throw new UserError('secret-in-spec', `${ref}: API keys do not go in spec files`, {
      field: 'options.apiKey',
      fix: 'put the key in an environment variable and name it with apiKeyEnv, e.g. apiKeyEnv: MY_API_KEY',
    });
  }
  const parsed = ProviderOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new UserError('invalid-provider-option', `${ref}: option ${path || '(options)'}: ${issue?.message ?? 'invalid'}`, {
      field: `options.${path}`,
      fix: `valid options: ${Object.keys(ProviderOptions.shape).join(', ')}`,
    });
  }
  for (const header of Object.keys(parsed.data.headers ?? {})) {
    if (SECRET_HEADERS.has(header.toLowerCase())) {
      throw new UserError('secret-in-spec', `${ref}: header ${header} carries a secret`, {
        field: `options.headers.${header}`,
        fix: 'remove it; keys come from the environment (apiKeyEnv)',
      });
    }
  }
  return parsed.data;
}

/**
 * Turns `provider:model` and options into a chat model. Checks everything that can be checked
 * without a network call (provider, options, base URL, the key's presence), so experiments fail
 * before they start.
 */
export function resolveModel(ref: string, options: Record<string, unknown>, env: Env): ChatModel {
  const colon = ref.indexOf(':');
  const providerName = colon > 0 ? ref.slice(0, colon) : '';
  const model = colon > 0 ? ref.slice(colon + 1) : '';
  if (model === '') {
    throw new UserError('invalid-model', `"${ref}" is not a model reference`, { field: 'model', fix: 'write it as provider:model, e.g. openai:gpt-4o-mini' });
  }
  // Micro-organisms run in-process: no endpoint, no key, full white-box access.
  if (providerName === 'micro') return resolveMicroModel(model);
  const preset = PRESETS.find((candidate) => candidate.name === providerName);
  if (preset === undefined) {
    throw new UserError('unknown-provider', `unknown provider "${providerName}" in "${ref}"`, {
      field: 'model',
      fix: `use one of: micro, ${PRESETS.map((candidate) => candidate.name).join(', ')}`,
    });
  }
  const parsed = userOptions(ref, options);
  const baseUrl = parsed.baseUrl ?? (preset.baseUrlEnv !== undefined ? env[preset.baseUrlEnv] : undefined) ?? preset.baseUrl;
  if (baseUrl === undefined || baseUrl === '') {
    throw new UserError('missing-base-url', `${ref} needs a base URL`, { field: 'options.baseUrl', fix: 'set options.baseUrl, e.g. http://localhost:8000/v1' });
  }
  const keyEnv = parsed.apiKeyEnv ?? preset.keyEnv;
  // A variable the spec names explicitly must be set; a provider's optional default may be absent.
  if (keyEnv !== undefined && (preset.keyRequired || parsed.apiKeyEnv !== undefined)) requireApiKey(keyEnv, env, ref);
  const settings: ProviderSettings = {
    provider: preset.name,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey: () => (keyEnv === undefined ? undefined : readApiKey(keyEnv, env)),
    timeoutMs: parsed.timeoutMs,
    maxRetries: parsed.maxRetries,
    retryBaseDelayMs: parsed.retryBaseDelayMs,
    temperature: parsed.temperature,
    maxTokens: parsed.maxTokens,
    capabilities: new Set([...preset.capabilities, ...(parsed.capabilities ?? [])]),
    headers: parsed.headers ?? {},
    redact: (text) => redactSecrets(text, env),
  };
  return preset.wire === 'anthropic' ? new AnthropicModel(model, settings) : new OpenAICompatibleModel(model, settings);
}

export interface ProviderEntry {
  name: string;
  version: string;
  description: string;
  wire: string;
  baseUrl: string | null;
  baseUrlEnv: string | null;
  apiKeyEnv: string | null;
  keyRequired: boolean;
  capabilities: Capability[];
}

export function listProviders(): ProviderEntry[] {
  return PRESETS.map((preset) => ({
    name: preset.name,
    version: preset.version,
    description: preset.description,
    wire: preset.wire,
    baseUrl: preset.baseUrl ?? null,
    baseUrlEnv: preset.baseUrlEnv ?? null,
    apiKeyEnv: preset.keyEnv ?? null,
    keyRequired: preset.keyRequired,
    capabilities: [...preset.capabilities],
  }));
}
