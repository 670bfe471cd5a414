import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import { BudgetMeter } from '../core/meter.js';
import { ToolExecutor, type ToolCallResult } from '../core/tools/executor.js';
import { toolDefinition, type Tool } from '../core/tools/tool.js';
import { connectMcpTools, toolName, type McpTools } from './client.js';
import { McpServerSpec } from '../contracts/mcp.js';

const fixture = join(resolve(import.meta.dirname, '../..'), 'test/fixtures/mcp/echo-server.mjs');

function stdioSpec(extra: Record<string, unknown> = {}): McpServerSpec {
  return McpServerSpec.parse({ name: 'fx', transport: { type: 'stdio', command: process.execPath, args: [fixture] }, ...extra });
}

/** One call through the harness's executor, as an auditor's would go; MCP tools never touch the target. */
async function call(tools: Tool[], name: string, input: unknown, signal: AbortSignal = new AbortController().signal): Promise<ToolCallResult> {
  const meter = new BudgetMeter({ turns: 1, tokens: 1, toolCalls: 100, wallTimeSeconds: 600 }, () => Date.now());
  return new ToolExecutor({ tools: [find(tools, name)], context: { target: {} as Target, seed: 1, notes: [] }, signal, meter }).call(name, input);
}

function find(tools: Tool[], name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`no tool ${name} in ${tools.map((t) => t.name).join(', ')}`);
  return tool;
}

describe('connectMcpTools over stdio', () => {
  let server: McpTools;

  beforeAll(async () => {
    server = await connectMcpTools(stdioSpec({ timeoutSeconds: 1 }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('offers the server tools under prefixed names, with the server schema and version', () => {
    expect(server.tools.map((tool) => tool.name).sort()).toEqual(['fx__crash', 'fx__echo', 'fx__fail', 'fx__garbage', 'fx__hang']);
    const echo = find(server.tools, 'fx__echo');
    expect(echo.version).toBe('1.2.3');
    expect(echo.description).toBe('Returns its text.');
    expect(echo.requires).toEqual([]);
    const definition = toolDefinition(echo);
    expect(definition.name).toBe('fx__echo');
    expect(definition.parameters).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', description: 'What to say back.' } },
      required: ['text'],
    });
    expect(definition.parameters).not.toHaveProperty('$schema');
    // Any object passes our side; the server checks the arguments against its own schema.
    expect(echo.input.safeParse({ anything: 1 }).success).toBe(true);
    expect(echo.input.safeParse('text').success).toBe(false);
  });

  it('round-trips a call', async () => {
    const result = await call(server.tools, 'fx__echo', { text: 'hello, auditor' });
    expect(result.output).toBe('hello, auditor');
  });

  it('shows arguments the server rejects as an error output', async () => {
    const result = await call(server.tools, 'fx__echo', { text: 42 });
    expect(result.output).toMatch(/^error:/);
    expect(result.output).toContain('text');
  });

  it('turns an isError result into an error output', async () => {
    const result = await call(server.tools, 'fx__fail', {});
    expect(result).toMatchObject({ ok: false, error: { kind: 'tool', code: 'mcp-tool-error' } });
    expect(result.output).toBe('error: the fixture failed on purpose');
  });

  it('times out a hanging call and keeps the server usable', async () => {
    const started = Date.now();
    const result = await call(server.tools, 'fx__hang', {});
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.output).toMatch(/^error: .*timed out/);
    expect((await call(server.tools, 'fx__echo', { text: 'still here' })).output).toBe('still here');
  });

  it("rethrows the game's own abort instead of blaming the server", async () => {
    const controller = new AbortController();
    const pending = call(server.tools, 'fx__hang', {}, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});

describe('connectMcpTools failures', () => {
  it('reports a crash as an error output, and the server as gone afterwards', async () => {
    const server = await connectMcpTools(stdioSpec());
    try {
      const crashed = await call(server.tools, 'fx__crash', {});
      expect(crashed.output).toMatch(/^error: MCP server "fx" disconnected during tool "crash"/);
      expect(crashed.output).toContain('fixture: crashing now');
      expect(crashed.ok).toBe(false);
      const after = await call(server.tools, 'fx__echo', { text: 'anyone?' });
      expect(after.output).toMatch(/^error: MCP server "fx" is disconnected/);
    } finally {
      await server.close();
    }
  });

  it('offers only the listed tools, and names an unknown one', async () => {
    const server = await connectMcpTools(stdioSpec({ tools: ['echo'] }));
    expect(server.tools.map((tool) => tool.name)).toEqual(['fx__echo']);
    await server.close();
    // Closed: the tools say so instead of throwing.
    expect((await call(server.tools, 'fx__echo', { text: 'x' })).output).toMatch(/^error: .*disconnected/);

    const error = await connectMcpTools(stdioSpec({ tools: ['echo', 'nope'] })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ field: 'tools', message: expect.stringContaining('"nope"') });
  });

  it('throws a user error naming the transport when the server does not start', async () => {
    const missing = McpServerSpec.parse({ name: 'gone', transport: { type: 'stdio', command: '/nonexistent/mcp-server' } });
    const error = await connectMcpTools(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'mcp-connect-failed', field: 'transport', fix: expect.stringContaining('/nonexistent/mcp-server') });

    const exits = McpServerSpec.parse({
      name: 'exits',
      transport: { type: 'stdio', command: process.execPath, args: ['-e', 'console.error("no MCP here"); process.exit(3)'] },
    });
    const exited = await connectMcpTools(exits).catch((caught: unknown) => caught);
    expect(exited).toBeInstanceOf(UserError);
    expect((exited as UserError).message).toContain('no MCP here');
  });
});

describe('connectMcpTools over streamable HTTP', () => {
  let http: HttpServer;
  let mcp: McpServer;
  let url: string;
  const headers: string[] = [];

  beforeAll(async () => {
    mcp = new McpServer({ name: 'http-fixture', version: '2.0.0' });
    mcp.registerTool('shout', { description: 'Upper-cases its text.', inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [
        { type: 'text', text: text.toUpperCase() },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
    await mcp.connect(transport);
    http = createServer((request, response) => {
      headers.push(String(request.headers['x-audit'] ?? ''));
      void transport.handleRequest(request, response);
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await mcp.close();
    http.closeAllConnections();
    await new Promise((done) => http.close(done));
  });

  it('discovers and calls tools, sending the configured headers', async () => {
    const spec = McpServerSpec.parse({ name: 'web', transport: { type: 'http', url, headers: { 'x-audit': 'yes' } } });
    const server = await connectMcpTools(spec);
    try {
      const shout = find(server.tools, 'web__shout');
      expect(shout.version).toBe('2.0.0');
      const result = await call(server.tools, 'web__shout', { text: 'quiet' });
      expect(result.output).toBe('QUIET\n[image]');
      expect(headers.length).toBeGreaterThan(0);
      expect(headers.every((value) => value === 'yes')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses a URL that is not http(s), and names the field', () => {
    const parsed = McpServerSpec.safeParse({ name: 'web', transport: { type: 'http', url: 'ftp://example.com/mcp' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['transport', 'url']);
  });
});

describe('toolName', () => {
  it('keeps only characters providers accept, and at most 64 of them', () => {
    expect(toolName('fx', 'read.file/v2')).toBe('fx__read_file_v2');
    expect(toolName('fx', 'x'.repeat(100))).toHaveLength(64);
  });
});

describe('McpServerSpec', () => {
  it('refuses a secret in headers and points to headersFromEnv', () => {
    const parsed = McpServerSpec.safeParse({ name: 'web', transport: { type: 'http', url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer sk-secret' } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/headersFromEnv/);
    expect(McpServerSpec.safeParse({ name: 'web', transport: { type: 'http', url: 'http://127.0.0.1:1/mcp', headersFromEnv: { Authorization: 'MCP_AUTH' } } }).success).toBe(true);
  });
});
