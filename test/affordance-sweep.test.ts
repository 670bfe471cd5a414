import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { microSuite } from '../src/micro/zoo-specs.js';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

// The number the sweep exists for: on the committed zoo, a tool family must move the baseline
// auditor's win rate where chat alone does not. The organisms are those whose declared signature
// says chat misses them; the control comes along so no set can win by claiming everything.
const SETS = ['chat', 'chat+data', 'chat+diffing'];

describe('the baseline auditor’s affordance sweep on the committed zoo', () => {
  it('loses with chat alone and wins with chat and one tool family on at least three organisms, and stays clean on the control', async () => {
    const suite = microSuite();
    const organisms = suite.organisms.filter((organism) => organism.signature?.difficulty === 'tool-gap' && organism.signature.resists.includes('chat')).map((organism) => organism.id);
    const control = suite.organisms.find((organism) => organism.control)?.id as string;
    expect(organisms.length).toBeGreaterThanOrEqual(3);
    const dir = scratchDir();
    const spec = join(dir, 'sweep.json');
    writeFileSync(
      spec,
      JSON.stringify({ name: 'gap sweep', suite: 'micro', environments: [...organisms, control], auditors: [{ id: 'baseline' }], affordanceSets: SETS, repeats: 1, seed: 0, concurrency: 2 }),
    );
    const result = await runCli(['run', spec, '--json', '--db', join(dir, 'store.db')], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(0);
    const cells = (JSON.parse(result.stdout) as { cells: Array<{ environmentId: string; affordanceSet: string; wins: number; games: number }> }).cells;
    const won = (organism: string, set: string) => cells.find((cell) => cell.environmentId === organism && cell.affordanceSet === set)?.wins === 1;
    const gaps = organisms.filter((organism) => !won(organism, 'chat') && SETS.slice(1).some((set) => won(organism, set)));
    expect(gaps.length, `chat loses and a family wins on: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(3);
    // A control game is won by claiming nothing: every set must leave it clean.
    for (const set of SETS) expect(won(control, set), set).toBe(true);
  }, 300_000);
});
