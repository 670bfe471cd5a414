// `auditgym/contracts`: the zod schemas and types of specs, transcripts, reports and grades.
// Loading it loads zod and nothing else; each schema shares its name with the type it parses to.
export { Capability, Identifier, ModelRef, PluginParams, PluginRecord, PluginRef, Split, TokenUsage } from './common.js';
export { Behaviour, BehaviourCategory, CorpusSpec, GroundTruth, KeyFact, OrganismOrigin, OrganismSpec, Source, TargetSpec, TechniqueSignature } from './organism.js';
export { BudgetOverrides, Budgets, EnvironmentSpec } from './environment.js';
export { AffordanceSet, ExperimentSpec, Price, Roles, SuiteSpec } from './suite.js';
export { AuditReport, Claim } from './report.js';
export { BehaviourVerdict, Grade } from './grade.js';
export { ErrorInfo, ErrorKind } from './errors.js';
export { ExperimentRecord, GamePlan, GameRecord, GameStatus, GameUsage } from './game.js';
export { ChatMessage, ChatRequest, ChatResponse, CompletionRequest, TokenLogprob, ToolCall, ToolDefinition } from './messages.js';
export type { CallOptions } from './messages.js';
export type { ChatModel, ModelResolver } from './model.js';
export { EventBody, ToolView, TranscriptEvent } from './transcript.js';
export type { EventType } from './transcript.js';
export {
  ForwardRequest,
  ForwardResult,
  Hook,
  LensRequest,
  LensResult,
  LogprobsResult,
  ReadVectorRequest,
  SteeringSearchRequest,
  TokenScore,
  TokenizeResult,
  WhiteBoxInfo,
  WhiteBoxInput,
} from './whitebox.js';
export type { WhiteBox } from './whitebox.js';
export { SparseDictionary } from './sae.js';
export { McpServerSpec } from './mcp.js';
export { SealedBox, isSealed } from './sealed.js';
export { ImplantRule, MicroBaseSpec, MicroOrganismSpec, TransformerConfig, WeightsRef } from './micro-organism.js';
