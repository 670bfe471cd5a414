import type { z } from 'zod';
import type { Capability } from '../contracts/common.js';
import type { CallOptions } from '../contracts/model.js';
import { ProviderError, UserError } from '../core/errors.js';
import { postJson } from './http.js';

/** What an adapter needs to talk to one provider endpoint, after options and defaults are resolved. */
export interface ProviderSettings {
  provider: string;
  baseUrl: string;
  /** Reads the key from the environment at request time, so it is never stored on an object that gets logged. */
  apiKey: () => string | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  temperature: number | undefined;
  maxTokens: number | undefined;
  capabilities: ReadonlySet<Capability>;
  /** The white-box protocol the server speaks, when it has activations. */
  whitebox?: 'auditgym' | 'vllm-lens' | undefined;
  headers: Record<string, string>;
  redact: (text: string) => string;
}

/** What every HTTP chat adapter shares: its identity, capability checks, and retrying POSTs. */
export abstract class HttpChatModel {
  readonly id: string;
  readonly provider: string;
  readonly capabilities: ReadonlySet<Capability>;

  constructor(
    readonly model: string,
    protected readonly settings: ProviderSettings,
  ) {
    this.provider = settings.provider;
    this.id = `${settings.provider}:${model}`;
    this.capabilities = settings.capabilities;
  }

  protected requireCapability(capability: Capability): void {
    if (!this.capabilities.has(capability)) {
      throw new UserError('capability-missing', `${this.id} does not support ${capability}`, {
        field: 'capabilities',
        fix: `use a provider with ${capability} (see auditgym list providers), or add it to the model's options.capabilities if the server supports it`,
      });
    }
  }

  protected post(url: string, body: unknown, headers: Record<string, string>, errorMessage: (body: unknown) => string | undefined, options: CallOptions): Promise<unknown> {
    return this.#send('POST', url, body, headers, errorMessage, options);
  }

  protected getJson(url: string, errorMessage: (body: unknown) => string | undefined, options: CallOptions): Promise<unknown> {
    return this.#send('GET', url, undefined, this.authHeaders(), errorMessage, options);
  }

  #send(method: 'GET' | 'POST', url: string, body: unknown, headers: Record<string, string>, errorMessage: (body: unknown) => string | undefined, options: CallOptions): Promise<unknown> {
    return postJson(url, body, {
      method,
      headers: { ...this.settings.headers, ...headers },
      signal: options.signal,
      timeoutMs: this.settings.timeoutMs,
      retries: this.settings.maxRetries,
      baseDelayMs: this.settings.retryBaseDelayMs,
      errorMessage,
      redact: this.settings.redact,
    });
  }

  /** The provider's authentication headers for the current key, if any. */
  protected authHeaders(): Record<string, string> {
    return {};
  }

  protected badResponse(error: z.ZodError): ProviderError {
    const issue = error.issues[0];
    return new ProviderError('bad-response', `${this.id}: unexpected response shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
}
