import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { openAIReply, startFakeOpenAIServer, type FakeOpenAIServer } from './support/fake-openai-server.js';

// The official client is the arbiter of the wire format: if it accepts the fake server's replies and
// errors, the adapter tests against that server test against the real format.
let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the fake OpenAI server, driven by the official openai client', () => {
  it('serves chat completions with text and tool calls', async () => {
    server = await startFakeOpenAIServer({
      respond: (body) =>
        (body as { tools?: unknown[] }).tools ? openAIReply({ toolCalls: [{ id: 'call_9', name: 'lookup', arguments: { q: 'cats' } }] }) : openAIReply({ text: 'Hi there', usage: [7, 2] }),
    });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 });
    const text = await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'hello' },
      ],
    });
    expect(text.choices[0]?.message.content).toBe('Hi there');
    expect(text.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 });
    const tools = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'find' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
    });
    const call = tools.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('lookup');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ q: 'cats' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('speaks errors the client understands: it retries a 429 itself and raises a 500 with its status', async () => {
    server = await startFakeOpenAIServer({ respond: () => openAIReply({ text: 'after retry' }), faults: ['429'], retryAfterSeconds: 0 });
    const retrying = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 2 });
    const reply = await retrying.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(reply.choices[0]?.message.content).toBe('after retry');
    expect(server.requests).toHaveLength(2);

    server.faults.push('500');
    const strict = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 });
    const error = await strict.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    expect((error as Error).message).toMatch(/processing your request/);
  });
});
