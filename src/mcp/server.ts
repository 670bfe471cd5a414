import type { Readable, Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { Budgets } from '../contracts/environment.js';
import { isAbortError } from '../core/errors.js';
import { BudgetMeter } from '../core/meter.js';
import { ToolExecutor } from '../core/tools/executor.js';
import type { Tool, ToolContext } from '../core/tools/tool.js';
import type { TranscriptWriter } from '../core/transcript.js';

/** What a tool run needs besides its abort signal, which comes from each MCP request. */
export type McpToolContext = Omit<ToolContext, 'signal'>;

export interface McpToolServerOptions {
  name: string;
  version: string;
  tools: readonly Tool[];
  /** The target, seed and notes every call shares. */
  context: McpToolContext;
  /** The session's budgets: the harness counts calls against them as it does for any auditor. */
  budgets?: Budgets | undefined;
  /** Where the session's calls are recorded, when it is kept as a transcript. */
  transcript?: TranscriptWriter | undefined;
  clock?: () => number;
}

// A client session is an open-ended investigation, so its default budget is wide; wall time starts at connect.
const SESSION_BUDGETS: Budgets = { turns: 1_000_000, tokens: Number.MAX_SAFE_INTEGER, toolCalls: 10_000, wallTimeSeconds: 86_400 };

/**
 * Serves auditgym tools to any MCP client, so an agent outside auditgym can audit an organism. Every
 * call goes through the same tool executor as an auditor's inside auditgym: arguments checked with the
 * tool's schema, the tool-call budget enforced, failures answered as `isError` results.
 * The handlers are set on the low-level server because `registerTool` takes only object schemas,
 * while auditgym tools may take any zod input (e.g. the notes tool's discriminated union).
 */
export function createMcpToolServer(options: McpToolServerOptions): McpServer {
  const session = new AbortController();
  const executor = new ToolExecutor({
    tools: options.tools,
    context: options.context,
    signal: session.signal,
    meter: new BudgetMeter(options.budgets ?? SESSION_BUDGETS, options.clock ?? (() => Date.now())),
    transcript: options.transcript,
  });
  const listed: McpTool[] = executor.definitions().map((definition) => ({ name: definition.name, description: definition.description, inputSchema: objectSchema(definition.parameters) }));

  const server = new McpServer({ name: options.name, version: options.version }, { capabilities: { tools: {} } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  const inFlight = new Set<Promise<unknown>>();
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const call = (async (): Promise<CallToolResult> => {
      try {
        const result = await executor.call(request.params.name, request.params.arguments ?? {}, { signal: extra.signal });
        return { content: [{ type: 'text', text: result.output }], isError: !result.ok };
      } catch (error) {
        if (extra.signal.aborted || isAbortError(error)) return failure('the call was cancelled');
        throw error;
      }
    })();
    inFlight.add(call);
    try {
      return await call;
    } finally {
      inFlight.delete(call);
    }
  });
  idleOf.set(server, async () => {
    // Requests already read are dispatched on a later turn of the event loop: let them start first.
    for (;;) {
      await new Promise((next) => setImmediate(next));
      if (inFlight.size === 0) return;
      await Promise.allSettled([...inFlight]);
    }
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    session.abort();
    previous?.();
  };
  return server;
}

// Lets the stdio server finish calls in flight before it closes on a hang-up.
const idleOf = new WeakMap<McpServer, () => Promise<void>>();

/**
 * Serves over stdin and stdout (this process's unless others are given), as MCP clients such as
 * Claude Code expect. Nothing else may write to that stdout while it runs. `closed` settles when
 * the client goes away.
 */
export async function serveMcpStdio(server: McpServer, io: { stdin?: Readable; stdout?: Writable; stderr?: Writable } = {}): Promise<{ closed: Promise<void> }> {
  const stdin = io.stdin ?? process.stdin;
  const out = io.stdout ?? process.stdout;
  const transport = new StdioServerTransport(stdin, out);
  const closed = new Promise<void>((resolve) => {
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
  });
  // The SDK's transport does not notice the client closing our stdin, which is how clients hang up.
  // Calls already made are answered first: a client may write its last request and close at once.
  stdin.once('end', () => void (idleOf.get(server)?.() ?? Promise.resolve()).then(() => server.close()).catch(() => undefined));
  await server.connect(transport);
  // A line that is not JSON-RPC gets JSON-RPC's parse error, not silence, and a note on stderr.
  const previousError = server.server.onerror;
  server.server.onerror = (error) => {
    previousError?.(error);
    if (error instanceof SyntaxError || error.name === 'ZodError' || /JSON|parse/i.test(error.message)) {
      out.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${error.message.split('\n')[0]}` } })}\n`);
      (io.stderr ?? process.stderr).write(`auditgym mcp: ignored a line that is not JSON-RPC (${error.message.split('\n')[0]})\n`);
    }
  };
  return { closed };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: `error: ${message}` }], isError: true };
}

/** MCP requires an object schema at the top; a union input is still an object, so say so. */
function objectSchema(schema: Record<string, unknown>): McpTool['inputSchema'] {
  return { ...schema, type: 'object' } as McpTool['inputSchema'];
}
