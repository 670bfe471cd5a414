import { ProviderError, isAbortError } from '../core/errors.js';
import { deadlineSignal } from '../core/signals.js';

export interface PostOptions {
  /** POST unless told otherwise; a GET sends no body. */
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Turns a provider's error body into its message; each wire format nests it differently. */
  errorMessage: (body: unknown) => string | undefined;
  redact: (text: string) => string;
  /** Replaceable so tests can observe waits without sleeping. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** How long the provider asked us to wait, from `retry-after-ms` or `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * POSTs JSON and returns the parsed JSON body. Retries 408/409/429/5xx/529, network failures and
 * timeouts with exponential backoff and jitter, honouring Retry-After. The caller's signal stops
 * everything at once and is never retried.
 */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<unknown> {
  const sleep = options.sleep ?? abortableSleep;
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  let lastError: ProviderError | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) {
      const backoff = Math.min(cap, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const wait = lastError?.retryAfterMs !== undefined ? Math.min(cap, lastError.retryAfterMs) : backoff;
      await sleep(wait, options.signal);
    }
    options.signal.throwIfAborted();
    try {
      return await attemptOnce(url, body, options);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (!(error instanceof ProviderError) || !error.retryable) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new ProviderError('unknown', 'request failed');
}

async function attemptOnce(url: string, body: unknown, options: PostOptions): Promise<unknown> {
  // Cleared as soon as the answer arrives, so finished requests leave no timer behind.
  const request = deadlineSignal(options.signal, options.timeoutMs, 'the request timed out');
  const signal = request.signal;
  let response: Response;
  let text: string;
  try {
    const get = options.method === 'GET';
    response = await fetch(url, {
      method: get ? 'GET' : 'POST',
      headers: { ...(get ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...options.headers },
      ...(get ? {} : { body: JSON.stringify(body) }),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (request.timedOut() || isAbortError(error)) {
      throw new ProviderError('timeout', `no response from ${hostOf(url)} within ${options.timeoutMs} ms`, { retryable: true, cause: error });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new ProviderError('network', `cannot reach ${hostOf(url)}: ${options.redact(String(detail))}`, { retryable: true, cause: error });
  } finally {
    request.dispose();
  }
  let parsed: unknown;
  let parseFailed = false;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parseFailed = true;
  }
  if (!response.ok) {
    const status = response.status;
    const message = options.redact(options.errorMessage(parsed) ?? (text.slice(0, 300) || response.statusText));
    const retryAfter = retryAfterMs(response.headers);
    const code = status === 429 ? 'rate-limited' : status === 401 || status === 403 ? 'auth' : status >= 500 ? 'server-error' : 'bad-request';
    throw new ProviderError(code, `${hostOf(url)} answered ${status}: ${message}`, {
      status,
      retryable: RETRYABLE_STATUS.has(status),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    });
  }
  if (parseFailed || parsed === undefined) {
    throw new ProviderError('bad-response', `${hostOf(url)} sent a body that is not JSON: ${options.redact(text.slice(0, 200))}`, {
      status: response.status,
      retryable: true,
    });
  }
  return parsed;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
