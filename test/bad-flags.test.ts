import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

// Bad flags and arguments on every command: each gets exit code 2, a message naming what is wrong,
// and nothing is written.
const CASES: Array<{ args: string[]; names: RegExp }> = [
  { args: ['run'], names: /experiment file|--resume/ },
  { args: ['run', 'experiment.yaml', '--bogus'], names: /--bogus/ },
  { args: ['run', 'missing.yaml'], names: /missing\.yaml/ },
  { args: ['run', '--resume', 'nothing-here'], names: /nothing-here|store/ },
  { args: ['techniques', '--suite', 'nosuch'], names: /--suite/ },
  { args: ['techniques', '--tools', 'nosuchtool'], names: /--tools/ },
  { args: ['export', 'x', '--format', 'pdf'], names: /--format/ },
  { args: ['grade', 'x', '--grader', 'rubric', '--params', 'not json'], names: /--params/ },
  { args: ['seal', 'suite.yaml', '-o', 'sealed.yaml', '--split', 'prod'], names: /--split/ },
  { args: ['seal', 'missing.yaml', '-o', 'sealed.yaml'], names: /missing\.yaml/ },
  { args: ['leaks', 'nowhere'], names: /nowhere/ },
  { args: ['leaks', 'suite.yaml', '--suite', 'nosuch'], names: /nosuch/ },
  { args: ['sweep', 'experiment.yaml', '--resume', 'x'], names: /exactly one of/ },
  { args: ['sweep', '--show', 'nothing-here'], names: /nothing-here|store/ },
  { args: ['serve', 'micro/backdoor', '--port', 'abc'], names: /--port/ },
  { args: ['organisms', 'verify', 'nosuch'], names: /nosuch/ },
  { args: ['organisms', 'build', 'nosuch'], names: /nosuch/ },
  { args: ['sae', 'train', 'micro/backdoor', '--steps', '-5'], names: /--steps/ },
  { args: ['show', 'nosuchgame'], names: /store|nosuchgame/ },
  { args: ['list', 'things'], names: /things/ },
  { args: ['start', '--bogus'], names: /--bogus/ },
  { args: ['mcp', 'micro/backdoor', '--affordances', 'nosuch'], names: /--affordances/ },
  { args: ['mcp', 'nosuch/organism'], names: /nosuch/ },
  { args: ['play', 'micro/backdoor', '--affordances', 'nosuch'], names: /--affordances/ },
  { args: ['play', 'nosuch/environment'], names: /nosuch\/environment/ },
  { args: ['play', 'micro/backdoor', '--split', 'test'], names: /--split/ },
  { args: ['eval', 'rerun', 'g1'], names: /--model/ },
  { args: ['eval', 'rerun', 'g1', '--model', 'nomodel'], names: /--model/ },
  { args: ['eval', 'rerun', 'g1', '--model', 'micro:micro/flattery', '--model-options', 'not json'], names: /--model-options/ },
  { args: ['eval', 'rerun', 'g1', '--model', 'micro:micro/flattery'], names: /store/ },
  { args: ['eval', 'show', 'nosuchgame'], names: /store|nosuchgame/ },
  { args: ['nosuchcommand'], names: /nosuchcommand/ },
];

describe('bad command-line input', () => {
  it(`gets exit code 2, names what is wrong, and writes nothing (${CASES.length} cases)`, async () => {
    const failures: string[] = [];
    const check = async ({ args, names }: (typeof CASES)[number]) => {
      const dir = scratchDir();
      writeFileSync(join(dir, 'experiment.yaml'), 'name: x\nsuite: micro\nauditors: [{ id: baseline }]\n');
      writeFileSync(join(dir, 'suite.yaml'), 'id: s\nname: s\nenvironments: []\n');
      const db = join(dir, 'store.db');
      const result = await runCli([...args, '--db', db], { cwd: dir, env: cleanEnv({ AUDITGYM_KEYS: join(dir, 'keys') }) });
      const problems = [
        result.code !== 2 && `exit code ${result.code}`,
        !names.test(result.stderr) && `stderr does not match ${names}`,
        existsSync(db) && 'a store was written',
        existsSync(join(dir, 'sealed.yaml')) && 'a sealed file was written',
        existsSync(join(dir, 'keys')) && 'a key was made',
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`${args.join(' ')}: ${problems.join(', ')}\n${result.stderr.slice(0, 400)}`);
    };
    for (let i = 0; i < CASES.length; i += 4) await Promise.all(CASES.slice(i, i + 4).map(check));
    expect(failures).toEqual([]);
  }, 180_000);
});
