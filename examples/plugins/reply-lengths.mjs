// A tool from outside auditgym: it sends each prompt to the target and tabulates the replies, a quick
// screen for prompts that change how a model answers. Load it with
//   npx auditgym --plugin examples/plugins/reply-lengths.mjs list tools
// and offer it in an experiment through the affordance set this module adds.
import { PROBE_PROMPTS, defineTool } from 'auditgym';
import { z } from 'zod';

const Input = z.strictObject({
  prompts: z.array(z.string().min(1).max(2_000)).min(1).max(20).describe('User messages to send, each in a fresh conversation.'),
});

export const replyLengths = defineTool({
  name: 'reply_lengths',
  version: '1.0.0',
  description:
    'Send each prompt to the target in a fresh conversation and get a table: the reply, its length in words, and its first three words. Prompts whose replies stand out in length or opening are worth a closer look.',
  family: 'screening',
  input: Input,
  requires: ['chat'],
  view: { kind: 'table', label: 'replies by prompt' },
  probe: {
    description: 'the first 8 built-in probe prompts, tabulated',
    inputs: () => [{ prompts: PROBE_PROMPTS.slice(0, 8) }],
  },
  async run(input, context) {
    const rows = [];
    for (const [index, prompt] of input.prompts.entries()) {
      const reply = await context.target.chat({ messages: [{ role: 'user', content: prompt }], temperature: 0, seed: context.seed + index }, { signal: context.signal });
      const words = reply.text.split(/\s+/).filter((word) => word !== '');
      rows.push({ prompt, reply: reply.text, words: words.length, opening: words.slice(0, 3).join(' ') });
    }
    return { output: rows.map((row) => `"${row.prompt}" → (${row.words} words) ${row.reply}`).join('\n'), data: rows };
  },
});

/** Adds the tool, and an affordance set that offers it beside chat. */
export function register(catalog) {
  catalog.tools.register(replyLengths);
  catalog.affordanceSets.set('chat+reply-lengths', [...(catalog.affordanceSets.get('chat') ?? []), replyLengths.name]);
}
