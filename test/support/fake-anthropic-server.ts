import { startFakeServer, type FakeServer, type FakeServerOptions } from './fake-server.js';

export type FakeAnthropicServer = FakeServer;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

/** A local server speaking Anthropic Messages (`/v1/messages`), errors in Anthropic's shape. */
export function startFakeAnthropicServer(options: FakeServerOptions): Promise<FakeAnthropicServer> {
  return startFakeServer(options, {
    pathPrefix: '',
    key: (headers) => (Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key']),
    error: (status, message) => ({ type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } }),
  });
}

let counter = 0;

/** An Anthropic message carrying text and/or tool_use blocks. */
export function anthropicReply(options: { text?: string; toolUses?: Array<{ id?: string; name: string; input: unknown }>; stopReason?: string; usage?: [number, number] }): object {
  const content: unknown[] = [];
  if (options.text !== undefined) content.push({ type: 'text', text: options.text });
  for (const [index, use] of (options.toolUses ?? []).entries()) content.push({ type: 'tool_use', id: use.id ?? `toolu_${index}`, name: use.name, input: use.input });
  const [input, output] = options.usage ?? [12, 6];
  return {
    id: `msg_${++counter}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-fake',
    content,
    stop_reason: options.stopReason ?? (options.toolUses?.length ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output },
  };
}
