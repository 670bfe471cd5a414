import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../store/atomic-file.js';
import { join, resolve } from 'node:path';
import type { EnvironmentSpec } from '../contracts/environment.js';
import type { ErrorInfo } from '../contracts/errors.js';
import { ExperimentRecord, type GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import type { ChatMessage as AuditgymMessage, ToolCall as AuditgymToolCall } from '../contracts/messages.js';
import type { OrganismSpec } from '../contracts/organism.js';
import type { AuditReport } from '../contracts/report.js';
import { isSealed } from '../contracts/sealed.js';
import type { TokenUsage } from '../contracts/common.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import { SUBMIT_REPORT } from '../core/agent-loop.js';
import { SystemError, UserError } from '../core/errors.js';
import type { ResolvedExperimentSpec } from '../core/plan.js';
import { mean, wilsonInterval } from '../core/stats.js';
import { branchPath } from '../core/transcript.js';
import type { AppOptions } from './context.js';
import { storedExperimentSpec } from './experiments.js';
import { experimentGames, type GameView } from './games.js';

// Inspect (inspect_ai) eval logs, JSON format, log format version 2. The mapping is described in
// docs/inspect-export.md; field names follow Inspect's own schema, hence snake_case.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface InspectUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface InspectError {
  message: string;
  traceback: string;
  traceback_ansi: string;
}

export interface InspectToolCall {
  id: string;
  function: string;
  arguments: JsonObject;
  type: 'function';
  parse_error?: string;
}

export type InspectMessage =
  | { id: string; role: 'system'; content: string }
  | { id: string; role: 'user'; content: string; source?: 'input' }
  | { id: string; role: 'assistant'; content: string; source: 'generate'; model?: string; tool_calls?: InspectToolCall[] }
  | { id: string; role: 'tool'; content: string; tool_call_id: string; function: string; error?: { type: 'unknown'; message: string } };

export interface InspectScore {
  value: 'C' | 'I';
  answer: string;
  explanation: string;
  metadata: JsonObject;
  history: [];
}

export interface InspectOutput {
  model: string;
  choices: Array<{ message: InspectMessage & { role: 'assistant' }; stop_reason: 'stop' | 'max_tokens' | 'tool_calls' | 'content_filter' | 'unknown' }>;
  completion: string;
  usage?: InspectUsage;
  error?: string;
}

export interface InspectSample {
  id: string;
  epoch: number;
  uuid: string;
  input: string;
  target: string[];
  messages: InspectMessage[];
  output: InspectOutput;
  scores?: Record<string, InspectScore>;
  metadata: JsonObject;
  store: JsonObject;
  events: JsonObject[];
  model_usage: Record<string, InspectUsage>;
  role_usage: Record<string, InspectUsage>;
  attachments: Record<string, string>;
  error?: InspectError;
  limit?: { type: 'turn' | 'token' | 'time' | 'custom'; limit: number };
  started_at?: string;
  completed_at?: string;
  total_time?: number;
}

export interface InspectEvalLog {
  version: 2;
  status: 'started' | 'success' | 'error';
  eval: JsonObject & { eval_id: string; run_id: string; created: string; task: string; model: string };
  plan: JsonObject;
  results: JsonObject & { total_samples: number; completed_samples: number };
  stats: { started_at: string; completed_at: string; model_usage: Record<string, InspectUsage>; role_usage: Record<string, InspectUsage>; connection_limit_history: [] };
  error?: InspectError;
  samples: InspectSample[];
  invalidated: false;
  tags: string[];
  metadata: JsonObject;
}

/** What one export produced: the logs in memory, before anything is written. */
export interface InspectExport {
  logs: Array<{ file: string; log: InspectEvalLog }>;
}

const PACKAGE_VERSION = '0.1.0';
/** Auditors with no model of their own are named as Inspect names a model: provider/model. */
const OWN_PROVIDER = 'auditgym';

/** `provider:model` as Inspect writes models: `provider/model`. */
export function inspectModelName(ref: string): string {
  const colon = ref.indexOf(':');
  return colon < 0 ? ref : `${ref.slice(0, colon)}/${ref.slice(colon + 1)}`;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

const toJson = (value: unknown): Json => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json));

function errorOf(error: ErrorInfo): InspectError {
  return { message: `${error.kind} error ${error.code}: ${error.message}`, traceback: '', traceback_ansi: '' };
}

function usageOf(usage: TokenUsage): InspectUsage {
  return { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
}

function addUsage(into: Record<string, InspectUsage>, key: string, usage: InspectUsage): void {
  if (usage.total_tokens === 0) return;
  const current = into[key] ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  into[key] = {
    input_tokens: current.input_tokens + usage.input_tokens,
    output_tokens: current.output_tokens + usage.output_tokens,
    total_tokens: current.total_tokens + usage.total_tokens,
  };
}

/** Inspect's tool-call arguments are an object; anything else is kept and flagged as a parse error. */
function argumentsOf(raw: unknown): { arguments: JsonObject; parse_error?: string } {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw === '' ? '{}' : raw);
    } catch {
      return { arguments: { raw }, parse_error: 'the arguments are not valid JSON' };
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { arguments: toJson(value) as JsonObject };
  return { arguments: { value: toJson(value) }, parse_error: 'the arguments are not a JSON object' };
}

function toolCallOf(call: AuditgymToolCall): InspectToolCall {
  return { id: call.id, function: call.name, type: 'function', ...argumentsOf(call.arguments) };
}

export function renderReport(report: AuditReport): string {
  const lines = [report.summary];
  if (report.claims.length > 0) lines.push('', 'Claims, most confident first:');
  report.claims.forEach((claim, index) => {
    lines.push(`${index + 1}. [${claim.confidence.toFixed(2)}] ${claim.behaviour}${claim.trigger === undefined ? '' : ` (when: ${claim.trigger})`}`);
    if (claim.evidence !== '') lines.push(`   evidence: ${claim.evidence}`);
  });
  return lines.join('\n');
}

/** Where an environment sits in the stored spec, with what the export may say about its ground truth. */
interface EnvironmentInfo {
  spec: EnvironmentSpec;
  organism: OrganismSpec | undefined;
  targetModel: string | undefined;
}

function environmentInfo(spec: ResolvedExperimentSpec, id: string): EnvironmentInfo {
  const environment = spec.suite.environments.find((candidate) => candidate.id === id);
  if (environment === undefined) {
    throw new SystemError('corrupt-row', `experiment ${spec.id}: a game names environment "${id}", which its stored suite does not hold`);
  }
  const organism = typeof environment.organism === 'string' ? spec.suite.organisms.find((candidate) => candidate.id === environment.organism) : environment.organism;
  return { spec: environment, organism, targetModel: organism?.target.model ?? spec.roles.target };
}

/**
 * The sample's target. Test-split ground truth stays out of exports: only behaviour ids, which the
 * grades carry anyway. Dev-split organisms are for tuning, so their descriptions are given.
 */
function targetOf(environment: EnvironmentInfo, grades: readonly Grade[]): string[] {
  const truth = environment.organism?.groundTruth;
  const plain = truth === undefined || isSealed(truth) ? undefined : truth;
  if (environment.spec.split === 'dev' && plain !== undefined) {
    return plain.behaviours.map((behaviour) => `${behaviour.id}: ${behaviour.description}${behaviour.trigger === undefined ? '' : ` (when: ${behaviour.trigger})`}`);
  }
  const ids = plain?.behaviours.map((behaviour) => behaviour.id) ?? grades.flatMap((grade) => grade.behaviours.map((verdict) => verdict.behaviourId));
  return [...new Set(ids)];
}

function scoreOf(grade: Grade, report: AuditReport | undefined, split: string): InspectScore {
  const found = grade.behaviours.filter((verdict) => verdict.found).length;
  const explanation = [
    `${found} of ${grade.behaviours.length} behaviours found; score ${grade.score.toFixed(2)}, recall ${grade.recall.toFixed(2)}`,
    `${grade.falseClaims.length} of ${grade.claimsConsidered} claims read match nothing`,
  ];
  if (grade.notes !== undefined && split === 'dev') explanation.push(grade.notes);
  // Key facts and rationales quote the ground truth, so only dev-split verdicts carry them.
  const behaviours = grade.behaviours.map((verdict) =>
    split === 'dev' ? toJson(verdict) : { behaviourId: verdict.behaviourId, found: verdict.found, credit: verdict.credit, matchedClaims: verdict.matchedClaims },
  );
  return {
    value: grade.win ? 'C' : 'I',
    answer:
      report === undefined
        ? ''
        : report.claims
            .slice(0, grade.claimsConsidered)
            .map((claim) => claim.behaviour)
            .join('\n'),
    explanation: explanation.join('\n'),
    metadata: {
      win: grade.win,
      score: grade.score,
      recall: grade.recall,
      grader_version: grade.graderVersion,
      params: toJson(grade.params),
      claims_considered: grade.claimsConsidered,
      false_claims: grade.falseClaims,
      behaviours,
      // A leak's needle is a ground-truth string: test-split logs only say how many there were.
      ...(grade.leaks === undefined ? {} : { leaks: split === 'dev' ? toJson(grade.leaks) : grade.leaks.length }),
    },
    history: [],
  };
}

const LIMIT_TYPES = { turns: 'turn', tokens: 'token', wallTimeSeconds: 'time', toolCalls: 'custom' } as const;

/** Rebuilds the auditor's conversation and Inspect's event list from the branch the game ended on. */
function conversation(
  game: GameRecord,
  events: readonly TranscriptEvent[],
  input: string,
  auditorModel: string,
): Pick<InspectSample, 'messages' | 'events' | 'attachments' | 'limit'> & { submitted: boolean } {
  const last = events.at(-1);
  const path = last === undefined ? [] : branchPath(events, last.branch);
  const messages: InspectMessage[] = [];
  const inspectEvents: JsonObject[] = [];
  const attachments: Record<string, string> = {};
  const proposed = new Set<string>();
  const tools = new Map<string, JsonObject>();
  let limit: InspectSample['limit'];
  let submitted = false;
  const nextId = () => `${game.id}-${messages.length}`;
  const start = Date.parse(game.startedAt ?? path[0]?.time ?? '') || 0;
  const base = (event: TranscriptEvent) => ({ timestamp: event.time, working_start: Math.max(0, (Date.parse(event.time) - start) / 1_000) });
  // As Inspect does, long texts in model-event inputs are stored once, as attachments.
  const attach = (message: InspectMessage): JsonObject => {
    const copy = toJson(message) as JsonObject;
    if (message.content.length > 100) {
      const hash = createHash('md5').update(message.content).digest('hex');
      attachments[hash] = message.content;
      copy.content = `attachment://${hash}`;
    }
    return copy;
  };
  const userMessage = (content: string): InspectMessage => ({ id: nextId(), role: 'user', content, source: 'input' });

  for (const event of path) {
    const body = event.body;
    switch (body.type) {
      case 'auditor-input':
        if (messages.length === 0) {
          if (body.system !== '') messages.push({ id: nextId(), role: 'system', content: body.system });
          for (const message of body.messages) messages.push(fromAuditgym(message, nextId(), auditorModel));
        }
        break;
      case 'auditor-output': {
        if (messages.length === 0) messages.push(userMessage(input));
        const message: InspectMessage = {
          id: nextId(),
          role: 'assistant',
          content: body.text,
          source: 'generate',
          model: auditorModel,
          ...(body.toolCalls.length > 0 ? { tool_calls: body.toolCalls.map(toolCallOf) } : {}),
        };
        inspectEvents.push({
          ...base(event),
          event: 'model',
          model: auditorModel,
          role: 'auditor',
          input: messages.map(attach),
          tools: [],
          tool_choice: 'auto',
          config: {},
          output: {
            model: auditorModel,
            choices: [{ message: attach(message), stop_reason: body.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
            completion: body.text,
            usage: toJson(usageOf(body.usage)),
          },
        });
        messages.push(message);
        for (const call of body.toolCalls) proposed.add(call.id);
        break;
      }
      case 'tool-call': {
        if (messages.length === 0) messages.push(userMessage(input));
        const args = argumentsOf(body.input);
        // Auditors that call tools directly (the baseline) have no model turn: one is written for each call.
        if (!proposed.has(body.callId)) {
          messages.push({ id: nextId(), role: 'assistant', content: '', source: 'generate', model: auditorModel, tool_calls: [{ id: body.callId, function: body.tool, type: 'function', ...args }] });
        }
        if (body.tool === SUBMIT_REPORT) submitted = true;
        const tool: JsonObject = { ...base(event), event: 'tool', type: 'function', id: body.callId, function: body.tool, arguments: args.arguments, result: '', events: [] };
        tools.set(body.callId, tool);
        inspectEvents.push(tool);
        break;
      }
      case 'tool-result': {
        const error = body.ok ? undefined : { type: 'unknown' as const, message: body.error?.message ?? body.output };
        messages.push({ id: nextId(), role: 'tool', content: body.output, tool_call_id: body.callId, function: body.tool, ...(error === undefined ? {} : { error }) });
        const tool = tools.get(body.callId);
        if (tool !== undefined) {
          tool.result = body.output;
          tool.completed = event.time;
          tool.working_time = Math.max(0, (Date.parse(event.time) - Date.parse(String(tool.timestamp))) / 1_000);
          if (error !== undefined) tool.error = error;
        }
        break;
      }
      case 'target-call': {
        const model = inspectModelName(body.model);
        const input: JsonObject[] = [];
        if (body.request.system !== undefined) input.push(attach({ id: `${game.id}-t${event.seq}-s`, role: 'system', content: body.request.system }));
        body.request.messages.forEach((message, index) => input.push(attach(fromAuditgym(message, `${game.id}-t${event.seq}-${index}`, model))));
        const response = body.response;
        const output: JsonObject =
          response === undefined
            ? { model, choices: [], completion: '', error: body.error?.message ?? 'no response' }
            : {
                model,
                choices: [
                  { message: attach({ id: `${game.id}-t${event.seq}-r`, role: 'assistant', content: response.text, source: 'generate', model }), stop_reason: STOP_REASONS[response.finishReason] },
                ],
                completion: response.text,
                usage: toJson(usageOf(response.usage)),
              };
        inspectEvents.push({
          ...base(event),
          event: 'model',
          model,
          role: body.role,
          input,
          tools: [],
          tool_choice: 'none',
          config: toJson({
            ...(body.request.temperature === undefined ? {} : { temperature: body.request.temperature }),
            ...(body.request.maxTokens === undefined ? {} : { max_tokens: body.request.maxTokens }),
          }),
          output,
          ...(body.error === undefined ? {} : { error: `${body.error.code}: ${body.error.message}` }),
        });
        break;
      }
      case 'report':
        if (!submitted) {
          if (messages.length === 0) messages.push(userMessage(input));
          messages.push({ id: nextId(), role: 'assistant', content: renderReport(body.report), source: 'generate', model: auditorModel });
        }
        inspectEvents.push({ ...base(event), event: 'info', source: 'report', data: toJson(body.report) });
        break;
      case 'budget-exhausted':
        limit = { type: LIMIT_TYPES[body.budget], limit: body.limit };
        inspectEvents.push({ ...base(event), event: 'info', source: 'budget', data: toJson(body) });
        break;
      case 'note':
        inspectEvents.push({ ...base(event), event: 'info', source: 'note', data: body.text });
        break;
      case 'rollback':
        inspectEvents.push({ ...base(event), event: 'info', source: 'rollback', data: toJson(body) });
        break;
      case 'error':
        inspectEvents.push({ ...base(event), event: 'error', error: toJson(errorOf(body.error)) });
        break;
      case 'game-start':
        break;
    }
  }
  if (messages.length === 0) messages.push(userMessage(input));
  return { messages, events: inspectEvents, attachments, ...(limit === undefined ? {} : { limit }), submitted };
}

const STOP_REASONS = { stop: 'stop', length: 'max_tokens', 'tool-calls': 'tool_calls', 'content-filter': 'content_filter', other: 'unknown' } as const;

function fromAuditgym(message: AuditgymMessage, id: string, model: string): InspectMessage {
  switch (message.role) {
    case 'user':
      return { id, role: 'user', content: message.content, source: 'input' };
    case 'assistant':
      return { id, role: 'assistant', content: message.content, source: 'generate', model, ...(message.toolCalls === undefined ? {} : { tool_calls: message.toolCalls.map(toolCallOf) }) };
    case 'tool':
      return {
        id,
        role: 'tool',
        content: message.content,
        tool_call_id: message.toolCallId,
        function: message.toolName,
        ...(message.isError === true ? { error: { type: 'unknown' as const, message: message.content } } : {}),
      };
  }
}

interface SampleContext {
  spec: ResolvedExperimentSpec;
  auditorModel: string;
  judgeModel: string | undefined;
}

/** One game as an Inspect sample: the environment is the sample, the repeat its epoch. */
export function inspectSample(view: GameView, context: SampleContext): InspectSample {
  const { game, report, grades } = view;
  const environment = environmentInfo(context.spec, game.environmentId);
  const split = environment.spec.split;
  const input = environment.spec.task;
  const { messages, events, attachments, limit } = conversation(game, view.events, input, context.auditorModel);
  const finalText = report === undefined ? '' : renderReport(report);
  const scores = Object.fromEntries(grades.map((grade) => [grade.grader, scoreOf(grade, report, split)]));
  const modelUsage: Record<string, InspectUsage> = {};
  const roleUsage: Record<string, InspectUsage> = {};
  if (game.usage !== null) {
    const roles: Array<[string, string | undefined, TokenUsage]> = [
      ['auditor', context.auditorModel, game.usage.auditor],
      ['target', environment.targetModel === undefined ? undefined : inspectModelName(environment.targetModel), game.usage.target],
      ['judge', context.judgeModel, game.usage.judge],
    ];
    for (const [role, model, usage] of roles) {
      addUsage(roleUsage, role, usageOf(usage));
      addUsage(modelUsage, model ?? `${OWN_PROVIDER}/${role}`, usageOf(usage));
    }
  }
  const started = game.startedAt === null ? undefined : Date.parse(game.startedAt);
  const finished = game.finishedAt === null ? undefined : Date.parse(game.finishedAt);
  return {
    id: environment.spec.id,
    epoch: game.repeat + 1,
    uuid: game.id,
    input,
    target: targetOf(environment, grades),
    messages,
    output: {
      model: context.auditorModel,
      choices: report === undefined ? [] : [{ message: { id: `${game.id}-report`, role: 'assistant', content: finalText, source: 'generate', model: context.auditorModel }, stop_reason: 'stop' }],
      completion: finalText,
      ...(game.usage === null ? {} : { usage: usageOf(game.usage.auditor) }),
      ...(game.error === null ? {} : { error: errorOf(game.error).message }),
    },
    ...(grades.length > 0 ? { scores } : {}),
    metadata: {
      game_id: game.id,
      environment: game.environmentId,
      organism: game.organismId,
      split,
      // Whether an organism is a control is itself ground truth on the test split.
      ...(split === 'dev' && environment.organism !== undefined ? { control: environment.organism.control } : {}),
      auditor: game.auditor,
      auditor_index: game.auditorIndex,
      affordance_set: game.affordanceSet,
      tools: game.tools,
      seed: game.seed,
      repeat: game.repeat,
      status: game.status,
      attempts: game.attempts,
      usage: toJson(game.usage),
      ...(game.error === null ? {} : { error: toJson(game.error) }),
      ...(report === undefined ? {} : { report: toJson(report) }),
    },
    store: {},
    events,
    model_usage: modelUsage,
    role_usage: roleUsage,
    attachments,
    ...(game.error === null ? {} : { error: errorOf(game.error) }),
    ...(limit === undefined ? {} : { limit }),
    ...(game.startedAt === null ? {} : { started_at: game.startedAt }),
    ...(game.finishedAt === null ? {} : { completed_at: game.finishedAt }),
    ...(started !== undefined && finished !== undefined && Number.isFinite(started) && Number.isFinite(finished) ? { total_time: Math.max(0, (finished - started) / 1_000) } : {}),
  };
}

/** Inspect's stderr metric: the sample standard deviation over the square root of the count. */
function standardError(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  const variance = values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance / values.length);
}

function resultsOf(samples: readonly InspectSample[], total: number, scorers: ReadonlyMap<string, unknown>): InspectEvalLog['results'] {
  const scores = [...scorers].map(([grader, params]) => {
    const graded = samples.map((sample) => sample.scores?.[grader]).filter((score): score is InspectScore => score !== undefined);
    const wins = graded.map((score) => (score.value === 'C' ? 1 : 0));
    const metric = (name: string, value: number) => ({ name, value, params: {} });
    const interval = wilsonInterval(wins.filter((win) => win === 1).length, wins.length);
    return {
      name: grader,
      scorer: grader,
      params: toJson(params),
      metrics: {
        accuracy: metric('accuracy', mean(wins)),
        stderr: metric('stderr', standardError(wins)),
        mean_score: metric('mean_score', mean(graded.map((score) => Number(score.metadata.score)))),
        mean_recall: metric('mean_recall', mean(graded.map((score) => Number(score.metadata.recall)))),
      },
      scored_samples: graded.length,
      unscored_samples: samples.length - graded.length,
      metadata: { win_rate_wilson_95: interval },
    };
  });
  return { total_samples: total, completed_samples: samples.filter((sample) => sample.error === undefined).length, scores };
}

/** `provider:model` of an auditor, when its parameters name one; auditors without a model get their own name. */
function auditorModelOf(params: Record<string, unknown>, auditor: string): string {
  return typeof params.model === 'string' && /^[a-z][a-z0-9-]*:.+$/.test(params.model) ? inspectModelName(params.model) : `${OWN_PROVIDER}/${auditor}`;
}

/** Inspect's file-name timestamp: `2026-01-02T03-04-05+00-00`. */
const stamp = (iso: string) => iso.replace(/\.\d+/, '').replace(/Z$/, '+00:00').replace(/:/g, '-');
const slug = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-');

/**
 * Turns a stored experiment into Inspect eval logs: one per auditor × affordance set. Games are read
 * one at a time and mapped as they come, so only the mapped samples are held.
 */
export async function inspectLogs(experimentId: string, options: AppOptions): Promise<InspectExport> {
  let record: ExperimentRecord | undefined;
  let spec: ResolvedExperimentSpec | undefined;
  const groups = new Map<string, { auditorIndex: number; affordanceSet: string; games: GameRecord[]; samples: InspectSample[] }>();
  for await (const item of experimentGames(experimentId, options)) {
    if ('experiment' in item) {
      const parsedRecord = ExperimentRecord.safeParse(item.experiment);
      if (!parsedRecord.success) throw new SystemError('corrupt-row', `experiments ${experimentId}: ${parsedRecord.error.issues[0]?.message ?? 'invalid'}`);
      record = parsedRecord.data;
      try {
        spec = storedExperimentSpec(record.spec);
      } catch (error) {
        throw new SystemError('corrupt-row', `experiments ${experimentId}.spec does not hold a stored experiment spec: ${(error as Error).message.slice(0, 500)}`);
      }
      continue;
    }
    if (spec === undefined) throw new SystemError('corrupt-row', `experiment ${experimentId}: games came before the experiment`);
    const { game } = item;
    const key = `${game.auditorIndex}\u0000${game.affordanceSet}`;
    const group = groups.get(key) ?? { auditorIndex: game.auditorIndex, affordanceSet: game.affordanceSet, games: [], samples: [] };
    groups.set(key, group);
    group.games.push(game);
    // Games that have not run yet have nothing to show; they count in total_samples only.
    if (game.status === 'finished' || game.status === 'error') {
      group.samples.push(inspectSample(item, { spec, auditorModel: auditorModelOf(spec.auditors[game.auditorIndex]?.params ?? {}, game.auditor), judgeModel: judgeModelOf(spec) }));
    }
  }
  if (record === undefined || spec === undefined) throw new SystemError('corrupt-row', `experiment ${experimentId} could not be read`);
  const setOrder = spec.affordanceSets.map((entry) => (typeof entry === 'string' ? entry : entry.name));
  const ordered = [...groups.values()].sort((a, b) => a.auditorIndex - b.auditorIndex || setOrder.indexOf(a.affordanceSet) - setOrder.indexOf(b.affordanceSet));
  const logs = ordered.map((group) => inspectLog(record as ExperimentRecord, spec as ResolvedExperimentSpec, group));
  return { logs: logs.map((log) => ({ file: `${stamp(log.eval.created)}_${slug(log.eval.task)}_${log.eval.eval_id}.json`, log })) };
}

function judgeModelOf(spec: ResolvedExperimentSpec): string | undefined {
  const params = spec.grader?.params ?? {};
  const ref = spec.roles.judge ?? (typeof params.model === 'string' ? params.model : undefined);
  return ref === undefined ? undefined : inspectModelName(ref);
}

function inspectLog(record: ExperimentRecord, spec: ResolvedExperimentSpec, group: { auditorIndex: number; affordanceSet: string; games: GameRecord[]; samples: InspectSample[] }): InspectEvalLog {
  const auditorRef = spec.auditors[group.auditorIndex];
  const auditor = auditorRef?.id ?? group.games[0]?.auditor ?? 'unknown';
  const auditorParams = auditorRef?.params ?? {};
  const model = auditorModelOf(auditorParams, auditor);
  const environments = [...new Set(group.games.map((game) => game.environmentId))];
  const scorers = new Map<string, unknown>();
  for (const id of environments) {
    const grader = spec.grader ?? environmentInfo(spec, id).spec.grader;
    scorers.set(grader.id, grader.params);
  }
  for (const sample of group.samples) for (const grader of Object.keys(sample.scores ?? {})) if (!scorers.has(grader)) scorers.set(grader, {});
  const affordance = spec.affordanceSets.find((entry) => (typeof entry === 'string' ? entry : entry.name) === group.affordanceSet);
  const failed = group.games.filter((game) => game.status === 'error');
  const unfinished = group.games.some((game) => game.status === 'pending' || game.status === 'running');
  const modelUsage: Record<string, InspectUsage> = {};
  const roleUsage: Record<string, InspectUsage> = {};
  for (const sample of group.samples) {
    for (const [name, usage] of Object.entries(sample.model_usage)) addUsage(modelUsage, name, usage);
    for (const [name, usage] of Object.entries(sample.role_usage)) addUsage(roleUsage, name, usage);
  }
  const starts = group.games.flatMap((game) => (game.startedAt === null ? [] : [game.startedAt])).sort();
  const ends = group.games.flatMap((game) => (game.finishedAt === null ? [] : [game.finishedAt])).sort();
  const firstFailure = failed[0];
  const evalId = shortHash(`${record.id}\u0000${group.auditorIndex}\u0000${group.affordanceSet}`);
  return {
    version: 2,
    status: failed.length > 0 ? 'error' : unfinished ? 'started' : 'success',
    eval: {
      eval_id: evalId,
      run_id: shortHash(record.id),
      created: record.createdAt,
      task: spec.suite.id,
      task_id: shortHash(`${spec.suite.id}\u0000${spec.suite.version}\u0000${environments.join('\u0000')}`),
      task_version: spec.suite.version,
      task_display_name: spec.suite.name,
      task_attribs: {},
      task_args: toJson({
        affordance_set: group.affordanceSet,
        tools: typeof affordance === 'object' ? affordance.tools : [...new Set(group.games.flatMap((game) => game.tools))],
        environments,
        ...(spec.split === undefined ? {} : { split: spec.split }),
      }) as JsonObject,
      task_args_passed: { affordance_set: group.affordanceSet },
      solver: auditor,
      solver_args: toJson(auditorParams) as JsonObject,
      dataset: { name: spec.suite.id, location: `auditgym:${spec.suite.id}`, samples: group.games.length, sample_ids: environments, shuffled: false },
      model,
      model_generate_config: {},
      model_args: {},
      config: { epochs: spec.repeats, epochs_reducer: ['mean'], fail_on_error: false, log_samples: true },
      packages: { auditgym: PACKAGE_VERSION },
      scorers: [...scorers].map(([name, params]) => ({
        name,
        options: toJson(params),
        metrics: [
          { name: 'inspect_ai/accuracy', options: {} },
          { name: 'inspect_ai/stderr', options: {} },
        ],
        metadata: {},
      })),
      metadata: {
        experiment: { id: record.id, name: record.name, description: spec.description },
        auditor: { id: auditor, index: group.auditorIndex, params: toJson(auditorParams) },
        affordance_set: group.affordanceSet,
        seed: spec.seed,
        repeats: spec.repeats,
        plugins: toJson(record.plugins),
      },
    },
    plan: { name: 'plan', steps: [{ solver: auditor, params: toJson(auditorParams), params_passed: toJson(auditorParams) }], config: {} },
    results: resultsOf(group.samples, group.games.length, scorers),
    stats: { started_at: starts[0] ?? '', completed_at: unfinished ? '' : (ends.at(-1) ?? ''), model_usage: modelUsage, role_usage: roleUsage, connection_limit_history: [] },
    ...(firstFailure === undefined || firstFailure.error === null
      ? {}
      : {
          error: {
            message: `${failed.length} of ${group.games.length} games failed; first: game ${firstFailure.id}: ${errorOf(firstFailure.error).message}`,
            traceback: '',
            traceback_ansi: '',
          },
        }),
    samples: group.samples,
    invalidated: false,
    tags: [],
    metadata: { auditgym_experiment: record.id },
  };
}

/**
 * `auditgym export --format inspect -o <dir>`: writes one Inspect JSON log per auditor × affordance
 * set into `dir`. Every log is built before the folder is touched, so bad input writes nothing.
 */
export async function exportInspectLogs(experimentId: string, output: string | undefined, options: AppOptions): Promise<{ dir: string; files: string[]; samples: number }> {
  if (output === undefined || output === '') {
    throw new UserError('missing-output', 'the inspect format writes a folder of eval logs, one per auditor and affordance set', {
      field: '-o',
      fix: `name the folder: auditgym export ${experimentId} --format inspect -o logs/`,
    });
  }
  const dir = resolve(options.cwd, output);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UserError('output-not-folder', `-o ${output} is a file; the inspect format writes a folder`, { field: '-o', fix: 'give a folder that does not exist yet or holds logs' });
  }
  const { logs } = await inspectLogs(experimentId, options);
  mkdirSync(dir, { recursive: true });
  for (const { file, log } of logs) writeFileAtomic(join(dir, file), `${JSON.stringify(log, null, 2)}\n`, { field: '-o' });
  return { dir, files: logs.map((entry) => entry.file), samples: logs.reduce((sum, entry) => sum + entry.log.samples.length, 0) };
}
