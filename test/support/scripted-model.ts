import type { Capability } from '../../src/contracts/common.js';
import type { ChatRequest, ChatResponse, ToolCall } from '../../src/contracts/messages.js';
import type { CallOptions, ChatModel } from '../../src/contracts/model.js';

/**
 * A scripted model: it replays canned turns in order, for unit tests of agent loops only. It is never
 * a target and is not reachable from any provider name. Each step may look at the request, so tests
 * can assert what the loop sent.
 */
export type ScriptedStep =
  { text?: string; toolCalls?: Array<{ name: string; arguments: unknown }> } | ((request: ChatRequest) => { text?: string; toolCalls?: Array<{ name: string; arguments: unknown }> });

export class ScriptedModel implements ChatModel {
  readonly id = 'scripted:model';
  readonly provider = 'scripted';
  readonly capabilities: ReadonlySet<Capability> = new Set(['chat', 'system-prompt']);
  readonly requests: ChatRequest[] = [];
  #step = 0;
  #calls = 0;

  constructor(
    private readonly steps: ScriptedStep[],
    private readonly tokensPerTurn = 100,
  ) {}

  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    options.signal.throwIfAborted();
    this.requests.push(structuredClone(request));
    const step = this.steps[Math.min(this.#step++, this.steps.length - 1)];
    if (step === undefined) throw new Error('the script is empty');
    const turn = typeof step === 'function' ? step(request) : step;
    const toolCalls: ToolCall[] = (turn.toolCalls ?? []).map((call) => ({
      id: `call_${++this.#calls}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    return {
      text: turn.text ?? '',
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool-calls' : 'stop',
      usage: { inputTokens: this.tokensPerTurn, outputTokens: 0 },
      model: this.id,
    };
  }
}
