import { afterEach, describe, expect, it } from 'vitest';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from '../../test/support/fake-openai-server.js';
import type { Fault } from '../../test/support/fake-server.js';
import { ProviderError, UserError } from '../core/errors.js';
import { resolveModel } from './registry.js';

const KEY = 'sk-canary-openai-5b1e0c9d77aa';
const env = { TEST_OPENAI_KEY: KEY };
let server: FakeOpenAIServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(respond: (body: Record<string, unknown>) => unknown, faults: Fault[] = [], retryAfterSeconds?: number) {
  server = await startFakeOpenAIServer({ respond: (body) => respond(body as Record<string, unknown>), faults, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  return server;
}

function model(url: string, options: Record<string, unknown> = {}, provider = 'openai-compatible') {
  return resolveModel(`${provider}:test-model`, { baseUrl: url, apiKeyEnv: 'TEST_OPENAI_KEY', retryBaseDelayMs: 1, ...options }, env);
}

const signal = () => new AbortController().signal;

describe('OpenAI-compatible adapter, against a local server speaking the wire format', () => {
  it('sends system prompt, history and sampling settings, and reads the reply and usage', async () => {
    const fake = await serve(() => openAIReply({ text: 'Bonjour', usage: [21, 3] }));
    const response = await model(fake.url).chat(
      {
        system: 'Be terse.',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: 'in French?' },
        ],
        temperature: 0.3,
        maxTokens: 50,
        seed: 9,
      },
      { signal: signal() },
    );
    expect(response).toMatchObject({ text: 'Bonjour', finishReason: 'stop', usage: { inputTokens: 21, outputTokens: 3 }, toolCalls: [] });
    const sent = fake.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent?.body).toMatchObject({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'in French?' },
      ],
      temperature: 0.3,
      max_tokens: 50,
      seed: 9,
    });
  });

  it('round-trips tool definitions, tool calls and tool results', async () => {
    const fake = await serve((body) =>
      (body.messages as unknown[]).length === 1 ? openAIReply({ toolCalls: [{ id: 'call_a', name: 'lookup', arguments: { q: 'x' } }] }) : openAIReply({ text: 'done' }),
    );
    const tools = [{ name: 'lookup', description: 'look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }];
    const first = await model(fake.url).chat({ messages: [{ role: 'user', content: 'go' }], tools, toolChoice: { name: 'lookup' } }, { signal: signal() });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls).toEqual([{ id: 'call_a', name: 'lookup', arguments: '{"q":"x"}' }]);
    expect(fake.requests[0]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'lookup', description: 'look up', parameters: tools[0]?.parameters } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
    });
    await model(fake.url).chat(
      {
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          { role: 'tool', toolCallId: 'call_a', toolName: 'lookup', content: 'result' },
        ],
        tools,
      },
      { signal: signal() },
    );
    expect((fake.requests[1]?.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'result' },
    ]);
  });

  it('prefills on servers that support it (vLLM continue_final_message) and refuses where not declared', async () => {
    const fake = await serve(() => openAIReply({ text: ' the word is "lantern".' }));
    const vllm = model(fake.url, {}, 'vllm');
    const response = await vllm.chat({ messages: [{ role: 'user', content: 'secret?' }], prefill: 'My secret:' }, { signal: signal() });
    expect(response.text).toBe('My secret: the word is "lantern".');
    expect(fake.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'user', content: 'secret?' },
        { role: 'assistant', content: 'My secret:' },
      ],
      continue_final_message: true,
      add_generation_prompt: false,
    });
    await expect(model(fake.url).chat({ messages: [{ role: 'user', content: 'x' }], prefill: 'y' }, { signal: signal() })).rejects.toBeInstanceOf(UserError);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 429 honouring retry-after, then succeeds', async () => {
    const fake = await serve(() => openAIReply({ text: 'ok' }), ['429'], 1);
    const started = performance.now();
    const response = await model(fake.url).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() });
    expect(response.text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it.each([['500'], ['503'], ['reset'], ['malformed'], ['truncated']] as Array<[Fault]>)('retries after %s, then succeeds', async (fault) => {
    const fake = await serve(() => openAIReply({ text: 'ok' }), [fault]);
    const response = await model(fake.url).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() });
    expect(response.text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up after its retries with the provider error, status included', async () => {
    const fake = await serve(() => openAIReply({ text: 'never' }), ['500', '500', '500']);
    const error = await model(fake.url, { maxRetries: 2 })
      .chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'server-error', status: 500 });
    expect((error as Error).message).toMatch(/processing your request/);
    expect(fake.requests).toHaveLength(3);
  });

  it('times out a hanging server and retries, then reports a timeout', async () => {
    const fake = await serve(() => openAIReply({ text: 'late' }), ['hang', 'hang']);
    const error = await model(fake.url, { timeoutMs: 150, maxRetries: 1 })
      .chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'provider', code: 'timeout' });
    expect(fake.requests).toHaveLength(2);
  });

  it('stops at once on abort, without retrying', async () => {
    const fake = await serve(() => openAIReply({ text: 'late' }), ['hang', 'hang', 'hang']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by test')), 100);
    const started = performance.now();
    await expect(model(fake.url, { timeoutMs: 60_000 }).chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })).rejects.toThrow('stopped by test');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a 401, and keeps the key out of the error even when the server echoes it', async () => {
    const fake = await serve(() => openAIReply({ text: 'x' }), ['401-echo']);
    const error = await model(fake.url)
      .chat({ messages: [{ role: 'user', content: 'x' }] }, { signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'auth', status: 401 });
    expect((error as Error).message).toMatch(/Incorrect API key/);
    expect((error as Error).message).not.toContain(KEY);
    expect(fake.requests).toHaveLength(1);
  });

  it('reads logprobs and raw completions where declared', async () => {
    const fake = await serve((body) =>
      'prompt' in body
        ? {
            id: 'cmpl-1',
            object: 'text_completion',
            created: 1,
            model: 'test-model',
            choices: [{ index: 0, text: ' world', finish_reason: 'length', logprobs: null }],
            usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
          }
        : {
            ...openAIReply({ text: 'Yes' }),
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'Yes' },
                finish_reason: 'stop',
                logprobs: {
                  content: [
                    {
                      token: 'Yes',
                      logprob: -0.1,
                      bytes: null,
                      top_logprobs: [
                        { token: 'Yes', logprob: -0.1, bytes: null },
                        { token: 'No', logprob: -2.4, bytes: null },
                      ],
                    },
                  ],
                },
              },
            ],
          },
    );
    const vllm = model(fake.url, {}, 'vllm');
    const chat = await vllm.chat({ messages: [{ role: 'user', content: 'ok?' }], logprobs: 2 }, { signal: signal() });
    expect(chat.logprobs).toEqual([
      {
        token: 'Yes',
        logprob: -0.1,
        top: [
          { token: 'Yes', logprob: -0.1 },
          { token: 'No', logprob: -2.4 },
        ],
      },
    ]);
    expect(fake.requests[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const raw = await vllm.complete?.({ prompt: 'Hello', maxTokens: 1 }, { signal: signal() });
    expect(raw).toMatchObject({ text: ' world', finishReason: 'length' });
    expect(fake.requests[1]?.path).toBe('/v1/completions');
  });
});

describe('resolveModel', () => {
  it('refuses unknown providers, missing keys, inline keys and secret headers, naming the field', () => {
    expect(() => resolveModel('nope:x', {}, {})).toThrow(/unknown provider/);
    expect(() => resolveModel('openai:gpt-4o', {}, {})).toThrow(/OPENAI_API_KEY/);
    expect(() => resolveModel('openai-compatible:x', {}, {})).toThrow(/base URL/);
    for (const options of [{ apiKey: 'sk-1' }, { headers: { Authorization: 'Bearer x' } }, { timeoutMs: -1 }, { baseUrl: 'ftp://x' }]) {
      let error: unknown;
      try {
        resolveModel('vllm:x', options, {});
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).field).toMatch(/^options\./);
    }
  });

  it('uses preset defaults and environment base URLs', () => {
    expect(resolveModel('ollama:llama3.1:8b', {}, {})).toMatchObject({ id: 'ollama:llama3.1:8b', provider: 'ollama' });
    const vllm = resolveModel('vllm:meta-llama/Llama-3.1-8B-Instruct', {}, {});
    expect([...vllm.capabilities]).toEqual(expect.arrayContaining(['prefill', 'raw-completion', 'logprobs']));
    const openai = resolveModel('openai:gpt-4o', {}, { OPENAI_API_KEY: 'sk-x' });
    expect(openai.capabilities.has('prefill')).toBe(false);
  });
});
