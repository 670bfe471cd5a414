import { z } from 'zod';
import { ChatResponse } from '../contracts/messages.js';
import type { CallOptions } from '../contracts/model.js';
import {
  ForwardResult,
  LensResult,
  LogprobsResult,
  TokenScore,
  TokenizeResult,
  WhiteBoxInfo,
  type ForwardRequest,
  type LensRequest,
  type ReadVectorRequest,
  type SteeringSearchRequest,
  type WhiteBox,
  type WhiteBoxInput,
} from '../contracts/whitebox.js';
import { ProviderError } from '../core/errors.js';

type Post = (path: string, body: unknown, options: CallOptions) => Promise<unknown>;
type Get = (path: string, options: CallOptions) => Promise<unknown>;

/**
 * The white-box protocol (docs/whitebox-protocol.md) from the client side: any server that speaks it,
 * such as `auditgym serve` or a Python server in front of a large model, gets the white-box tools.
 * Every response is checked against the protocol's schemas.
 */
export class HttpWhiteBox implements WhiteBox {
  #info: WhiteBoxInfo | undefined;

  constructor(
    private readonly model: string,
    private readonly post: Post,
    private readonly get: Get,
  ) {}

  #parse<T>(schema: z.ZodType<T>, body: unknown, route: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError('bad-response', `${this.model}: ${route} answered an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    return parsed.data;
  }

  async info(options: CallOptions): Promise<WhiteBoxInfo> {
    // The protocol's info carries extra fields (hook layers); only the contract's are kept.
    this.#info ??= this.#parse(WhiteBoxInfo, pick(await this.get('/whitebox/info', options), ['model', 'protocol', 'config']), 'whitebox/info');
    return this.#info;
  }

  async tokenize(input: WhiteBoxInput, options: CallOptions) {
    return this.#parse(TokenizeResult, await this.post('/whitebox/tokenize', input, options), 'whitebox/tokenize');
  }

  async forward(request: ForwardRequest, options: CallOptions) {
    return this.#parse(ForwardResult, await this.post('/whitebox/forward', request, options), 'whitebox/forward');
  }

  async logitLens(request: LensRequest, options: CallOptions) {
    return this.#parse(LensResult, await this.post('/whitebox/logit-lens', request, options), 'whitebox/logit-lens');
  }

  async logprobs(input: WhiteBoxInput, options: CallOptions) {
    return this.#parse(LogprobsResult, await this.post('/whitebox/logprobs', input, options), 'whitebox/logprobs');
  }

  async readVector(request: ReadVectorRequest, options: CallOptions) {
    return this.#parse(z.object({ top: z.array(TokenScore) }), await this.post('/whitebox/read-vector', request, options), 'whitebox/read-vector').top;
  }

  async chat(request: Parameters<WhiteBox['chat']>[0], options: CallOptions) {
    const body = {
      messages: request.messages.map((message) => ({ role: message.role === 'assistant' ? 'assistant' : 'user', content: message.content })),
      hooks: request.hooks ?? [],
      ...(request.system === undefined ? {} : { system: request.system }),
      ...(request.prefill === undefined ? {} : { prefill: request.prefill }),
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
    };
    return this.#parse(ChatResponse, await this.post('/whitebox/chat', body, options), 'whitebox/chat');
  }

  async searchSteeringVectors(request: SteeringSearchRequest, options: CallOptions) {
    return this.#parse(z.object({ vectors: z.array(z.array(z.number())) }), await this.post('/whitebox/steering-search', request, options), 'whitebox/steering-search').vectors;
  }
}

function pick(body: unknown, keys: readonly string[]): unknown {
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => keys.includes(key)));
}
