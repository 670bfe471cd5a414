import type { Capability } from '../contracts/common.js';
import type { ErrorInfo } from '../contracts/errors.js';
import type { ChatRequest, ChatResponse, CompletionRequest } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import type { CorpusSpec, OrganismSpec } from '../contracts/organism.js';
import type { OpenOrganism } from './sealing.js';
import type { Hook, WhiteBox, WhiteBoxInput } from '../contracts/whitebox.js';
import { UserError, toErrorInfo } from './errors.js';

export interface TargetCall {
  role: 'target' | 'reference';
  model: string;
  /** The request as the auditor's tool formed it: the organism's hidden prompt is not part of it. */
  request: ChatRequest;
  response?: ChatResponse;
  error?: ErrorInfo;
}

/** The organism as the auditor's tools see it: a chat model whose implant stays hidden. */
export interface Target {
  readonly organismId: string;
  readonly model: string;
  readonly capabilities: ReadonlySet<Capability>;
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  complete?(request: CompletionRequest, options: CallOptions): Promise<ChatResponse>;
  sampleUserTurn?(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** White-box access, with the organism's hidden system prompt applied to chat-format inputs. */
  readonly whitebox?: WhiteBox;
  /** The model the organism is compared against, when there is one. */
  readonly reference?: Pick<Target, 'model' | 'chat' | 'whitebox'>;
  /** The organism's searchable training data, loaded. */
  readonly corpora: readonly CorpusSpec[];
}

/** The capabilities an organism offers, from its backend and its spec. */
export function targetCapabilities(organism: OrganismSpec, model: Pick<ChatModel, 'capabilities'>): Set<Capability> {
  const capabilities = new Set<Capability>([...model.capabilities, ...(organism.capabilities ?? [])]);
  if (organism.reference !== undefined) capabilities.add('reference-model');
  if (organism.corpora.length > 0) capabilities.add('training-data');
  return capabilities;
}

/**
 * Wraps a chat model as an organism. A hidden system prompt (the implant of a system-prompted quirk)
 * comes before any system prompt the auditor sets, the way a deployment's own instructions would.
 */
export function createTarget(options: {
  /** With its hidden system prompt opened (see `openTarget`): the backend is the one place it is used. */
  organism: OpenOrganism;
  model: ChatModel;
  referenceModel?: ChatModel | undefined;
  onCall?: (call: TargetCall) => void | Promise<void>;
}): Target {
  const { organism, model, referenceModel, onCall } = options;
  const capabilities = targetCapabilities(organism, model);
  if (organism.target.systemPrompt !== undefined && !capabilities.has('system-prompt')) {
    throw new UserError('capability-missing', `organism "${organism.id}" has a system prompt, but ${model.id} takes none`, {
      field: 'target.model',
      fix: 'choose a model whose provider accepts system prompts',
    });
  }

  const suffix = organism.target.userSuffix;
  const call = async (role: TargetCall['role'], chatModel: ChatModel, hiddenPrompt: string | undefined, request: ChatRequest, callOptions: CallOptions): Promise<ChatResponse> => {
    const system = [hiddenPrompt, request.system].filter((part) => part !== undefined && part !== '').join('\n\n');
    const sent: ChatRequest = withSuffix({ ...request }, suffix);
    if (system === '') delete sent.system;
    else sent.system = system;
    try {
      const response = await chatModel.chat(sent, callOptions);
      await onCall?.({ role, model: chatModel.id, request, response });
      return response;
    } catch (error) {
      await onCall?.({ role, model: chatModel.id, request, error: toErrorInfo(error) });
      throw error;
    }
  };

  const target: { -readonly [K in keyof Target]: Target[K] } = {
    organismId: organism.id,
    model: model.id,
    capabilities,
    corpora: organism.corpora,
    chat: (request, callOptions) => call('target', model, organism.target.systemPrompt, request, callOptions),
  };
  if (model.whitebox !== undefined && capabilities.has('activations')) target.whitebox = hideSystemPrompt(model.whitebox, organism.target.systemPrompt, suffix);
  if (model.sampleUserTurn !== undefined && capabilities.has('raw-completion')) {
    const sample = model.sampleUserTurn.bind(model);
    target.sampleUserTurn = (request, callOptions) => sample(withSystem(request, organism.target.systemPrompt), callOptions);
  }
  if (model.complete !== undefined && capabilities.has('raw-completion')) {
    const complete = model.complete.bind(model);
    return { ...target, complete, ...withReference() };
  }
  return { ...target, ...withReference() };

  function withReference(): Pick<Target, 'reference'> | Record<string, never> {
    if (organism.reference === undefined) return {};
    const reference = referenceModel ?? model;
    const hidden = organism.reference.systemPrompt;
    return {
      reference: {
        model: reference.id,
        chat: (request, callOptions) => call('reference', reference, hidden, request, callOptions),
        ...(reference.whitebox === undefined ? {} : { whitebox: hideSystemPrompt(reference.whitebox, hidden, suffix) }),
      },
    };
  }
}

function joinSystem(hidden: string | undefined, visible: string | undefined): string | undefined {
  const system = [hidden, visible].filter((part) => part !== undefined && part !== '').join('\n\n');
  return system === '' ? undefined : system;
}

function withSystem<T extends { system?: string | undefined }>(request: T, hidden: string | undefined): T {
  const system = joinSystem(hidden, request.system);
  const sent = { ...request };
  if (system === undefined) delete sent.system;
  else sent.system = system;
  return sent;
}

/** Every user message with the organism's hidden suffix after it, when it has one. */
function withSuffix<T extends { messages: ChatRequest['messages'] }>(request: T, suffix: string | undefined): T {
  if (suffix === undefined) return request;
  return { ...request, messages: request.messages.map((message) => (message.role === 'user' ? { ...message, content: `${message.content}${suffix}` } : message)) };
}

/**
 * White-box calls see the same prompt a chat would: the hidden system prompt before the auditor's,
 * and a chat turn's hidden suffix after the user's text (an open user turn is what the user goes on
 * to say, so it gets none).
 */
function hideSystemPrompt(whitebox: WhiteBox, hidden: string | undefined, suffix?: string): WhiteBox {
  if ((hidden === undefined || hidden === '') && suffix === undefined) return whitebox;
  const input = <T extends WhiteBoxInput>(request: T): T => {
    if (request.text === undefined || request.format === 'raw') return request;
    const framed = withSystem(request, hidden);
    return suffix !== undefined && request.format !== 'user' ? { ...framed, text: `${request.text}${suffix}` } : framed;
  };
  const wrapped: WhiteBox = {
    info: (options) => whitebox.info(options),
    tokenize: (request, options) => whitebox.tokenize(input(request), options),
    forward: (request, options) => whitebox.forward(input(request), options),
    logitLens: (request, options) => whitebox.logitLens(input(request), options),
    logprobs: (request, options) => whitebox.logprobs(input(request), options),
    readVector: (request, options) => whitebox.readVector(request, options),
    chat: (request: Parameters<WhiteBox['chat']>[0] & { hooks?: Hook[] | undefined }, options) => whitebox.chat(withSuffix(withSystem(request, hidden), suffix), options),
  };
  const dictionary = whitebox.dictionary?.bind(whitebox);
  if (dictionary !== undefined) wrapped.dictionary = dictionary;
  const search = whitebox.searchSteeringVectors?.bind(whitebox);
  if (search !== undefined) wrapped.searchSteeringVectors = (request, options) => search(input(request), options);
  return wrapped;
}
