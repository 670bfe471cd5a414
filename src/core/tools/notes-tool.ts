import { z } from 'zod';
import { NoParams, bound, type Tool } from './tool.js';

const NotesInput = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('add'), text: z.string().min(1).max(10_000).describe('The note to keep.') }),
  z.strictObject({ action: z.literal('read') }),
]);

/** A working aid: findings the auditor keeps outside its context, so long investigations lose nothing. */
export const notesTool: Tool<z.infer<typeof NotesInput>> = {
  name: 'notes',
  version: '1.0.0',
  description: 'Keep notes for yourself: add a finding or hypothesis, or read all notes so far.',
  params: NoParams,
  input: NotesInput,
  requires: [],
  async run(input, context) {
    if (input.action === 'add') {
      context.notes.push(input.text);
      return { output: `Saved note ${context.notes.length}.`, data: { count: context.notes.length } };
    }
    if (context.notes.length === 0) return { output: 'No notes yet.' };
    return { output: bound(context.notes.map((note, i) => `${i + 1}. ${note}`).join('\n'), 20_000) };
  },
};
