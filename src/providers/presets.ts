import { z } from 'zod';
import { Capability } from '../contracts/common.js';
import { UserError } from '../core/errors.js';
import type { ModelProvider } from '../core/model-provider.js';
import { AnthropicModel } from './anthropic.js';
import { OpenAICompatibleModel } from './openai-compatible.js';
import { readApiKey, redactSecrets, requireApiKey } from './secrets.js';
import type { ProviderSettings } from './settings.js';

/** An HTTP provider as data: which wire format it speaks, where it listens and where its key is. */
export interface HttpProviderPreset {
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
  /** The white-box protocol it speaks when it has activations (auditgym's own unless said otherwise). */
  whitebox?: 'auditgym' | 'vllm-lens';
}

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
  /** With `activations`: the white-box protocol the server speaks (docs/whitebox-protocol.md, or the vllm-lens plugin). */
  whitebox: z.enum(['auditgym', 'vllm-lens']).optional(),
  /** Extra, non-secret headers. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type ProviderOptions = z.infer<typeof ProviderOptions>;

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);

function userOptions(ref: string, raw: Readonly<Record<string, unknown>>): ProviderOptions {
  if ('apiKey' in raw || 'api_key' in raw) {
    throw new UserError('secret-in-spec', `${ref}: API keys do not go in spec files`, {
      field: 'options.apiKey',
      fix: 'put the key in an environment variable and name it with apiKeyEnv, e.g. apiKeyEnv: MY_API_KEY',
    });
  }
  if (typeof raw.baseUrl === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(raw.baseUrl)) {
    throw new UserError('secret-in-spec', `${ref}: option baseUrl carries credentials`, {
      field: 'options.baseUrl',
      fix: 'drop the user:password@ part of the URL; put the key in an environment variable and name it with apiKeyEnv',
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
 * A preset's capabilities with the ones the options add. auditgym's white-box protocol reads vectors
 * through the unembedding; vllm-lens has no route for it, so its targets lack `unembedding`.
 */
function capabilitiesOf(preset: HttpProviderPreset, options: ProviderOptions): Set<Capability> {
  const capabilities = new Set<Capability>([...preset.capabilities, ...(options.capabilities ?? [])]);
  const protocol = options.whitebox ?? preset.whitebox ?? 'auditgym';
  if (capabilities.has('activations') && preset.wire === 'openai' && protocol === 'auditgym') capabilities.add('unembedding');
  if (protocol === 'vllm-lens') capabilities.delete('unembedding');
  return capabilities;
}

/** A provider for a server speaking the OpenAI or Anthropic wire format; register one for any other such server. */
export function httpProvider(preset: HttpProviderPreset): ModelProvider {
  return {
    name: preset.name,
    version: preset.version,
    description: preset.description,
    params: ProviderOptions,
    resolve(model, options, env) {
      const ref = `${preset.name}:${model}`;
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
        capabilities: capabilitiesOf(preset, parsed),
        whitebox: parsed.whitebox ?? preset.whitebox ?? 'auditgym',
        headers: parsed.headers ?? {},
        redact: (text) => redactSecrets(text, env, keyEnv === undefined ? [] : [keyEnv]),
      };
      return preset.wire === 'anthropic' ? new AnthropicModel(model, settings) : new OpenAICompatibleModel(model, settings);
    },
    describe() {
      return {
        wire: preset.wire,
        baseUrl: preset.baseUrl ?? null,
        baseUrlEnv: preset.baseUrlEnv ?? null,
        apiKeyEnv: preset.keyEnv ?? null,
        keyRequired: preset.keyRequired,
        capabilities: [...preset.capabilities],
      };
    },
  };
}

const SERVED = ['chat', 'system-prompt', 'prefill', 'logprobs', 'raw-completion'] as const;

export const openaiProvider = httpProvider({
  name: 'openai',
  version: '1',
  description: 'OpenAI chat completions',
  wire: 'openai',
  baseUrl: 'https://api.openai.com/v1',
  baseUrlEnv: 'OPENAI_BASE_URL',
  keyEnv: 'OPENAI_API_KEY',
  keyRequired: true,
  capabilities: ['chat', 'system-prompt', 'logprobs'],
});
export const anthropicProvider = httpProvider({
  name: 'anthropic',
  version: '1',
  description: 'Anthropic Messages',
  wire: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  baseUrlEnv: 'ANTHROPIC_BASE_URL',
  keyEnv: 'ANTHROPIC_API_KEY',
  keyRequired: true,
  capabilities: ['chat', 'system-prompt', 'prefill'],
});
export const vllmProvider = httpProvider({
  name: 'vllm',
  version: '1',
  description: 'a vLLM server (OpenAI-compatible, with prefill and raw completion)',
  wire: 'openai',
  baseUrl: 'http://localhost:8000/v1',
  baseUrlEnv: 'VLLM_BASE_URL',
  keyEnv: 'VLLM_API_KEY',
  keyRequired: false,
  capabilities: SERVED,
});
export const llamacppProvider = httpProvider({
  name: 'llamacpp',
  version: '1',
  description: "llama.cpp's server (OpenAI-compatible, with prefill and raw completion)",
  wire: 'openai',
  baseUrl: 'http://localhost:8080/v1',
  baseUrlEnv: 'LLAMACPP_BASE_URL',
  keyEnv: 'LLAMACPP_API_KEY',
  keyRequired: false,
  capabilities: SERVED,
});
export const ollamaProvider = httpProvider({
  name: 'ollama',
  version: '1',
  description: "Ollama's OpenAI-compatible endpoint",
  wire: 'openai',
  baseUrl: 'http://localhost:11434/v1',
  baseUrlEnv: 'OLLAMA_BASE_URL',
  keyEnv: undefined,
  keyRequired: false,
  capabilities: ['chat', 'system-prompt'],
});
export const openaiCompatibleProvider = httpProvider({
  name: 'openai-compatible',
  version: '1',
  description: 'any server speaking OpenAI chat completions (give baseUrl)',
  wire: 'openai',
  baseUrl: undefined,
  baseUrlEnv: undefined,
  keyEnv: undefined,
  keyRequired: false,
  capabilities: ['chat', 'system-prompt'],
});

export const vllmLensProvider = httpProvider({
  name: 'vllm-lens',
  version: '1',
  description: 'a vLLM server with the vllm-lens plugin: activations and steering through vllm_xargs (no unembedding)',
  wire: 'openai',
  baseUrl: 'http://localhost:8000/v1',
  baseUrlEnv: 'VLLM_BASE_URL',
  keyEnv: 'VLLM_API_KEY',
  keyRequired: false,
  capabilities: [...SERVED, 'activations', 'interventions'],
  whitebox: 'vllm-lens',
});

export const HTTP_PROVIDERS: readonly ModelProvider[] = [openaiProvider, anthropicProvider, vllmProvider, vllmLensProvider, llamacppProvider, ollamaProvider, openaiCompatibleProvider];
