import { z } from 'zod';
import type { ChatMessage, ChatRequest, ChatResponse, ToolCall } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import { HttpChatModel } from './settings.js';

const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 1_024;

const ContentBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('thinking'), thinking: z.string().optional() }).passthrough(),
  z.object({ type: z.literal('redacted_thinking') }).passthrough(),
]);

const MessagesResponse = z.object({
  model: z.string().nullish(),
  content: z.array(ContentBlock),
  stop_reason: z.string().nullish(),
  usage: z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
});

const AnthropicError = z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) });

function errorMessage(body: unknown): string | undefined {
  const parsed = AnthropicError.safeParse(body);
  return parsed.success ? `${parsed.data.error.type}: ${parsed.data.error.message}` : undefined;
}

function stopReason(reason: string | null | undefined): ChatResponse['finishReason'] {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Anthropic's turns alternate strictly; consecutive tool results share one user turn. */
function toWireMessages(messages: readonly ChatMessage[]): Array<{ role: 'user' | 'assistant'; content: unknown[] }> {
  const wire: Array<{ role: 'user' | 'assistant'; content: unknown[] }> = [];
  const push = (role: 'user' | 'assistant', block: unknown) => {
    const last = wire.at(-1);
    if (last !== undefined && last.role === role) last.content.push(block);
    else wire.push({ role, content: [block] });
  };
  for (const message of messages) {
    if (message.role === 'user') push('user', { type: 'text', text: message.content });
    else if (message.role === 'tool') {
      push('user', { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content, ...(message.isError === true ? { is_error: true } : {}) });
    } else {
      if (message.content !== '') push('assistant', { type: 'text', text: message.content });
      for (const call of message.toolCalls ?? []) push('assistant', { type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) });
    }
  }
  return wire;
}

function parseInput(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

/** Anthropic Messages API. Prefill is a trailing assistant turn, which the API continues. */
export class AnthropicModel extends HttpChatModel implements ChatModel {
  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    const messages = toWireMessages(request.messages);
    // The API rejects a final assistant turn that ends in white space.
    const prefill = request.prefill?.replace(/\s+$/u, '');
    if (prefill !== undefined && prefill !== '') {
      this.requireCapability('prefill');
      messages.push({ role: 'assistant', content: [{ type: 'text', text: prefill }] });
    }
    const body: Record<string, unknown> = {
      model: this.model,
      max_tokens: request.maxTokens ?? this.settings.maxTokens ?? DEFAULT_MAX_TOKENS,
      messages,
    };
    if (request.system !== undefined) body.system = request.system;
    const temperature = request.temperature ?? this.settings.temperature;
    if (temperature !== undefined) body.temperature = Math.min(1, temperature);
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.tools !== undefined && request.tools.length > 0) {
      body.tools = request.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
      const choice = request.toolChoice;
      if (choice === 'required') body.tool_choice = { type: 'any' };
      else if (choice === 'none') body.tool_choice = { type: 'none' };
      else if (choice === 'auto') body.tool_choice = { type: 'auto' };
      else if (choice !== undefined) body.tool_choice = { type: 'tool', name: choice.name };
    }
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    const key = this.settings.apiKey();
    if (key !== undefined) headers['x-api-key'] = key;
    const raw = await this.post(`${this.settings.baseUrl}/v1/messages`, body, headers, errorMessage, options);
    const parsed = MessagesResponse.safeParse(raw);
    if (!parsed.success) throw this.badResponse(parsed.error);
    let text = '';
    const toolCalls: ToolCall[] = [];
    for (const block of parsed.data.content) {
      if (block.type === 'text') text += block.text;
      else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
    return {
      text: prefill !== undefined && prefill !== '' ? prefill + text : text,
      toolCalls,
      finishReason: stopReason(parsed.data.stop_reason),
      usage: { inputTokens: parsed.data.usage?.input_tokens ?? 0, outputTokens: parsed.data.usage?.output_tokens ?? 0 },
      model: parsed.data.model ?? this.model,
    };
  }
}
