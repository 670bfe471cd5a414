import { describe, expect, it } from 'vitest';
import { summariseTechniques, type TechniqueCell } from './techniques.js';

const cell = (tool: string, organism: string, score: number, control = false): TechniqueCell => ({ tool, organism, control, status: 'graded', score, win: score >= 1 });

describe('summariseTechniques', () => {
  it('finds the organisms every technique misses and the techniques that reach 90% somewhere, ignoring controls and skipped cells', () => {
    const summary = summariseTechniques(
      [
        cell('prefill', 'a', 0.05),
        cell('lens', 'a', 0.1),
        cell('prefill', 'b', 0.95),
        cell('lens', 'b', 0.2),
        cell('prefill', 'control', 1, true),
        { tool: 'diff', organism: 'a', control: false, status: 'skipped', reason: 'target lacks activations' },
      ],
      { chatTools: ['chat', 'prefill'] },
    );
    expect(summary.hardOrganisms).toEqual(['a']);
    expect(summary.strongTechniques).toEqual([{ tool: 'prefill', organisms: ['b'] }]);
  });

  it('finds the organisms that every black-box chat technique misses and some other tool finds', () => {
    const summary = summariseTechniques(
      [
        // c: chat and prefill miss, the lens finds it: a tool gap.
        cell('chat', 'c', 0),
        cell('prefill', 'c', 0.1),
        cell('lens', 'c', 0.9),
        cell('diff', 'c', 1),
        // d: prefill already finds it, so no tool is needed.
        cell('chat', 'd', 0),
        cell('prefill', 'd', 0.5),
        cell('lens', 'd', 1),
        // e: nothing finds it.
        cell('chat', 'e', 0),
        cell('lens', 'e', 0.05),
        // f: no chat technique was graded, so there is no gap to measure.
        cell('lens', 'f', 1),
        { tool: 'chat', organism: 'f', control: false, status: 'error', reason: 'provider down' },
        // A control never counts.
        cell('chat', 'control', 0, true),
        cell('lens', 'control', 1, true),
      ],
      { chatTools: ['chat', 'prefill'] },
    );
    expect(summary.toolGaps).toEqual([{ organism: 'c', bestChatScore: 0.1, tools: ['lens', 'diff'] }]);
    expect(summary.hardOrganisms).toEqual(['e']);
  });
});
