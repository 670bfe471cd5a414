import type { Readable, Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { AuditgymError, UserError, isAbortError } from '../core/errors.js';
import { toolDefinition, type Tool, type ToolContext } from '../core/tools/tool.js';

/** What a tool run needs besides its abort signal, which comes from each MCP request. */
export type McpToolContext = Omit<ToolContext, 'signal'>;

export interface McpToolServerOptions {
  name: string;
  version: string;
  tools: readonly Tool[];
  /** Called for every tool call: the target, seed and notes the calls share. */
  context: () => McpToolContext;
}

/**
 * Serves auditgym tools to any MCP client, so an agent outside auditgym can audit an organism.
 * The handlers are set on the low-level server because `registerTool` takes only object schemas,
 * while auditgym tools may take any zod input (e.g. the notes tool's discriminated union).
 */
export function createMcpToolServer(options: McpToolServerOptions): McpServer {
  const byName = new Map<string, Tool>();
  for (const tool of options.tools) {
    if (byName.has(tool.name)) throw new Error(`tool "${tool.name}" is given twice`);
    byName.set(tool.name, tool);
  }
  const listed: McpTool[] = options.tools.map((tool) => {
    const definition = toolDefinition(tool);
    return { name: definition.name, description: definition.description, inputSchema: objectSchema(definition.parameters) };
  });

  const server = new McpServer({ name: options.name, version: options.version }, { capabilities: { tools: {} } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (tool === undefined) {
      return failure(`unknown tool "${request.params.name}"; use one of: ${[...byName.keys()].join(', ')}`);
    }
    const parsed = tool.input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? '(arguments)' : issue.path.map(String).join('.');
      return failure(`invalid arguments for "${tool.name}": ${field}: ${issue?.message ?? 'invalid input'}`);
    }
    try {
      const result = await tool.run(parsed.data, { ...options.context(), signal: extra.signal });
      // Tools report failures the auditor should read as `error: …` outputs (see toolError).
      return { content: [{ type: 'text', text: result.output }], isError: result.output.startsWith('error:') };
    } catch (error) {
      if (extra.signal.aborted || isAbortError(error)) return failure('the call was cancelled');
      // Domain errors are the client's to read; anything else is our bug and goes out as a protocol error.
      if (!(error instanceof AuditgymError)) throw error;
      const fix = error instanceof UserError && error.fix !== undefined ? ` (${error.fix})` : '';
      return failure(`${error.message}${fix}`);
    }
  });
  return server;
}

/**
 * Serves over stdin and stdout (this process's unless others are given), as MCP clients such as
 * Claude Code expect. Nothing else may write to that stdout while it runs. `closed` settles when
 * the client goes away.
 */
export async function serveMcpStdio(server: McpServer, io: { stdin?: Readable; stdout?: Writable } = {}): Promise<{ closed: Promise<void> }> {
  const stdin = io.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, io.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
  });
  // The SDK's transport does not notice the client closing our stdin, which is how clients hang up.
  stdin.once('end', () => void server.close().catch(() => undefined));
  await server.connect(transport);
  return { closed };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: `error: ${message}` }], isError: true };
}

/** MCP requires an object schema at the top; a union input is still an object, so say so. */
function objectSchema(schema: Record<string, unknown>): McpTool['inputSchema'] {
  return { ...schema, type: 'object' } as McpTool['inputSchema'];
}
