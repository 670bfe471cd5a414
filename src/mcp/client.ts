import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type ContentBlock, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ToolError, UserError, isAbortError } from '../core/errors.js';
import { bound, defineTool, type Tool, type ToolOutput } from '../core/tools/tool.js';
import type { McpServerSpec } from '../contracts/mcp.js';

const OUTPUT_LIMIT = 8000;
const STDERR_TAIL = 2000;
const NAME_LIMIT = 64;

/** The server checks the arguments against its own schema; ours only makes sure they are an object. */
const AnyArguments = z.record(z.string(), z.unknown());
type AnyArguments = z.infer<typeof AnyArguments>;

export interface McpTools {
  /** The server's tools as auditgym tools, named `<server>__<tool>`. */
  tools: Tool[];
  /** Disconnects and, for a stdio server, stops its process. */
  close(): Promise<void>;
}

/**
 * Connects to an MCP server and offers its tools as auditing affordances. Failures while connecting
 * are the user's to fix and throw; failures during a game (a crash, a hang, a dropped connection)
 * come back as `error:` outputs, so the auditor reads them and the game goes on.
 */
export async function connectMcpTools(spec: McpServerSpec, options: { signal?: AbortSignal } = {}): Promise<McpTools> {
  const timeoutMs = Math.round(spec.timeoutSeconds * 1000);
  const stderr = { tail: '' };
  const transport = createTransport(spec, stderr);
  const client = new Client({ name: 'auditgym', version: '1' });
  const state: { closed: boolean; lastError: string | undefined } = { closed: false, lastError: undefined };
  // Without handlers the SDK would drop these; we keep the last one to explain a later failure.
  client.onerror = (error) => {
    state.lastError = error.message;
  };
  client.onclose = () => {
    state.closed = true;
  };

  let listed: McpTool[];
  try {
    const requestOptions = { timeout: timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) };
    await client.connect(transport, requestOptions);
    listed = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, requestOptions);
      listed.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  } catch (error) {
    await client.close().catch(() => undefined);
    if (options.signal?.aborted === true || isAbortError(error)) throw error;
    throw new UserError('mcp-connect-failed', `could not connect to MCP server "${spec.name}": ${describe(error)}${stderrNote(stderr.tail)}`, {
      field: 'transport',
      fix:
        spec.transport.type === 'stdio'
          ? `check that \`${[spec.transport.command, ...(spec.transport.args ?? [])].join(' ')}\` starts an MCP server on stdio`
          : `check that ${spec.transport.url} serves MCP over streamable HTTP, and its headers`,
      cause: error,
    });
  }

  try {
    return { tools: wrapTools(spec, client, listed, { timeoutMs, stderr, state }), close: () => client.close() };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

interface Connection {
  timeoutMs: number;
  stderr: { tail: string };
  state: { closed: boolean; lastError: string | undefined };
}

function wrapTools(spec: McpServerSpec, client: Client, listed: McpTool[], connection: Connection): Tool[] {
  const { timeoutMs, stderr, state } = connection;
  const version = client.getServerVersion()?.version ?? '0.0.0';
  const names = new Set<string>();
  return chooseTools(spec, listed).map((remote): Tool => {
    const name = toolName(spec.name, remote.name);
    if (names.has(name)) {
      throw new UserError('mcp-tool-name-clash', `MCP server "${spec.name}" has two tools that are both offered as "${name}"`, {
        field: 'tools',
        fix: 'list only one of them under tools',
      });
    }
    names.add(name);
    return defineTool({
      name,
      version,
      description: remote.description ?? remote.title ?? `Tool "${remote.name}" of MCP server "${spec.name}".`,
      family: 'mcp',
      input: AnyArguments,
      parameters: modelSchema(remote.inputSchema),
      async run(input, context) {
        if (state.closed) {
          const why = state.lastError === undefined ? '' : ` (${state.lastError})`;
          const note = stderrNote(stderr.tail);
          throw new ToolError(`MCP server "${spec.name}" is disconnected${why}${note}; its tools cannot be used any more in this game`, { code: 'mcp-disconnected' });
        }
        let result: Awaited<ReturnType<Client['callTool']>>;
        try {
          result = await client.callTool({ name: remote.name, arguments: input }, undefined, {
            signal: context.signal,
            timeout: timeoutMs,
          });
        } catch (error) {
          // The game's own abort (wall time, Ctrl-C) ends the game; it is not the server's failure.
          if (context.signal.aborted) throw error;
          throw new ToolError(callFailure(spec, remote.name, error, stderr.tail), { code: 'mcp-call-failed', cause: error });
        }
        return render(result);
      },
    });
  });
}

function createTransport(spec: McpServerSpec, stderr: { tail: string }): Transport {
  const transport = spec.transport;
  if (transport.type === 'http') {
    return new StreamableHTTPClientTransport(new URL(transport.url), {
      requestInit: { headers: transport.headers ?? {} },
    });
  }
  const stdio = new StdioClientTransport({
    command: transport.command,
    args: transport.args ?? [],
    ...(transport.env === undefined ? {} : { env: transport.env }),
    ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
    // Piped, not inherited: the server's own messages would garble our output, and the last of them
    // explain a crash better than "connection closed".
    stderr: 'pipe',
  });
  stdio.stderr?.on('data', (chunk: Buffer | string) => {
    stderr.tail = (stderr.tail + chunk.toString()).slice(-STDERR_TAIL);
  });
  return stdio;
}

function chooseTools(spec: McpServerSpec, listed: McpTool[]): McpTool[] {
  if (spec.tools === undefined) return listed;
  const byName = new Map(listed.map((tool) => [tool.name, tool]));
  const missing = spec.tools.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new UserError('mcp-tool-unknown', `MCP server "${spec.name}" has no tool ${missing.map((name) => `"${name}"`).join(', ')}`, {
      field: 'tools',
      fix: `use some of: ${listed.map((tool) => tool.name).join(', ') || '(the server offers no tools)'}`,
    });
  }
  return spec.tools.map((name) => byName.get(name)).filter((tool) => tool !== undefined);
}

/** Model providers accept only these characters in tool names, and at most 64 of them. */
export function toolName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, NAME_LIMIT);
}

function modelSchema(inputSchema: McpTool['inputSchema']): Record<string, unknown> {
  const schema: Record<string, unknown> = { ...inputSchema };
  // Some providers reject a `$schema` key in tool parameters; auditgym's own schemas leave it out too.
  delete schema.$schema;
  return schema;
}

function render(result: Awaited<ReturnType<Client['callTool']>>): ToolOutput {
  if (!('content' in result)) {
    // A server on the protocol's first version answers with `toolResult` instead of content.
    return { output: bound(JSON.stringify(result.toolResult) ?? '', OUTPUT_LIMIT), data: result };
  }
  const content = result.content as ContentBlock[];
  let text = content.map(renderPart).join('\n');
  if (text === '' && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  // The server's own report of a failed call: the auditor reads the server's words, stored as a failure.
  if (result.isError === true) throw new ToolError(bound(text || 'the tool failed without saying why', OUTPUT_LIMIT), { code: 'mcp-tool-error' });
  return { output: bound(text, OUTPUT_LIMIT), data: { content, structuredContent: result.structuredContent } };
}

function renderPart(part: ContentBlock): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return '[image]';
    case 'audio':
      return '[audio]';
    case 'resource':
      return `[resource ${part.resource.uri}]`;
    case 'resource_link':
      return `[resource ${part.uri}]`;
    default:
      return `[${(part as { type: string }).type}]`;
  }
}

function callFailure(spec: McpServerSpec, tool: string, error: unknown, stderrTail: string): string {
  const server = `MCP server "${spec.name}"`;
  if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
    return `${server} did not finish tool "${tool}" within ${spec.timeoutSeconds}s (timed out); the call was cancelled`;
  }
  if (error instanceof McpError && error.code === (ErrorCode.ConnectionClosed as number)) {
    return `${server} disconnected during tool "${tool}" (it may have crashed)${stderrNote(stderrTail)}`;
  }
  return `${server} failed on tool "${tool}": ${describe(error)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stderrNote(tail: string): string {
  const trimmed = tail.trim();
  return trimmed === '' ? '' : `; its last error output: ${trimmed.slice(-500)}`;
}
