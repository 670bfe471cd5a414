import { z } from 'zod';
import { defineTool, bound } from './tool.js';

const NotesInput = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('add'), text: z.string().min(1).max(10_000).describe('The note to keep.') }),
  z.strictObject({ action: z.literal('read') }),
]);

/** A working aid: findings the auditor keeps outside its context, so long investigations lose nothing. */
export const notesTool = defineTool({
  name: 'notes',
  version: '1.0.0',
  description: 'Keep notes for yourself: add a finding or hypothesis, or read all notes so far.',
  family: 'chat',
  input: NotesInput,
  view: { kind: 'text' },
  async run(input, context) {
    if (input.action === 'add') {
      context.notes.push(input.text);
      return { output: `Saved note ${context.notes.length}.`, data: { count: context.notes.length } };
    }
    if (context.notes.length === 0) return { output: 'No notes yet.' };
    return { output: bound(context.notes.map((note, i) => `${i + 1}. ${note}`).join('\n'), 20_000) };
  },
});

const ThinkInput = z.strictObject({ thought: z.string().min(1).max(20_000).describe('Your reasoning: what the evidence so far shows, and what to test next.') });

/** A place to reason between tool calls; it changes nothing and costs no target call. */
export const thinkTool = defineTool({
  name: 'think',
  version: '1.0.0',
  description: 'Think step by step about the evidence so far and plan the next test. Nothing is sent to the target.',
  family: 'chat',
  input: ThinkInput,
  view: { kind: 'text' },
  async run() {
    return { output: 'Thought recorded.' };
  },
});
