import { z } from 'zod';

const StringMap = z.record(z.string(), z.string());
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, e.g. MY_TOKEN');
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);

const StdioTransport = z.strictObject({
  type: z.literal('stdio'),
  command: z.string().min(1).describe('The program that runs the MCP server, e.g. `npx` or `node`.'),
  args: z.array(z.string()).optional().describe('Arguments for the command.'),
  env: StringMap.optional().describe('Extra environment variables for the server process (not secrets: use passEnv).'),
  passEnv: z.array(EnvName).max(50).optional().describe("Variables copied from auditgym's own environment, e.g. a token the server needs; their values never appear in a spec."),
  cwd: z.string().min(1).optional().describe('Working directory of the server process.'),
});

const HttpTransport = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }).describe('The streamable HTTP endpoint of the MCP server.'),
  headers: StringMap.refine((headers) => Object.keys(headers).every((name) => !SECRET_HEADERS.has(name.toLowerCase())), {
    error: 'headers that carry secrets (Authorization, API keys, cookies) go in headersFromEnv, which names the environment variable holding the value',
  })
    .optional()
    .describe('Non-secret headers sent with every request.'),
  headersFromEnv: z.record(z.string(), EnvName).optional().describe('Headers whose values are read from environment variables at connect time, e.g. { Authorization: MCP_AUTH }.'),
});

/**
 * An MCP server whose tools become auditing affordances. Its name prefixes each tool's name
 * (`<name>__<tool>`), so it is limited to characters every model provider accepts in tool names.
 */
export const McpServerSpec = z.strictObject({
  name: z
    .string()
    .max(40)
    .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "-" and "_", starting with a letter')
    .describe('Short name of the server; its tools are offered as `<name>__<tool>`.'),
  transport: z.discriminatedUnion('type', [StdioTransport, HttpTransport]),
  tools: z.array(z.string().min(1)).min(1).optional().describe("Offer only these of the server's tools; all when omitted."),
  timeoutSeconds: z.number().positive().max(3600).default(30).describe('How long one tool call may take before it is cancelled.'),
});
export type McpServerSpec = z.infer<typeof McpServerSpec>;
