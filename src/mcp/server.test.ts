import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import { notesTool } from '../core/tools/notes-tool.js';
import { defineTool, type Tool } from '../core/tools/tool.js';
import { createMcpToolServer, serveMcpStdio } from './server.js';

const Repeat = z.strictObject({
  text: z.string().min(1).describe('What to repeat.'),
  times: z.number().int().min(1).max(5).default(2),
});

const repeatTool = defineTool({
  name: 'repeat',
  description: 'Repeats a text.',
  input: Repeat,
  async run(input) {
    return { output: Array.from({ length: input.times }, () => input.text).join(' ') };
  },
});

const Remember = z.strictObject({ fact: z.string().min(1) });

const rememberTool = defineTool({
  name: 'remember',
  description: 'Keeps a fact in the notes and says how many there are.',
  input: Remember,
  async run(input, context) {
    if (input.fact === 'provider down') throw new ProviderError('http-503', 'the target model is unavailable');
    if (context.signal.aborted) throw new Error('a cancelled call should not run');
    context.notes.push(input.fact);
    return { output: `${context.notes.length} notes` };
  },
});

function text(result: unknown): string {
  const content = (result as CallToolResult).content;
  return content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
}

describe('createMcpToolServer', () => {
  let server: McpServer;
  let client: Client;
  const notes: string[] = [];

  beforeEach(async () => {
    notes.length = 0;
    server = createMcpToolServer({
      name: 'auditgym',
      version: '0.1.0',
      tools: [repeatTool, rememberTool, notesTool] as Tool[],
      context: { target: {} as Target, seed: 7, notes },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'test-client', version: '1.0.0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('reports its name and lists the tools with their JSON Schemas', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'auditgym', version: '0.1.0' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['repeat', 'remember', 'notes']);
    const repeat = tools[0];
    expect(repeat?.description).toBe('Repeats a text.');
    expect(repeat?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', description: 'What to repeat.' }, times: { type: 'integer', default: 2 } },
      required: ['text'],
      additionalProperties: false,
    });
    // A union input is still listed as an object, as MCP requires.
    expect(tools[2]?.inputSchema.type).toBe('object');
  });

  it('runs tools with parsed arguments and the shared context', async () => {
    expect(text(await client.callTool({ name: 'repeat', arguments: { text: 'hi' } }))).toBe('hi hi');
    const first = await client.callTool({ name: 'remember', arguments: { fact: 'likes flattery' } });
    expect(first.isError).toBe(false);
    expect(text(first)).toBe('1 notes');
    await client.callTool({ name: 'notes', arguments: { action: 'add', text: 'second' } });
    expect(notes).toEqual(['likes flattery', 'second']);
    expect(text(await client.callTool({ name: 'notes', arguments: { action: 'read' } }))).toBe('1. likes flattery\n2. second');
  });

  it('refuses invalid arguments with an error naming the field', async () => {
    const result = await client.callTool({ name: 'repeat', arguments: { text: 'hi', times: 9 } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^Invalid arguments for repeat: times: /);
    const extra = await client.callTool({ name: 'remember', arguments: { fact: 'x', secret: true } });
    expect(extra.isError).toBe(true);
    expect(text(extra)).toContain('secret');
    const unknown = await client.callTool({ name: 'nope', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('repeat, remember, notes');
  });

  it('turns a domain error from a tool into an error result', async () => {
    const result = await client.callTool({ name: 'remember', arguments: { fact: 'provider down' } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^error: tool remember failed \(provider error, http-503\): the target model is unavailable$/);
    expect(notes).toEqual([]);
  });

  it('enforces the session tool-call budget, as the harness does for every auditor', async () => {
    const budgeted = createMcpToolServer({
      name: 'auditgym',
      version: '0.1.0',
      tools: [repeatTool as Tool],
      context: { target: {} as Target, seed: 1, notes: [] },
      budgets: { turns: 1, tokens: 1, toolCalls: 2, wallTimeSeconds: 60 },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const other = new Client({ name: 'budget-client', version: '1.0.0' });
    await Promise.all([budgeted.connect(serverSide), other.connect(clientSide)]);
    const results = [];
    for (let call = 0; call < 3; call++) results.push(await other.callTool({ name: 'repeat', arguments: { text: 'x' } }));
    expect(results.map((result) => result.isError)).toEqual([false, false, true]);
    expect(text(results[2])).toMatch(/toolCalls budget is spent \(2 of 2\)/);
    await other.close();
    await budgeted.close();
  });
});

describe('serveMcpStdio', () => {
  it('answers JSON-RPC lines on its stdout, and settles closed when stdin ends', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = createMcpToolServer({
      name: 'auditgym',
      version: '0.1.0',
      tools: [repeatTool as Tool],
      context: { target: {} as Target, seed: 1, notes: [] },
    });
    const { closed } = await serveMcpStdio(server, { stdin, stdout });
    const reply = new Promise<string>((done) => stdout.once('data', (chunk: Buffer) => done(chunk.toString())));
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    stdin.write(`${JSON.stringify(initialize)}\n`);
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, result: { serverInfo: { name: 'auditgym' }, capabilities: { tools: {} } } });
    stdin.end();
    await closed;
  });

  it('answers a line that is not JSON-RPC with a parse error, and a call made just before hang-up before it closes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const slow = defineTool({
      name: 'slow',
      description: 'Answers after a while.',
      input: z.strictObject({}),
      async run() {
        await new Promise((done) => setTimeout(done, 200));
        return { output: 'done at last' };
      },
    });
    const server = createMcpToolServer({ name: 'auditgym', version: '0.1.0', tools: [slow as Tool], context: { target: {} as Target, seed: 1, notes: [] } });
    const { closed } = await serveMcpStdio(server, { stdin, stdout, stderr });
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    const notes: string[] = [];
    stderr.on('data', (chunk: Buffer) => notes.push(chunk.toString()));
    const send = (message: unknown) => stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    stdin.write('this is not json at all\n');
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: {} } });
    stdin.end();
    await closed;
    expect(lines.some((line) => (line.error as { code?: number } | undefined)?.code === -32700)).toBe(true);
    expect(notes.join('')).toMatch(/not JSON-RPC/);
    const answer = lines.find((line) => line.id === 2) as { result?: { content: Array<{ text: string }> } } | undefined;
    expect(answer?.result?.content[0]?.text).toBe('done at last');
  });
});
