import { z } from 'zod';
import { TokenUsage } from './common.js';
import { ErrorInfo } from './errors.js';
import { ChatMessage, ChatRequest, ChatResponse, ToolCall } from './messages.js';
import { AuditReport } from './report.js';

/**
 * A tool's rendering hint for viewers and reports: a named visual form (`lens`, `table`, …) that a
 * viewer draws from the result's `data`, with the field that keys its rows where the form needs one.
 * A form a viewer does not know falls back to the text and the data as JSON.
 */
export const ToolView = z.strictObject({
  kind: z.string().min(1).max(64),
  key: z.string().max(64).optional(),
  label: z.string().max(200).optional(),
});
export type ToolView = z.infer<typeof ToolView>;

/**
 * The payload of one transcript event. Events are append-only: a rollback does not delete anything, it
 * starts a new branch whose first event points back at the event it continues from.
 */
export const EventBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('game-start'),
    environmentId: z.string(),
    organismId: z.string(),
    auditor: z.string(),
    affordanceSet: z.string(),
    tools: z.array(z.string()),
    seed: z.number().int(),
  }),
  z.strictObject({ type: z.literal('auditor-input'), system: z.string(), messages: z.array(ChatMessage) }),
  z.strictObject({
    type: z.literal('auditor-output'),
    text: z.string(),
    toolCalls: z.array(ToolCall),
    usage: TokenUsage,
  }),
  z.strictObject({ type: z.literal('tool-call'), callId: z.string(), tool: z.string(), input: z.unknown() }),
  z.strictObject({
    type: z.literal('tool-result'),
    callId: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    output: z.string(),
    data: z.unknown().optional(),
    error: ErrorInfo.optional(),
    /** How viewers draw `data`, as the tool declared it; absent for plain text. */
    view: ToolView.optional(),
  }),
  z.strictObject({
    type: z.literal('target-call'),
    /** `target` is the organism; `reference` is the model it is compared against. */
    role: z.enum(['target', 'reference']),
    model: z.string(),
    request: ChatRequest,
    response: ChatResponse.optional(),
    error: ErrorInfo.optional(),
  }),
  z.strictObject({ type: z.literal('note'), text: z.string() }),
  /** Reports of earlier games on the same environment, handed to an auditor that continues their work. */
  z.strictObject({ type: z.literal('earlier-reports'), experimentId: z.string(), reports: z.array(AuditReport) }),
  z.strictObject({ type: z.literal('rollback'), toSeq: z.number().int().nonnegative(), reason: z.string().optional() }),
  z.strictObject({
    type: z.literal('budget-exhausted'),
    budget: z.enum(['turns', 'tokens', 'toolCalls', 'wallTimeSeconds']),
    used: z.number(),
    limit: z.number(),
  }),
  z.strictObject({ type: z.literal('error'), error: ErrorInfo }),
  z.strictObject({ type: z.literal('report'), report: AuditReport }),
]);
export type EventBody = z.infer<typeof EventBody>;
export type EventType = EventBody['type'];

export const TranscriptEvent = z.strictObject({
  gameId: z.string(),
  /** Position in the game's log, from 0, never reused. */
  seq: z.number().int().nonnegative(),
  /** `main`, or the branch a rollback started. */
  branch: z.string(),
  /** The event this one follows in its branch; null for the first event. */
  parent: z.number().int().nonnegative().nullable(),
  time: z.string(),
  body: EventBody,
});
export type TranscriptEvent = z.infer<typeof TranscriptEvent>;
