import type { ErrorInfo, ErrorKind } from '../contracts/errors.js';

/**
 * The one error base class. Subclasses say who is at fault, which decides what happens next: user
 * errors exit with code 2 before anything is written; provider errors may be retried; model errors
 * (bad JSON, invalid tool arguments) go back to the model as data; system errors are our bugs.
 */
export abstract class AuditgymError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toInfo(): ErrorInfo {
    return { kind: this.kind, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Bad input from the person running auditgym: a spec, a flag, a missing API key. */
export class UserError extends AuditgymError {
  readonly kind = 'user' as const;
  /** The field at fault, as a path such as `environments[2].budgets.turns`. */
  readonly field: string | undefined;
  /** How to fix it. */
  readonly fix: string | undefined;

  constructor(code: string, message: string, options: { field?: string; fix?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.field = options.field;
    this.fix = options.fix;
  }
}

/** The model provider failed: HTTP errors, timeouts, resets, unparseable responses. */
export class ProviderError extends AuditgymError {
  readonly kind = 'provider' as const;
  readonly status: number | undefined;
  /** Milliseconds the provider asked us to wait (Retry-After). */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { status?: number; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, options);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  override toInfo(): ErrorInfo {
    const info = super.toInfo();
    return this.status === undefined ? info : { ...info, status: this.status };
  }
}

/** A model produced something unusable: invalid tool arguments, a report that fails its schema. */
export class ModelError extends AuditgymError {
  readonly kind = 'model' as const;
}

/**
 * A tool could not do what it was asked: the target lacks the access the tool needs, an input is out of
 * range for this model, a remote tool server is gone. Tools throw it; the harness turns it into an
 * error result the auditor reads, stored with `ok: false`.
 */
export class ToolError extends AuditgymError {
  readonly kind = 'tool' as const;

  constructor(message: string, options: { code?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(options.code ?? 'tool-failed', message, options);
  }
}

export type BudgetName = 'turns' | 'tokens' | 'toolCalls' | 'wallTimeSeconds';

/** The harness refused a call because a budget is spent; the auditor reads it as an error result. */
export class BudgetError extends AuditgymError {
  readonly kind = 'budget' as const;

  constructor(
    readonly budget: BudgetName,
    readonly used: number,
    readonly limit: number,
  ) {
    super('budget-exhausted', `the ${budget} budget is spent (${Number.isInteger(used) ? used : used.toFixed(1)} of ${limit})`);
  }
}

/** Something inside auditgym went wrong. */
export class SystemError extends AuditgymError {
  readonly kind = 'system' as const;
}

/** Whether an error came from an abort (the wall-time budget or a user's Ctrl-C), not a failure. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** Any thrown value as stored data. Unknown errors are system errors: they are bugs to report. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof AuditgymError || isForeignAuditgymError(error)) return error.toInfo();
  if (isAbortError(error)) {
    return { kind: 'system', code: 'aborted', message: error instanceof Error ? error.message : 'aborted', retryable: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'system', code: 'unexpected', message, retryable: false };
}

const KINDS: ReadonlySet<string> = new Set(['user', 'provider', 'model', 'tool', 'budget', 'system']);

/**
 * An auditgym error from another copy of this package: a plug-in that bundles its own auditgym, or a
 * module loaded from the built package while the harness runs from source. Its class is not ours, so
 * it is recognised by shape.
 */
function isForeignAuditgymError(error: unknown): error is { toInfo(): ErrorInfo } {
  if (!(error instanceof Error)) return false;
  const candidate = error as Error & { kind?: unknown; code?: unknown; toInfo?: unknown };
  return typeof candidate.kind === 'string' && KINDS.has(candidate.kind) && typeof candidate.code === 'string' && typeof candidate.toInfo === 'function';
}

/** The error with every secret taken out of what it says, for errors that leave a run to be shown. */
export function redactError(error: unknown, redact: (text: string) => string): unknown {
  if (error instanceof UserError) {
    const fix = error.fix === undefined ? {} : { fix: redact(error.fix) };
    return new UserError(error.code, redact(error.message), { ...(error.field === undefined ? {} : { field: error.field }), ...fix });
  }
  if (error instanceof Error) {
    error.message = redact(error.message);
    if (error.stack !== undefined) error.stack = redact(error.stack);
    return error;
  }
  return typeof error === 'string' ? redact(error) : error;
}
