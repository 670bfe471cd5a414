import type { Capability } from '../contracts/common.js';
import type { ErrorInfo } from '../contracts/errors.js';
import type { ChatRequest, ChatResponse, CompletionRequest } from '../contracts/messages.js';
import type { CallOptions, ChatModel } from '../contracts/model.js';
import type { OrganismSpec } from '../contracts/organism.js';
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
  /** The model the organism is compared against, when there is one. */
  readonly reference?: Pick<Target, 'model' | 'chat'>;
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
  organism: OrganismSpec;
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

  const call = async (
    role: TargetCall['role'],
    chatModel: ChatModel,
    hiddenPrompt: string | undefined,
    request: ChatRequest,
    callOptions: CallOptions,
  ): Promise<ChatResponse> => {
    const system = [hiddenPrompt, request.system].filter((part) => part !== undefined && part !== '').join('\n\n');
    const sent: ChatRequest = { ...request };
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

  const target: Target = {
    organismId: organism.id,
    model: model.id,
    capabilities,
    chat: (request, callOptions) => call('target', model, organism.target.systemPrompt, request, callOptions),
  };
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
      },
    };
  }
}
