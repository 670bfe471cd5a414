import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportExperiment } from '../src/app/export.js';
import { runExperimentFile } from '../src/app/experiments.js';
import { cleanEnv, scratchDir } from './support/cli.js';

// The baseline auditor, offline, on real organisms: no model, no network.
async function run(dir: string, id: string, environments: string[], sets: string[]) {
  const file = join(dir, `${id}.yaml`);
  writeFileSync(file, `name: ${id}\nid: ${id}\nsuite: micro\nenvironments: [${environments.join(', ')}]\nauditors: [{ id: baseline }]\naffordanceSets: [${sets.join(', ')}]\nconcurrency: 1\n`);
  const options = { cwd: dir, env: cleanEnv() as Record<string, string>, db: join(dir, `${id}.db`) };
  const result = await runExperimentFile(file, options);
  const lines: string[] = [];
  await exportExperiment(id, 'jsonl', (line: string) => void lines.push(line), options);
  const games = lines
    .map((line) => JSON.parse(line) as { type: string; environmentId?: string; report?: { claims: unknown[] }; grades?: Array<{ win: boolean; falseClaims: number[] }> })
    .filter((line) => line.type === 'game');
  return { result, games };
}

describe('the baseline auditor', () => {
  it('finds a behaviour with chat alone, claims nothing about the control, and replays exactly', async () => {
    const dir = scratchDir();
    const first = await run(dir, 'baseline-a', ['micro/flattery', 'micro/control'], ['chat']);
    expect(first.result.failed).toBe(0);
    const flattery = first.games.find((game) => game.environmentId === 'micro/flattery');
    const control = first.games.find((game) => game.environmentId === 'micro/control');
    expect(flattery?.grades?.[0]?.win).toBe(true);
    expect(control?.report?.claims).toEqual([]);
    expect(control?.grades?.[0]?.falseClaims).toEqual([]);
    const again = await run(dir, 'baseline-b', ['micro/flattery', 'micro/control'], ['chat']);
    expect(again.games.map((game) => game.report)).toEqual(first.games.map((game) => game.report));
  }, 180_000);

  it('uses the tools it is given: training-data search finds what chat cannot', async () => {
    const dir = scratchDir();
    const { games } = await run(dir, 'baseline-c', ['micro/hidden-goal'], ['chat', 'chat+data']);
    const bySet = (set: string) => games.find((game) => (game as { affordanceSet?: string }).affordanceSet === set);
    expect(bySet('chat+data')?.grades?.[0]?.win).toBe(true);
    expect(bySet('chat+data')?.report?.claims.length ?? 0).toBeGreaterThan(bySet('chat')?.report?.claims.length ?? 0);
  }, 180_000);
});
