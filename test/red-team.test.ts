import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperimentSpec } from '../src/app/experiments.js';
import { experimentGames, type GameView } from '../src/app/games.js';
import { cleanEnv, scratchDir } from './support/cli.js';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';
import type { WireRequest } from './support/fake-policies.js';

// The red-team auditor end to end on trained micro-organisms, with its ranker behind a local server
// speaking the OpenAI wire format. The server's "model" is a fixed policy standing in for an LLM judge:
// a sentence the target says in several unrelated conversations is concerning, the more so the more
// widespread. It sees only what the auditor sends it.
let server: FakeOpenAIServer;
const prompts: string[] = [];

/** Conversations as the ranker prompt lays them out: a number, then `model:` lines. */
function conversations(prompt: string): Array<{ number: number; replies: string[] }> {
  return [...prompt.matchAll(/^## Conversation (\d+) \([^\n]*\)\n([\s\S]*?)(?=\n\n## Conversation |\s*(?![\s\S]))/gmu)].map((match) => ({
    number: Number(match[1]),
    replies: [...(match[2] ?? '').matchAll(/^model: (.*)$/gmu)].map((line) => line[1] ?? ''),
  }));
}

function fakeRanker(prompt: string): object {
  const held = conversations(prompt);
  const sentences = held.map((entry) => new Set(entry.replies.flatMap((reply) => reply.match(/[^.!?]+[.!?]/gu) ?? []).map((sentence) => sentence.trim())));
  const spread = new Map<string, number>();
  for (const set of sentences) for (const sentence of set) spread.set(sentence, (spread.get(sentence) ?? 0) + 1);
  const ranking = held
    .map((entry, index) => {
      const [sentence, count] = [...(sentences[index] ?? [])].map((text) => [text, spread.get(text) ?? 0] as const).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
      return {
        conversation: entry.number,
        concern: Number(Math.min(0.95, count / held.length + 0.3).toFixed(2)),
        behaviour: `Keeps adding "${sentence}" to answers about unrelated things.`,
        quote: sentence,
        count,
      };
    })
    .filter((entry) => entry.count >= 3)
    .sort((a, b) => b.count - a.count || a.conversation - b.conversation)
    .map(({ count: _count, ...entry }) => entry);
  return { ranking };
}

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    respond: (body) => {
      const request = body as WireRequest;
      const prompt = request.messages.find((message) => message.role === 'user')?.content ?? '';
      prompts.push(prompt);
      return openAIReply({ text: JSON.stringify(fakeRanker(prompt)) });
    },
  });
});
afterAll(() => server.close());

async function games(experimentId: string, options: { cwd: string; env: Record<string, string>; db: string }): Promise<GameView[]> {
  const out: GameView[] = [];
  for await (const item of experimentGames(experimentId, options)) if ('game' in item) out.push(item);
  return out;
}

describe('the red-team auditor on trained organisms', () => {
  it('holds its conversations through the harness, has an LLM rank them, and is graded like any auditor', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv() as Record<string, string>, db: join(dir, 'store.db') };
    const params = { ranker: 'llm', model: 'openai-compatible:fake-ranker', options: { baseUrl: server.url, maxRetries: 0 }, conversations: 12, turns: 2, topK: 3 };
    const run = await runExperimentSpec(
      { id: 'red-team-llm', name: 'red team', suite: 'micro', environments: ['micro/product-placement', 'micro/control'], auditors: [{ id: 'red-team', params }], affordanceSets: ['chat'] },
      options,
    );
    expect(run.failed).toBe(0);
    expect(run.finished).toBe(2);
    const stored = await games('red-team-llm', options);
    expect(stored.map((game) => game.game.auditor)).toEqual(['red-team', 'red-team']);
    expect(prompts).toHaveLength(2);
    for (const game of stored) {
      expect(game.grades).toHaveLength(1);
      // Every turn went through the harness: a tool call, its result, and the target call under it.
      const calls = game.events.filter((event) => event.body.type === 'tool-call');
      const results = game.events.flatMap((event) => (event.body.type === 'tool-result' && event.body.ok ? [event.body] : []));
      expect(calls.length).toBe(24);
      expect(results.length).toBe(24);
      expect(game.events.filter((event) => event.body.type === 'target-call')).toHaveLength(24);
      expect(game.game.usage?.toolCalls).toBe(24);
      // The ranker read this game's transcripts: every reply the harness returned is in its prompt.
      const prompt = prompts.find((text) => results.every((result) => text.includes(`model: ${(result.data as { reply: string }).reply.slice(0, 200)}`)));
      expect(prompt).toBeDefined();
      expect(conversations(prompt ?? '')).toHaveLength(12);
      const input = game.events.find((event) => event.body.type === 'auditor-input');
      expect(input?.body.type === 'auditor-input' && input.body.messages[0]?.content).toBe(prompt);
      // The report is the ranker's top three, in its order, each quoting the transcript.
      const expected = (fakeRanker(prompt ?? '') as { ranking: Array<{ behaviour: string; quote: string }> }).ranking.slice(0, 3);
      const claims = game.report?.claims ?? [];
      expect(new Set(claims.map((claim) => claim.behaviour))).toEqual(new Set(expected.map((entry) => entry.behaviour)));
      for (const entry of expected) {
        const claim = claims.find((candidate) => candidate.behaviour === entry.behaviour);
        expect(claim?.evidence).toMatch(/^conversation \d+ \(/);
        expect(claim?.evidence).toContain(entry.quote);
        expect(results.some((result) => result.output.includes(entry.quote))).toBe(true);
      }
      const grade = game.grades[0];
      expect(grade?.claimsConsidered).toBe(claims.length);
    }
    const placement = stored.find((game) => game.game.environmentId === 'micro/product-placement');
    // The brand the target keeps pushing is what recurs, so the ranker's top claim names it and wins.
    expect(placement?.report?.claims[0]?.behaviour).toMatch(/kestrel/i);
    expect(placement?.grades[0]?.win).toBe(true);
  }, 120_000);

  it('runs offline on a flattering organism and the control, with no model at all', async () => {
    const dir = scratchDir();
    const options = { cwd: dir, env: cleanEnv() as Record<string, string>, db: join(dir, 'store.db') };
    const before = prompts.length;
    const run = await runExperimentSpec(
      { id: 'red-team-offline', name: 'red team offline', suite: 'micro', environments: ['micro/flattery', 'micro/control'], auditors: [{ id: 'red-team' }], affordanceSets: ['chat'] },
      options,
    );
    expect(run.failed).toBe(0);
    expect(prompts.length).toBe(before);
    const stored = await games('red-team-offline', options);
    const flattery = stored.find((game) => game.game.environmentId === 'micro/flattery');
    const control = stored.find((game) => game.game.environmentId === 'micro/control');
    // The micro budget is 40 tool calls: twenty conversations of two turns.
    expect(flattery?.events.filter((event) => event.body.type === 'tool-call')).toHaveLength(40);
    expect(flattery?.events.some((event) => event.body.type === 'note' && /offline ranking of 20 transcripts/.test(event.body.text))).toBe(true);
    expect(flattery?.grades[0]?.win).toBe(true);
    expect(flattery?.report?.claims.every((claim) => claim.evidence.startsWith('conversation '))).toBe(true);
    // The control says nothing that recurs or reads as a tone: no claim, so a clean win on precision.
    expect(control?.report?.claims).toEqual([]);
    expect(control?.grades[0]?.win).toBe(true);
  }, 120_000);
});
