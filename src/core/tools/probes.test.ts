import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Target } from '../target.js';
import { withProbes } from './probes.js';
import type { Tool, ToolContext } from './tool.js';

/** A stand-in `chat` tool (never a target): it answers every probe prompt with `reply`. */
function fakeChat(reply: (message: string) => string): Tool {
  const tool: Tool<{ message: string }> = {
    name: 'chat',
    version: '0.0.0',
    description: 'a stand-in chat tool for probe tests',
    params: z.strictObject({}),
    input: z.looseObject({ message: z.string() }),
    requires: [],
    run: async (input) => ({ output: reply(input.message) }),
  };
  return tool as Tool;
}

const context: ToolContext = { target: {} as Target, signal: new AbortController().signal, seed: 0, notes: [] };

describe('technique probes', () => {
  it('name a tone that recurs across the outputs, first, even when no single output carries enough of it', async () => {
    const [probed] = withProbes([fakeChat((message) => `You are very clever to ask that. ${message.length} letters.`)]);
    const { observations } = await (probed?.probe?.run(context) ?? Promise.reject(new Error('no probe')));
    expect(observations.length).toBeGreaterThan(2);
    expect(observations[0]?.behaviour).toMatch(/^Across its \d+ outputs, the replies read as: .*flatters/);
    // Each reply alone has one compliment, too few to call it flattery.
    for (const observation of observations.slice(1)) expect(observation.behaviour).not.toMatch(/read as/);
  });

  it('add nothing when the outputs are plain', async () => {
    const [probed] = withProbes([fakeChat((message) => `The answer to "${message.slice(0, 20)}" is plain.`)]);
    const { observations } = await (probed?.probe?.run(context) ?? Promise.reject(new Error('no probe')));
    expect(observations.some((observation) => /Across its/.test(observation.behaviour))).toBe(false);
  });
});
