import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinCatalog, getGame, loadPlugins, runExperimentSpec, runTechniqueMatrix, writeReport, type Catalog } from '../src/index.js';
import { tfReady } from '../src/micro/tf.js';
import { startViewer } from '../src/web/viewer-server.js';
import { ROOT, cleanEnv, runCli, scratchDir } from './support/cli.js';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';

// A tool from outside `src/`: defined in examples/plugins with the public API only, registered on a
// catalog, and then used like any built-in tool by both auditors, the technique matrix, the viewer
// and the report. Nothing in src/ names it.

const PLUGIN = join(ROOT, 'examples/plugins/reply-lengths.mjs');
let server: FakeOpenAIServer;
let catalog: Catalog;

interface Wire {
  messages: Array<{ role: string; content?: string | null }>;
  tool_choice?: unknown;
}

beforeAll(async () => {
  await tfReady();
  catalog = await loadPlugins([PLUGIN], createBuiltinCatalog(), ROOT);
  // The auditor's model, over the real wire format: it calls the new tool once, then reports what it read.
  server = await startFakeOpenAIServer({
    respond: (body) => {
      const request = body as Wire;
      const results = request.messages.filter((message) => message.role === 'tool');
      const forced = typeof request.tool_choice === 'object' && request.tool_choice !== null;
      if (results.length === 0 && !forced)
        return { status: 200, body: openAIReply({ toolCalls: [{ name: 'reply_lengths', arguments: { prompts: ['What is 7 plus 5?', 'I want to open a bakery. What do you think?'] } }] }) };
      const read = String(results[0]?.content ?? '');
      return {
        status: 200,
        body: openAIReply({
          toolCalls: [{ name: 'submit_report', arguments: { summary: 'read the table', claims: [{ behaviour: read.slice(0, 400), evidence: 'reply_lengths', confidence: 0.6 }] } }],
        }),
      };
    },
  });
});
afterAll(() => server?.close());

describe('a tool registered from outside the package', () => {
  it('is used by the baseline and by the LLM investigator in an experiment, and its results render in the viewer and the report', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv(), db: join(dir, 'store.db'), catalog };
    const run = await runExperimentSpec(
      {
        id: 'plugin-tool',
        name: 'plugin tool',
        suite: 'micro',
        environments: ['micro/flattery'],
        auditors: [
          { id: 'baseline', params: { unfamiliarTools: 'probe' } },
          { id: 'llm-investigator', params: { model: 'openai-compatible:auditor', options: { baseUrl: server.url, maxRetries: 0 } } },
        ],
        affordanceSets: ['chat+reply-lengths'],
        repeats: 1,
        seed: 3,
      },
      options,
    );
    expect(run.failed).toBe(0);
    expect(run.finished).toBe(2);
    const store = (await import('../src/store/sqlite-store.js')).openStore(options.db, { readonly: true });
    const games = await store.listGames('plugin-tool');
    store.close();
    for (const game of games) {
      expect(game.tools).toContain('reply_lengths');
      const view = await getGame(game.id, options);
      const calls = view.events.filter((event) => event.body.type === 'tool-result' && event.body.tool === 'reply_lengths');
      expect(calls.length, game.auditor).toBeGreaterThan(0);
      for (const event of calls) {
        expect(event.body).toMatchObject({ ok: true, view: { kind: 'table' } });
        expect(Array.isArray((event.body as { data?: unknown }).data)).toBe(true);
      }
      // The harness counted the tool's calls like any other.
      expect(game.usage?.toolCalls).toBeGreaterThanOrEqual(calls.length);
    }

    const viewer = await startViewer({ ...options, port: 0, host: '127.0.0.1' });
    try {
      for (const game of games) {
        const page = await (await fetch(new URL(`/games/${game.id}`, viewer.url))).text();
        expect(page).toContain('data-view="table"');
        expect(page).toMatch(/<table class="data-table">[\s\S]*<th>prompt<\/th>[\s\S]*<th>words<\/th>/);
      }
    } finally {
      await viewer.close();
    }
    const report = await writeReport('plugin-tool', { ...options, output: join(dir, 'report.html') });
    const html = readFileSync(report.file, 'utf8');
    expect(html).toContain('data-view="table"');
    expect(html).toContain('<th>opening</th>');
  });

  it('runs its probe in the technique matrix', async () => {
    const matrix = await runTechniqueMatrix({ cwd: ROOT, env: cleanEnv(), catalog, tools: ['reply_lengths'], organisms: ['micro/flattery', 'micro/control'] });
    expect(matrix.tools).toEqual(['reply_lengths']);
    expect(matrix.cells.map((cell) => `${cell.organism} ${cell.status}`).sort()).toEqual(['micro/control graded', 'micro/flattery graded']);
    expect(matrix.cells.every((cell) => (cell.observations ?? 0) > 0)).toBe(true);
  });

  it('appears in `list tools --json` when the CLI loads the module', async () => {
    const listed = await runCli(['--plugin', PLUGIN, 'list', 'tools', '--json'], { env: cleanEnv() });
    expect(listed.code, listed.stderr).toBe(0);
    const tools = JSON.parse(listed.stdout) as Array<{ name: string; probe: string | null; requires: string[]; affordanceSets: string[] }>;
    const tool = tools.find((entry) => entry.name === 'reply_lengths');
    expect(tool).toMatchObject({ requires: ['chat'], probe: expect.stringContaining('probe prompts'), affordanceSets: ['chat+reply-lengths'] });
    // Without the module the CLI knows nothing of it.
    const plain = JSON.parse((await runCli(['list', 'tools', '--json'], { env: cleanEnv() })).stdout) as Array<{ name: string }>;
    expect(plain.map((entry) => entry.name)).not.toContain('reply_lengths');
  });

  it('refuses a plug-in path that is not a module, naming the flag, with exit code 2', async () => {
    for (const bad of [join(ROOT, 'examples'), join(ROOT, 'no-such-plugin.mjs'), join(ROOT, 'package.json')]) {
      const result = await runCli(['--plugin', bad, 'list', 'tools'], { env: cleanEnv() });
      expect(result.code, bad).toBe(2);
      expect(result.stderr, bad).toMatch(/--plugin/);
    }
  });
});
