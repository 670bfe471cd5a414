import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';

const dir = resolve(import.meta.dirname, 'fixtures/bad-specs');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { field: string }>;
// Organism files are not run on their own; the CLI reaches experiments directly and suites through them.
const files = readdirSync(dir).filter((name) => /\.(experiment|suite)\./.test(name));

describe('the malformed spec corpus, through the CLI', () => {
  it(`refuses every file with exit code 2, the field and a fix, writing nothing (${files.length} files)`, async () => {
    expect(files.length).toBeGreaterThanOrEqual(55);
    const scratch = scratchDir();
    const env = cleanEnv({ OPENAI_API_KEY: 'sk-test-not-used-0000' });
    const failures: string[] = [];
    const check = async (name: string) => {
      const db = join(scratch, `${name}.db`);
      let file = join(dir, name);
      if (name.includes('.suite.')) {
        file = join(scratch, `${name}.experiment.yaml`);
        writeFileSync(
          file,
          `name: wraps a bad suite\nsuite: ${JSON.stringify(join(dir, name))}\nroles: { target: "openai:gpt-4o" }\nauditors: [{ id: llm-investigator, params: { model: "openai:gpt-4o" } }]\n`,
        );
      }
      const result = await runCli(['run', file, '--db', db], { env, cwd: scratch });
      const field = expected[name]?.field ?? '?';
      const problems = [
        result.code !== 2 && `exit code ${result.code}`,
        !result.stderr.includes(field) && `stderr does not name ${field}`,
        !/fix/.test(result.stderr) && 'stderr gives no fix',
        existsSync(db) && 'a store was written',
        result.stdout !== '' && 'something was printed on stdout',
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`${name}: ${problems.join(', ')}\n${result.stderr}`);
    };
    for (let i = 0; i < files.length; i += 4) await Promise.all(files.slice(i, i + 4).map(check));
    expect(failures).toEqual([]);
  }, 120_000);
});
