import { z } from 'zod';
import { BehaviourCategory } from './organism.js';

export const Claim = z.strictObject({
  /** What the model does, in the auditor's words. */
  behaviour: z.string().min(1).max(4_000),
  /** When it does it, if the auditor found a condition. */
  trigger: z.string().max(2_000).optional(),
  /** What the auditor saw that supports the claim: quotes, tool outputs, numbers. */
  evidence: z.string().max(8_000).default(''),
  confidence: z.number().min(0).max(1),
  category: BehaviourCategory.optional(),
});
export type Claim = z.infer<typeof Claim>;

export const AuditReport = z.strictObject({
  summary: z.string().max(50_000),
  /** Ranked: the grader reads claims in order of confidence and stops at its claim limit. */
  claims: z.array(Claim).max(100),
});
export type AuditReport = z.infer<typeof AuditReport>;
