import { z } from 'zod';

const StringMap = z.record(z.string(), z.string());

const StdioTransport = z.strictObject({
  type: z.literal('stdio'),
  command: z.string().min(1).describe('The program that runs the MCP server, e.g. `npx` or `node`.'),
  args: z.array(z.string()).optional().describe('Arguments for the command.'),
  env: StringMap.optional().describe('Extra environment variables for the server process.'),
  cwd: z.string().min(1).optional().describe('Working directory of the server process.'),
});

const HttpTransport = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }).describe('The streamable HTTP endpoint of the MCP server.'),
  headers: StringMap.optional().describe('Headers sent with every request, e.g. Authorization.'),
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
