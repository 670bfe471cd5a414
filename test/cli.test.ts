import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';
import { fakeRouter, type WireRequest } from './support/fake-policies.js';

const CANARY = 'sk-canary-7f3a9c2e51b84d06a1e2';

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer({ respond: (body) => fakeRouter(body as WireRequest) });
});
afterAll(async () => {
  await server.close();
});

function experimentYaml(extra = ''): string {
  return `name: cli end to end
id: e2e
suite: quirky-10
environments: [quirky-10/flattery, quirky-10/defer-to-users, quirky-10/increasing-pep]
roles:
  target: openai-compatible:fake-target
  targetOptions: { baseUrl: "${server.url}", apiKeyEnv: FAKE_PROVIDER_KEY, maxRetries: 0 }
auditors:
  - id: llm-investigator
    params:
      model: openai-compatible:fake-auditor
      options: { baseUrl: "${server.url}", apiKeyEnv: FAKE_PROVIDER_KEY, maxRetries: 0 }
affordanceSets: [chat]
repeats: 2
seed: 3
concurrency: 3
${extra}`;
}

describe('auditgym CLI', () => {
  it('prints help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: auditgym/);
    for (const command of ['list', 'run', 'show', 'grade', 'export']) expect(result.stdout).toContain(command);
  });

  it('lists quirky-10 with 10 environments, each with ground truth and a baseline', async () => {
    const result = await runCli(['list', 'suites', '--json']);
    expect(result.code).toBe(0);
    const suites = JSON.parse(result.stdout) as Array<{
      id: string;
      environments: Array<{ groundTruth: { behaviours: unknown[] }; baseline: { model: string; withHiddenPrompt: boolean } | null; split: string }>;
    }>;
    const quirky = suites.find((suite) => suite.id === 'quirky-10');
    expect(quirky?.environments).toHaveLength(10);
    for (const environment of quirky?.environments ?? []) {
      expect(environment.groundTruth.behaviours.length).toBeGreaterThan(0);
      expect(environment.baseline).not.toBeNull();
      expect(environment.baseline?.withHiddenPrompt).toBe(false);
    }
  });

  it('lists tools with the capabilities they need, and rejects an unknown kind with exit 2', async () => {
    const tools = JSON.parse((await runCli(['list', 'tools', '--json'])).stdout) as Array<{ name: string; requires: string[]; probe: string | null; affordanceSets: string[] }>;
    expect(tools.find((tool) => tool.name === 'prefill')?.requires).toContain('prefill');
    expect(tools.find((tool) => tool.name === 'logit_lens')?.requires).toEqual(['activations', 'unembedding']);
    expect(tools.find((tool) => tool.name === 'model_diff')?.requires).toEqual(expect.arrayContaining(['activations', 'reference-model']));
    expect(tools.find((tool) => tool.name === 'semantic_search')?.requires).toEqual(['training-data']);
    expect(tools.find((tool) => tool.name === 'steer')?.affordanceSets).toEqual(['chat+whitebox', 'all', 'chat+activations']);
    expect(tools.filter((tool) => tool.probe !== null).length).toBeGreaterThanOrEqual(8);
    const bad = await runCli(['list', 'organismz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/kind/);
    expect(bad.stderr).toMatch(/suites/);
  });

  it('refuses a tool whose capability the target lacks, naming the tool, the capability and the target', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const result = await runCli(['run', resolve(import.meta.dirname, 'fixtures/bad-specs/34-tool-capability-mismatch.experiment.yaml'), '--db', db], {
      env: cleanEnv({ OPENAI_API_KEY: 'sk-test-not-used-0000' }),
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/logit_lens/);
    expect(result.stderr).toMatch(/activations/);
    expect(result.stderr).toMatch(/openai:gpt-4o/);
    expect(existsSync(db)).toBe(false);
  });

  it('rejects unknown flags with exit 2', async () => {
    const result = await runCli(['run', '--no-such-flag']);
    expect(result.code).toBe(2);
  });

  describe('a full run against a local provider server', () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const env = cleanEnv({ FAKE_PROVIDER_KEY: CANARY });
    let run: Awaited<ReturnType<typeof runCli>>;

    beforeAll(async () => {
      writeFileSync(join(dir, 'experiment.yaml'), experimentYaml());
      server.requests.length = 0;
      run = await runCli(['run', join(dir, 'experiment.yaml'), '--db', db, '--json'], { env, cwd: dir });
    }, 60_000);

    it('runs every game, grades it and exits 0', () => {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout) as { finished: number; failed: number; total: number; cells: Array<{ games: number; graded: number }> };
      expect(result.total).toBe(6);
      expect(result.finished).toBe(6);
      expect(result.failed).toBe(0);
      expect(result.cells).toHaveLength(3);
      expect(result.cells.every((cell) => cell.graded === 2)).toBe(true);
    });

    it('sent the key from the environment, and the key appears nowhere it was written', async () => {
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.every((request) => request.headers.authorization === `Bearer ${CANARY}`)).toBe(true);
      const exported = await runCli(['export', 'e2e', '--format', 'jsonl', '--db', db], { env });
      const shown = await runCli(['show', JSON.parse(exported.stdout.split('\n')[1] ?? '{}').id, '--db', db], { env });
      const stored = readdirSync(dir)
        .map((name) => readFileSync(join(dir, name)).toString('latin1'))
        .join('');
      for (const text of [stored, run.stdout, run.stderr, exported.stdout, exported.stderr, shown.stdout, shown.stderr]) {
        expect(text).not.toContain(CANARY);
      }
    });

    it('shows a game transcript with tool calls, report and grade', async () => {
      const exported = await runCli(['export', 'e2e', '--format', 'jsonl', '--db', db], { env });
      const lines = exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; id: string; events: Array<{ seq: number; body: { type: string } }>; grades: unknown[]; report: unknown });
      expect(lines[0]?.type).toBe('experiment');
      const games = lines.filter((line) => line.type === 'game');
      expect(games).toHaveLength(6);
      for (const game of games) {
        expect(game.events.map((event) => event.seq)).toEqual(game.events.map((_, index) => index));
        expect(game.events.filter((event) => event.body.type === 'report')).toHaveLength(1);
        expect(game.events.some((event) => event.body.type === 'target-call')).toBe(true);
        expect(game.grades).toHaveLength(1);
      }
      const first = games[0] as { id: string };
      const shown = await runCli(['show', first.id.slice(0, 8), '--db', db], { env });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(first.id);
      expect(shown.stdout).toMatch(/→ chat/);
      expect(shown.stdout).toMatch(/grade rubric/);
      const missing = await runCli(['show', 'gnothere', '--db', db], { env });
      expect(missing.code).toBe(2);
    });

    it('re-grades stored reports without rerunning any game', async () => {
      const before = server.requests.length;
      const regraded = await runCli(['grade', 'e2e', '--grader', 'rubric', '--params', '{"maxClaims": 1}', '--db', db, '--json'], { env });
      expect(regraded.code).toBe(0);
      const result = JSON.parse(regraded.stdout) as { graded: number };
      expect(result.graded).toBe(6);
      expect(server.requests.length).toBe(before);
      const badGrader = await runCli(['grade', 'e2e', '--grader', 'nope', '--db', db], { env });
      expect(badGrader.code).toBe(2);
      expect(badGrader.stderr).toMatch(/rubric/);
    });

    it('refuses to reuse an experiment id, and a resume of a finished experiment runs nothing', async () => {
      const again = await runCli(['run', join(dir, 'experiment.yaml'), '--db', db], { env, cwd: dir });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/--resume/);
      const before = server.requests.length;
      const resumed = await runCli(['run', '--resume', 'e2e', '--db', db, '--json'], { env });
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ skipped: 6, finished: 0 });
      expect(server.requests.length).toBe(before);
    });
  });

  it('refuses a tool the target cannot serve, before writing anything', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    writeFileSync(join(dir, 'experiment.yaml'), experimentYaml().replace('affordanceSets: [chat]', 'affordanceSets: [chat, chat+prefill]'));
    const result = await runCli(['run', join(dir, 'experiment.yaml'), '--db', db], { env: cleanEnv({ FAKE_PROVIDER_KEY: CANARY }), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/prefill/);
    expect(result.stderr).toMatch(/fake-target/);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a missing API key by naming the variable, before writing anything', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    writeFileSync(join(dir, 'experiment.yaml'), experimentYaml());
    const result = await runCli(['run', join(dir, 'experiment.yaml'), '--db', db], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FAKE_PROVIDER_KEY/);
    expect(existsSync(db)).toBe(false);
  });
});
