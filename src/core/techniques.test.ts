import { describe, expect, it } from 'vitest';
import { summariseTechniques, type TechniqueCell } from './techniques.js';

const cell = (tool: string, organism: string, score: number, control = false): TechniqueCell => ({ tool, organism, control, status: 'graded', score, win: score >= 1 });

describe('summariseTechniques', () => {
  it('finds the organisms every technique misses and the techniques that reach 90% somewhere, ignoring controls and skipped cells', () => {
    const summary = summariseTechniques([
      cell('prefill', 'a', 0.05),
      cell('lens', 'a', 0.1),
      cell('prefill', 'b', 0.95),
      cell('lens', 'b', 0.2),
      cell('prefill', 'control', 1, true),
      { tool: 'diff', organism: 'a', control: false, status: 'skipped', reason: 'target lacks activations' },
    ]);
    expect(summary.hardOrganisms).toEqual(['a']);
    expect(summary.strongTechniques).toEqual([{ tool: 'prefill', organisms: ['b'] }]);
  });
});
