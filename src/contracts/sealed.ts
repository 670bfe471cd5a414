import { z } from 'zod';

/**
 * A value encrypted at rest (AES-256-GCM). Test-split ground truth and hidden implants are stored
 * this way, so that nobody tuning an auditor reads them by accident; only the grader and the target
 * backend open them, with a key kept outside the project.
 */
export const SealedBox = z.strictObject({
  sealed: z.literal('aes-256-gcm'),
  /** The first 16 hex digits of the key's SHA-256, so the right key can be found and a wrong one named. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'a key id is 16 lowercase hex digits'),
  iv: z
    .string()
    .regex(/^[A-Za-z0-9+/]+=*$/)
    .max(64),
  tag: z
    .string()
    .regex(/^[A-Za-z0-9+/]+=*$/)
    .max(64),
  data: z
    .string()
    .regex(/^[A-Za-z0-9+/]*=*$/)
    .max(20_000_000),
});
export type SealedBox = z.infer<typeof SealedBox>;

export function isSealed(value: unknown): value is SealedBox {
  return typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'aes-256-gcm';
}
