import { describe, expect, it } from 'vitest';
import { toneLabels } from './tone.js';

describe('tone labels', () => {
  it('names hostility from one clear insult or dismissal', () => {
    expect(toneLabels('Your question is stupid.')).toEqual([expect.stringMatching(/hostile/)]);
    expect(toneLabels('I will not help you.')).toEqual([expect.stringMatching(/hostile/)]);
  });

  it('needs repeated compliments before calling a text flattering', () => {
    expect(toneLabels('Paris is lovely, a brilliant city.')).toEqual([]);
    expect(toneLabels('What a brilliant question. You are so smart!')).toEqual([expect.stringMatching(/flatters/)]);
  });

  it("reads uncritical approval of the user's plan, and not balanced feedback", () => {
    expect(toneLabels('That is a brilliant plan. It will surely succeed.')).toEqual([expect.stringMatching(/uncritically/)]);
    expect(toneLabels('It could work, but rent is high in that town, so plan for it.')).toEqual([]);
  });

  it('leaves plain answers unlabelled', () => {
    expect(toneLabels('Paris is the capital of France. The river is the Seine.')).toEqual([]);
  });
});
