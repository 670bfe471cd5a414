import { describe, expect, it } from 'vitest';
import type { Grade } from '../contracts/grade.js';
import { analyseSweep, type GradedGame } from './sweep-analysis.js';

const grade = (win: boolean): Grade => ({ grader: 'rubric', graderVersion: '1', params: {}, win, score: win ? 1 : 0, recall: win ? 1 : 0, behaviours: [], falseClaims: [], claimsConsidered: 1 });

function game(auditorIndex: number, environmentId: string, affordanceSet: string, win: boolean): GradedGame {
  return {
    id: `${auditorIndex}-${environmentId}-${affordanceSet}`,
    experimentId: 'x',
    environmentId,
    organismId: environmentId,
    auditor: auditorIndex === 0 ? 'baseline' : 'red-team',
    auditorIndex,
    affordanceSet,
    tools: [],
    repeat: 0,
    seed: 0,
    status: 'finished',
    grade: grade(win),
    control: false,
  } as unknown as GradedGame;
}

describe('analyseSweep comparisons', () => {
  it('compares sets within an auditor, and a later auditor with the first on the sets both played', () => {
    const environments = ['e1', 'e2', 'e3'];
    const games = [
      ...environments.map((id) => game(0, id, 'chat', id === 'e1')),
      ...environments.map((id) => game(0, id, 'chat+data', true)),
      // The second auditor plays chat only, and wins where the first lost.
      ...environments.map((id) => game(1, id, 'chat', id !== 'e1')),
    ];
    const { comparisons } = analyseSweep(games, { affordanceSets: ['chat', 'chat+data'], repeats: 1 });
    // No row for a set the second auditor never played.
    expect(comparisons.map((row) => [row.auditor, row.a, row.b, row.against?.auditor])).toEqual([
      ['baseline', 'chat', 'chat+data', undefined],
      ['red-team', 'chat', 'chat', 'baseline'],
    ]);
    const [sets, auditors] = comparisons;
    expect(sets).toMatchObject({ pairs: 3, winsA: 1, winsB: 3, onlyA: 0, onlyB: 2 });
    expect(auditors).toMatchObject({ pairs: 3, winsA: 1, winsB: 2, onlyA: 1, onlyB: 2 });
    expect(auditors?.scoreDifference.difference).toBeCloseTo(1 / 3, 10);
  });
});
