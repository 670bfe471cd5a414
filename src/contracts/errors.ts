import { z } from 'zod';

/**
 * Who is at fault: the person who wrote the input, the provider's service, the model's output, a tool
 * that could not do what it was asked (e.g. the target has no white-box access), the harness refusing a
 * call past a budget, or us.
 */
export const ErrorKind = z.enum(['user', 'provider', 'model', 'tool', 'budget', 'system']);
export type ErrorKind = z.infer<typeof ErrorKind>;

/** An error as stored data: what a failed tool call or game keeps as its cause. */
export const ErrorInfo = z.strictObject({
  kind: ErrorKind,
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().default(false),
  status: z.number().int().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;
