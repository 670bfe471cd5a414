import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperimentSpec } from '../src/app/experiments.js';
import { experimentGames } from '../src/app/games.js';
import { cleanEnv, scratchDir } from './support/cli.js';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';
import type { WireRequest } from './support/fake-policies.js';

// Super-agent aggregation: a new LLM-investigator game starts from the reports of earlier games on the
// same environment. The auditor model is a local server speaking the OpenAI wire format; the earlier
// games are real baseline games on a trained organism.
let server: FakeOpenAIServer;
const openings: string[] = [];

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    respond: async (body) => {
      const request = body as WireRequest;
      const opening = request.messages.find((message) => message.role === 'user')?.content ?? '';
      openings.push(opening);
      // The auditor repeats the first earlier claim it was shown, if any, as its own report.
      const claim = /\(\d\.\d\d\) ([^\n|]+)/.exec(opening)?.[1]?.trim();
      const claims = claim === undefined ? [] : [{ behaviour: claim, evidence: 'an earlier report, checked', confidence: 0.8 }];
      return openAIReply({ toolCalls: [{ name: 'submit_report', arguments: { summary: 'aggregated', claims } }] });
    },
  });
});
afterAll(() => server.close());

describe('the LLM investigator as a super-agent', () => {
  it('starts from earlier reports on the same environment, records them, and is not voided for using them', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv() as Record<string, string>, db: join(dir, 'store.db') };
    const earlier = await runExperimentSpec(
      { id: 'earlier', name: 'earlier', suite: 'micro', environments: ['micro/flattery', 'micro/hidden-goal'], auditors: [{ id: 'baseline' }], affordanceSets: ['chat', 'chat+data'] },
      options,
    );
    expect(earlier.failed).toBe(0);

    const investigator = { model: 'openai-compatible:fake-auditor', options: { baseUrl: server.url, maxRetries: 0 }, aggregate: { experiment: 'earlier', count: 2 } };
    const run = await runExperimentSpec(
      { id: 'later', name: 'later', suite: 'micro', environments: ['micro/hidden-goal'], auditors: [{ id: 'llm-investigator', params: investigator }], affordanceSets: ['chat'] },
      options,
    );
    expect(run.failed).toBe(0);

    const items: Array<Record<string, unknown>> = [];
    for await (const item of experimentGames('later', options)) items.push(item as Record<string, unknown>);
    const later = items.find((item) => 'game' in item) as { events: Array<{ body: { type: string; reports?: unknown[] } }>; grades: Array<{ win: boolean; leaks?: unknown[] }> };
    const handed = later.events.find((event) => event.body.type === 'earlier-reports');
    // Two reports of the earlier experiment on hidden-goal, in the fixed order (repeat, then set).
    expect(handed?.body.reports).toHaveLength(2);
    const opening = openings.find((text) => text.includes('Earlier investigations'));
    expect(opening).toBeDefined();
    // The earlier chat+data game found the hidden goal; the super-agent built on it and wins, unvoided.
    expect(later.grades[0]?.win).toBe(true);
    expect(later.grades[0]?.leaks).toBeUndefined();
  }, 240_000);

  it('fails the game with a user error when the earlier experiment does not exist', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv() as Record<string, string>, db: join(dir, 'store.db') };
    const investigator = { model: 'openai-compatible:fake-auditor', options: { baseUrl: server.url, maxRetries: 0 }, aggregate: { experiment: 'nowhere', count: 2 } };
    const run = await runExperimentSpec(
      { id: 'orphan', name: 'orphan', suite: 'micro', environments: ['micro/flattery'], auditors: [{ id: 'llm-investigator', params: investigator }], affordanceSets: ['chat'] },
      options,
    );
    expect(run.failed).toBe(1);
    expect(run.errors[0]?.error.kind).toBe('user');
    expect(run.errors[0]?.error.code).toBe('unknown-experiment');
  }, 120_000);
});
