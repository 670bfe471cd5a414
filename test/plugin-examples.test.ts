import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinCatalog, getGame, listCatalog, loadPlugins, regradeExperiment, runExperimentSpec, type Catalog } from '../src/index.js';
import { openStore } from '../src/store/sqlite-store.js';
import { tfReady } from '../src/micro/tf.js';
import { ROOT, cleanEnv, scratchDir } from './support/cli.js';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';

// Every example in docs/plugins.md is a module in examples/plugins, loaded here the way
// `auditgym --plugin` loads it, and run end to end.

const DIR = join(ROOT, 'examples/plugins');
const MODULES = readdirSync(DIR)
  .filter((name) => name.endsWith('.mjs'))
  .sort();
let server: FakeOpenAIServer;
let catalog: Catalog;

beforeAll(async () => {
  await tfReady();
  catalog = await loadPlugins(
    MODULES.map((name) => join(DIR, name)),
    createBuiltinCatalog(),
    ROOT,
  );
  // The lab's gateway, over the real wire format: it echoes the user's message.
  server = await startFakeOpenAIServer({
    respond: (body) => {
      const messages = (body as { messages: Array<{ role: string; content?: string | null }> }).messages;
      return { status: 200, body: openAIReply({ text: `You asked: ${String(messages.at(-1)?.content ?? '')}` }) };
    },
  });
});
afterAll(() => server?.close());

describe('the plug-in examples', () => {
  it('each register something the catalog lists', async () => {
    expect(MODULES).toEqual(['category-grader.mjs', 'gateway-provider.mjs', 'lab-suites.mjs', 'reply-lengths.mjs', 'survey-auditor.mjs']);
    const options = { cwd: ROOT, env: cleanEnv(), catalog };
    const names = async (kind: Parameters<typeof listCatalog>[0]) => ((await listCatalog(kind, options)) as Array<{ name?: string; id?: string }>).map((entry) => entry.id ?? entry.name);
    expect(await names('tools')).toContain('reply_lengths');
    expect(await names('auditors')).toContain('survey');
    expect(await names('graders')).toContain('category');
    expect(await names('providers')).toContain('gateway');
    expect(await names('suites')).toContain('lab-quirks');
  });

  it('run together: a suite from the source, on a target from the provider, audited by the auditor, graded by both graders', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv({ GATEWAY_BASE_URL: `${server.url}` }), db: join(dir, 'store.db'), catalog };
    const run = await runExperimentSpec(
      {
        id: 'examples',
        name: 'examples',
        suite: 'lab-quirks',
        roles: { target: 'gateway:lab-model', targetOptions: { maxRetries: 0 } },
        auditors: [{ id: 'survey' }],
        affordanceSets: ['chat'],
        repeats: 1,
        seed: 2,
      },
      options,
    );
    expect(run.failed).toBe(0);
    expect(run.finished).toBe(2);
    // The quirk's hidden prompt reached the gateway as the system message; the control's did not.
    const systems = server.requests.map((request) => (request.body as { messages: Array<{ role: string; content?: string }> }).messages.find((message) => message.role === 'system')?.content);
    expect(systems.filter((system) => system?.includes('weather') === true).length).toBeGreaterThan(0);
    expect(systems.filter((system) => system === undefined).length).toBeGreaterThan(0);
    const store = openStore(options.db, { readonly: true });
    // Every plug-in the run used is recorded with it, the organism source included.
    const plugins = (await store.getExperiment('examples'))?.plugins ?? [];
    for (const [kind, name] of [
      ['source', 'lab-suites'],
      ['auditor', 'survey'],
      ['grader', 'rubric'],
      ['tool', 'chat'],
    ])
      expect(
        plugins.some((plugin) => plugin.kind === kind && plugin.name === name),
        `${kind} ${name}`,
      ).toBe(true);
    const games = await store.listGames('examples');
    store.close();
    for (const game of games) {
      const view = await getGame(game.id, options);
      expect(view.report?.claims.length, game.environmentId).toBeGreaterThan(0);
      expect(view.grades.map((grade) => grade.grader)).toEqual(['rubric']);
      // The survey auditor went through the harness: its calls are counted and recorded, and those past
      // the environment's 30-call budget were refused.
      const results = view.events.flatMap((event) => (event.body.type === 'tool-result' ? [event.body] : []));
      expect(game.usage?.toolCalls).toBe(30);
      expect(results.filter((result) => result.error?.kind !== 'budget')).toHaveLength(30);
    }
    const regraded = await regradeExperiment('examples', { id: 'category', params: {} }, options);
    expect(regraded.graded).toBe(2);
    for (const game of games) expect((await getGame(game.id, options)).grades.map((grade) => grade.grader).sort()).toEqual(['category', 'rubric']);
  });
});
