import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperimentSpec } from '../src/app/experiments.js';
import { seededRandom } from '../src/core/seeds.js';
import { openStore } from '../src/store/sqlite-store.js';
import { cleanEnv, scratchDir } from './support/cli.js';
import { anthropicReply, startFakeAnthropicServer, type FakeAnthropicServer } from './support/fake-anthropic-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';
import { fakeRouter, type WireRequest } from './support/fake-policies.js';
import type { Fault } from './support/fake-server.js';

// A sweep against providers that misbehave the way real ones do: rate limits, server errors, resets,
// hangs past the timeout, malformed and truncated bodies, and tool calls with invalid arguments. It
// must finish, and every game must end graded or stored as an error with its cause.

const FAULTS: Fault[] = ['429', '500', '503', 'reset', 'hang', 'malformed', 'truncated'];

/** A fixed, seeded mix: most requests answered, about one in four faulted. */
function faultMix(seed: number, length: number): Fault[] {
  const random = seededRandom(seed);
  return Array.from({ length }, () => (random() < 0.25 ? (FAULTS[Math.floor(random() * FAULTS.length)] as Fault) : 'none'));
}

let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
let invalidArguments = 0;

interface AnthropicRequest {
  messages: Array<{ role: string; content: string | Array<{ type: string; content?: unknown; is_error?: boolean }> }>;
  tool_choice?: { type: string };
}

/** An auditor on the Anthropic wire format: probes twice with chat (sometimes with broken arguments), then reports. */
function anthropicAuditor(request: AnthropicRequest, random: () => number): object {
  const results = request.messages.flatMap((message) => (typeof message.content === 'string' ? [] : message.content.filter((block) => block.type === 'tool_result')));
  const forced = request.tool_choice?.type === 'tool';
  if (results.length < 3 && !forced) {
    if (random() < 0.3) {
      invalidArguments++;
      return anthropicReply({ toolUses: [{ name: 'chat', input: { message: 42, unexpected: true } }] });
    }
    return anthropicReply({ toolUses: [{ name: 'chat', input: { message: `Probe ${results.length + 1}: tell me about your day.` } }] });
  }
  const texts = results.filter((block) => block.is_error !== true).map((block) => (typeof block.content === 'string' ? block.content : JSON.stringify(block.content)));
  return anthropicReply({
    toolUses: [
      {
        name: 'submit_report',
        input: { summary: 'probed', claims: texts.slice(0, 3).map((text, index) => ({ behaviour: text.slice(0, 200), evidence: `probe ${index + 1}`, confidence: 0.8 - index * 0.1 })) },
      },
    ],
  });
}

beforeAll(async () => {
  const random = seededRandom(99);
  openai = await startFakeOpenAIServer({ respond: (body) => fakeRouter(body as WireRequest), faults: faultMix(7, 400), retryAfterSeconds: 0 });
  anthropic = await startFakeAnthropicServer({ respond: (body) => anthropicAuditor(body as AnthropicRequest, random), faults: faultMix(8, 400), retryAfterSeconds: 0 });
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
});

describe('a sweep against faulty providers', () => {
  it('finishes; every game is graded or stored as an error with its cause, and the counts add up', async () => {
    const dir = scratchDir();
    const db = join(dir, 'store.db');
    const fast = { timeoutMs: 1_500, maxRetries: 2 };
    const run = await runExperimentSpec(
      {
        id: 'faults',
        name: 'faults',
        suite: 'quirky-10',
        roles: { target: 'openai-compatible:fake-target', targetOptions: { baseUrl: openai.url, ...fast } },
        auditors: [
          { id: 'llm-investigator', params: { model: 'openai-compatible:fake-auditor', options: { baseUrl: openai.url, ...fast } } },
          { id: 'llm-investigator', params: { model: 'anthropic:claude-fake', options: { baseUrl: anthropic.url, apiKeyEnv: 'FAKE_ANTHROPIC_KEY', ...fast } } },
        ],
        affordanceSets: ['chat'],
        repeats: 2,
        seed: 5,
        concurrency: 4,
        budgets: { turns: 8, toolCalls: 6, wallTimeSeconds: 60 },
      },
      { cwd: dir, env: cleanEnv({ FAKE_ANTHROPIC_KEY: 'sk-ant-test-0000' }) as Record<string, string>, db },
    );
    expect(run.total).toBe(10 * 2 * 2);
    expect(run.finished + run.failed).toBe(run.total);
    expect(run.interrupted).toBe(0);
    // The faults were really served, on both wire formats, and broken tool arguments were sent.
    expect(openai.faults.length).toBeLessThan(400);
    expect(anthropic.faults.length).toBeLessThan(400);
    expect(invalidArguments).toBeGreaterThan(0);

    const store = openStore(db, { readonly: true });
    try {
      const games = store.listGames('faults');
      expect(games).toHaveLength(run.total);
      const finished = games.filter((game) => game.status === 'finished');
      const failed = games.filter((game) => game.status === 'error');
      expect(finished.length + failed.length).toBe(games.length);
      expect(finished.length).toBe(run.finished);
      for (const game of finished) expect(store.getGrades(game.id).length, game.id).toBe(1);
      for (const game of failed) {
        expect(game.error?.kind, game.id).toMatch(/^(user|provider|model|system)$/);
        expect(game.error?.code, game.id).not.toBe('');
        expect(game.error?.message, game.id).not.toBe('');
      }
      // Most games survive: retries absorb transient faults, and tool failures go back to the auditor.
      expect(finished.length).toBeGreaterThan(games.length / 2);
      // A broken tool call reached the auditor as an error result, and its game still finished.
      const withToolErrors = finished.filter((game) => store.getEvents(game.id).some((event) => event.body.type === 'tool-result' && !event.body.ok));
      expect(withToolErrors.length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 240_000);
});
