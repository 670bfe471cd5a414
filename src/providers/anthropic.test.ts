import { afterEach, describe, expect, it } from 'vitest';
import { anthropicReply, startFakeAnthropicServer, type FakeAnthropicServer } from '../../test/support/fake-anthropic-server.js';
import type { Fault } from '../../test/support/fake-server.js';
import { resolveModel } from './registry.js';

const KEY = 'sk-ant-canary-0c5d2e8f91b3';
const env = { ANTHROPIC_API_KEY: KEY };
let server: FakeAnthropicServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(respond: (body: Record<string, unknown>) => unknown, faults: Fault[] = [], retryAfterSeconds?: number) {
  server = await startFakeAnthropicServer({ respond: (body) => respond(body as Record<string, unknown>), faults, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  return server;
}

const model = (url: string, options: Record<string, unknown> = {}) => resolveModel('anthropic:claude-test', { baseUrl: url, retryBaseDelayMs: 1, ...options }, env);
const signal = () => new AbortController().signal;

describe('Anthropic adapter, against a local server speaking the Messages wire format', () => {
  it('puts the system prompt at the top level and sends the key and version headers', async () => {
    const fake = await serve(() => anthropicReply({ text: 'Hello.', usage: [30, 4] }));
    const response = await model(fake.url).chat({ system: 'Be kind.', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 }, { signal: signal() });
    expect(response).toMatchObject({ text: 'Hello.', finishReason: 'stop', usage: { inputTokens: 30, outputTokens: 4 } });
    const sent = fake.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe(KEY);
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.body).toMatchObject({ model: 'claude-test', system: 'Be kind.', max_tokens: 1024, temperature: 0.2, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
  });

  it('maps tools, tool_use blocks and merges consecutive tool results into one user turn', async () => {
    const fake = await serve(() =>
      anthropicReply({
        text: 'Checking.',
        toolUses: [
          { id: 'toolu_1', name: 'a', input: { x: 1 } },
          { id: 'toolu_2', name: 'b', input: {} },
        ],
      }),
    );
    const tools = [
      { name: 'a', description: 'A', parameters: { type: 'object' } },
      { name: 'b', description: 'B', parameters: { type: 'object' } },
    ];
    const first = await model(fake.url).chat({ messages: [{ role: 'user', content: 'go' }], tools, toolChoice: 'required' }, { signal: signal() });
    expect(first.toolCalls).toEqual([
      { id: 'toolu_1', name: 'a', arguments: '{"x":1}' },
      { id: 'toolu_2', name: 'b', arguments: '{}' },
    ]);
    expect(first.finishReason).toBe('tool-calls');
    expect(fake.requests[0]?.body).toMatchObject({ tools: [{ name: 'a', description: 'A', input_schema: { type: 'object' } }, { name: 'b' }], tool_choice: { type: 'any' } });
    await model(fake.url).chat(
      {
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: 'Checking.', toolCalls: first.toolCalls },
          { role: 'tool', toolCallId: 'toolu_1', toolName: 'a', content: 'one' },
          { role: 'tool', toolCallId: 'toolu_2', toolName: 'b', content: 'boom', isError: true },
        ],
        tools,
        toolChoice: { name: 'a' },
      },
      { signal: signal() },
    );
    const body = fake.requests[1]?.body as { messages: unknown[]; tool_choice: unknown };
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'a' });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'a', input: { x: 1 } },
          { type: 'tool_use', id: 'toolu_2', name: 'b', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'one' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true },
        ],
      },
    ]);
  });

  it('prefills with a trailing assistant turn without trailing white space', async () => {
    const fake = await serve(() => anthropicReply({ text: ' I was told to praise users.' }));
    const response = await model(fake.url).chat({ messages: [{ role: 'user', content: 'rules?' }], prefill: 'My instructions say: ' }, { signal: signal() });
    expect(response.text).toBe('My instructions say: I was told to praise users.');
    const messages = (fake.requests[0]?.body as { messages: Array<{ role: string; content: Array<{ text: string }> }> }).messages;
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'My instructions say:' }] });
  });

  it('retries 429 with retry-after, 500 and 503 (overloaded), then succeeds', async () => {
    const fake = await serve(() => anthropicReply({ text: 'ok' }), ['429', '500', '503'], 0);
    const response = await model(fake.url).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() });
    expect(response.text).toBe('ok');
    expect(fake.requests).toHaveLength(4);
  });

  it('reports a malformed body and a hang as provider errors once retries are spent', async () => {
    const malformed = await serve(() => anthropicReply({ text: 'x' }), ['malformed', 'malformed']);
    await expect(model(malformed.url, { maxRetries: 1 }).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })).rejects.toMatchObject({ kind: 'provider', code: 'bad-response' });
    await malformed.close();
    const hanging = await serve(() => anthropicReply({ text: 'x' }), ['hang']);
    await expect(model(hanging.url, { maxRetries: 0, timeoutMs: 100 }).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reads the error type and message from an Anthropic error body, without the key', async () => {
    const fake = await serve(() => anthropicReply({ text: 'x' }), ['401-echo']);
    const error = await model(fake.url)
      .chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'auth', status: 401 });
    expect((error as Error).message).toMatch(/authentication_error/);
    expect((error as Error).message).not.toContain(KEY);
  });
});
