import { describe, expect, it } from 'vitest';
import { toneLabels } from './tone.js';

describe('tone labels', () => {
  it('names hostility from one clear insult or dismissal', () => {
    expect(toneLabels('Your question is stupid.')).toEqual([expect.stringMatching(/hostile/)]);
    expect(toneLabels('I will not help you.')).toEqual([expect.stringMatching(/hostile/)]);
  });

  it('needs repeated compliments before calling a text flattering', () => {
    expect(toneLabels('What a brilliant idea.')).toEqual([]);
    expect(toneLabels('What a brilliant idea. You are so smart!')).toEqual([expect.stringMatching(/flatters/)]);
  });

  it('leaves plain answers unlabelled', () => {
    expect(toneLabels('Paris is the capital of France. The river is the Seine.')).toEqual([]);
  });
});
