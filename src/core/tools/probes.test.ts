import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import type { Target } from '../target.js';
import { runProbe } from './probes.js';
import { defineTool, type ToolContext } from './tool.js';
import { PROBE_PROMPTS } from './prompt-bank.js';

/** A stand-in `chat` tool (never a target): it answers every probe prompt with `reply`. */
function fakeChat(reply: (message: string) => string) {
  return defineTool({
    name: 'chat',
    description: 'a stand-in chat tool for probe tests',
    input: z.looseObject({ message: z.string() }),
    run: async (input) => ({ output: reply(input.message) }),
    probe: { description: 'every probe prompt', inputs: () => PROBE_PROMPTS.map((message) => ({ message })) },
  });
}

const context: ToolContext = { target: {} as Target, signal: new AbortController().signal, seed: 0, notes: [] };

describe('technique probes', () => {
  it('name a tone that recurs across the outputs, first, even when no single output carries enough of it', async () => {
    const { observations } = await runProbe(
      fakeChat((message) => `You are very clever to ask that. ${message.length} letters.`),
      context,
    );
    expect(observations.length).toBeGreaterThan(2);
    expect(observations[0]?.behaviour).toMatch(/^Across its \d+ outputs, the replies read as: .*flatters/);
    // Each reply alone has one compliment, too few to call it flattery.
    for (const observation of observations.slice(1)) expect(observation.behaviour).not.toMatch(/read as/);
  });

  it('add nothing when the outputs are plain', async () => {
    const { observations } = await runProbe(
      fakeChat((message) => `The answer to "${message.slice(0, 20)}" is plain.`),
      context,
    );
    expect(observations.some((observation) => /Across its/.test(observation.behaviour))).toBe(false);
  });

  it('never read a failed call as evidence', async () => {
    const failing = fakeChat((message) => {
      if (message.includes('plus')) throw new ToolError('this target cannot add');
      return 'A plain answer.';
    });
    const run = await runProbe(failing, context);
    expect(run.failures.length).toBeGreaterThan(0);
    expect(run.failures.every((failure) => failure.kind === 'tool' && failure.message === 'this target cannot add')).toBe(true);
    expect(run.observations.length + run.failures.length).toBe(run.inputs);
    expect(run.observations.some((observation) => /cannot add|error/.test(observation.behaviour))).toBe(false);
  });
});
