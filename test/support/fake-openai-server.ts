import { startFakeServer, type FakeServer, type FakeServerOptions } from './fake-server.js';

export type FakeOpenAIServer = FakeServer;

/** A local server speaking OpenAI chat completions (`/v1/chat/completions`), errors in OpenAI's shape. */
export function startFakeOpenAIServer(options: FakeServerOptions): Promise<FakeOpenAIServer> {
  return startFakeServer(options, {
    pathPrefix: '/v1',
    key: (headers) => headers.authorization?.replace(/^Bearer /, ''),
    error: (status, message) => ({
      error: {
        message,
        type: status === 429 ? 'requests' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null,
      },
    }),
  });
}

let counter = 0;

/** An OpenAI chat completion carrying text or tool calls. */
export function openAIReply(options: {
  text?: string | null;
  toolCalls?: Array<{ id?: string; name: string; arguments: unknown }>;
  model?: string;
  usage?: [number, number];
  finishReason?: string;
}): object {
  const toolCalls = options.toolCalls?.map((call, index) => ({
    id: call.id ?? `call_${index}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
  const [input, output] = options.usage ?? [10, 5];
  return {
    id: `chatcmpl-${++counter}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: options.model ?? 'fake-model',
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: options.text ?? null, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: options.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
      },
    ],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  };
}
