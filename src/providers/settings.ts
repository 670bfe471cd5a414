import type { Capability } from '../contracts/common.js';

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
  headers: Record<string, string>;
  redact: (text: string) => string;
}
