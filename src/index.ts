// Contracts: the shapes of specs, transcripts, reports and grades.
export { Capability, Identifier, ModelRef, PluginRecord, PluginRef, Split, TokenUsage } from './contracts/common.js';
export { Behaviour, BehaviourCategory, CorpusSpec, GroundTruth, KeyFact, OrganismSpec, TargetSpec } from './contracts/organism.js';
export { BudgetOverrides, Budgets, EnvironmentSpec } from './contracts/environment.js';
export { AffordanceSet, ExperimentSpec, Price, Roles, SuiteSpec } from './contracts/suite.js';
export { AuditReport, Claim } from './contracts/report.js';
export { BehaviourVerdict, Grade } from './contracts/grade.js';
export { ErrorInfo, ErrorKind } from './contracts/errors.js';
export { ExperimentRecord, GamePlan, GameRecord, GameStatus, GameUsage } from './contracts/game.js';
export { ChatMessage, ChatRequest, ChatResponse, CompletionRequest, TokenLogprob, ToolCall, ToolDefinition } from './contracts/messages.js';
export { EventBody, TranscriptEvent } from './contracts/transcript.js';
export type { EventType } from './contracts/transcript.js';
export type { CallOptions, ChatModel, ModelResolver } from './contracts/model.js';

// Core: errors, plug-in registries, the agent loop, graders and the runner.
export { AuditgymError, ModelError, ProviderError, SystemError, UserError, isAbortError, toErrorInfo } from './core/errors.js';
export { Registry } from './core/registry.js';
export type { PluginInfo } from './core/registry.js';
export { BUILTIN_AFFORDANCE_SETS, createCatalog, resolveAffordanceSet } from './core/catalog.js';
export type { Catalog } from './core/catalog.js';
export { runAgentLoop, SUBMIT_REPORT } from './core/agent-loop.js';
export type { AgentLoopOptions, AgentLoopResult, StopReason } from './core/agent-loop.js';
export { llmInvestigator, LlmInvestigatorParams } from './core/auditors/llm-investigator.js';
export type { Auditor, AuditorContext, AuditorResult } from './core/auditors/auditor.js';
export { rubricGrader, RubricGraderParams, matchKeyFact, claimText } from './core/graders/rubric-grader.js';
export { llmJudge, LlmJudgeParams } from './core/graders/llm-judge.js';
export { rankClaims, scoreVerdicts } from './core/graders/grader.js';
export type { Grader, GraderContext, GraderResult, GradeInput } from './core/graders/grader.js';
export { bound, toolDefinition } from './core/tools/tool.js';
export type { Tool, ToolContext, ToolOutput } from './core/tools/tool.js';
export { chatMultiTurnTool, chatTool, chatWithSystemPromptTool, prefillTool } from './core/tools/chat-tools.js';
export { notesTool } from './core/tools/notes-tool.js';
export { createTarget, targetCapabilities } from './core/target.js';
export type { Target, TargetCall } from './core/target.js';
export { TranscriptWriter, branchPath } from './core/transcript.js';
export { prepareExperiment, runExperiment } from './core/runner.js';
export type { PreparedExperiment, ResolvedExperimentSpec, RunOptions, RunProgress, RunSummary } from './core/runner.js';
export type { RunStore } from './core/store-port.js';
export { deriveSeed, seededRandom } from './core/seeds.js';
export { mean, wilsonInterval } from './core/stats.js';

// Adapters: providers, the store and spec files.
export { listProviders, resolveModel } from './providers/registry.js';
export { readApiKey, redactSecrets } from './providers/secrets.js';
export { openStore } from './store/sqlite-store.js';
export type { SqliteStore } from './store/sqlite-store.js';
export { defaultStorePath, resolveStorePath } from './store/paths.js';
export { loadExperimentSpec, loadOrganismSpec, loadSuiteSpec } from './specs/load.js';

// Library calls behind the CLI.
export { resumeExperiment, runExperimentFile, listExperiments, primaryGrade } from './app/experiments.js';
export type { RunResult, ExperimentSummary } from './app/experiments.js';
export { regradeExperiment } from './app/grading.js';
export type { RegradeResult } from './app/grading.js';
export { getGame } from './app/games.js';
export type { GameView } from './app/games.js';
export { exportExperiment } from './app/export.js';
export { listCatalog, builtinSuites, describeSuite } from './app/catalog.js';
export type { CatalogKind, SuiteEntry, EnvironmentEntry } from './app/catalog.js';
export { summarizeCells } from './app/summary.js';
export type { CellSummary } from './app/summary.js';
export { specSchemas } from './app/schemas.js';
export type { AppOptions } from './app/context.js';
