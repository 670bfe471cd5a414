// Contracts: the shapes of specs, transcripts, reports and grades.
export { Capability, Identifier, ModelRef, PluginRecord, PluginRef, Split, TokenUsage } from './contracts/common.js';
export { Behaviour, BehaviourCategory, CorpusSpec, GroundTruth, KeyFact, OrganismOrigin, OrganismSpec, Source, TargetSpec, TechniqueSignature } from './contracts/organism.js';
export { BudgetOverrides, Budgets, EnvironmentSpec } from './contracts/environment.js';
export { AffordanceSet, ExperimentSpec, Price, Roles, SuiteSpec } from './contracts/suite.js';
export { AuditReport, Claim } from './contracts/report.js';
export { BehaviourVerdict, Grade } from './contracts/grade.js';
export { ErrorInfo, ErrorKind } from './contracts/errors.js';
export { ExperimentRecord, GamePlan, GameRecord, GameStatus, GameUsage } from './contracts/game.js';
export { ChatMessage, ChatRequest, ChatResponse, CompletionRequest, TokenLogprob, ToolCall, ToolDefinition } from './contracts/messages.js';
export { EventBody, ToolView, TranscriptEvent } from './contracts/transcript.js';
export type { EventType } from './contracts/transcript.js';
export type { CallOptions, ChatModel, ModelResolver } from './contracts/model.js';
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
} from './contracts/whitebox.js';
export type { WhiteBox } from './contracts/whitebox.js';
export { SparseDictionary } from './contracts/sae.js';
export { McpServerSpec } from './contracts/mcp.js';
export { SealedBox, isSealed } from './contracts/sealed.js';
export { PluginParams } from './contracts/common.js';
export { ImplantRule, MicroBaseSpec, MicroOrganismSpec, TransformerConfig, WeightsRef } from './contracts/micro-organism.js';

// Core: errors, plug-in registries, the agent loop, graders and the runner.
export { AuditgymError, BudgetError, ModelError, ProviderError, SystemError, ToolError, UserError, isAbortError, redactError, toErrorInfo } from './core/errors.js';
export type { BudgetName } from './core/errors.js';
export { Registry } from './core/registry.js';
export type { PluginInfo } from './core/registry.js';
export { BUILTIN_AFFORDANCE_SETS, createCatalog, resolveAffordanceSet } from './core/catalog.js';
export type { Catalog } from './core/catalog.js';
export { describeProvider, resolveModelRef } from './core/model-provider.js';
export type { EnvironmentVariables, ModelProvider, ProviderDescription, ProviderEntry } from './core/model-provider.js';
export { findSourceSuite } from './core/organism-source.js';
export type { OrganismEntry, OrganismSource } from './core/organism-source.js';
export { runAgentLoop, SUBMIT_REPORT } from './core/agent-loop.js';
export type { AgentLoopOptions, AgentLoopResult, StopReason } from './core/agent-loop.js';
export { llmInvestigator, LlmInvestigatorParams } from './core/auditors/llm-investigator.js';
export { baselineAuditor, BaselineParams } from './core/auditors/baseline.js';
export { createHumanAuditor, humanAuditor, HumanParams } from './core/auditors/human.js';
export type { HumanMove, HumanPort, HumanSeat } from './core/auditors/human.js';
export { evalAgent, EvalAgentParams, evaluationReport, SUBMIT_EVALUATION } from './core/auditors/eval-agent.js';
export { chooseSeeds, rankOffline, redTeamAuditor, RedTeamParams } from './core/auditors/red-team.js';
export type { Finding, RankedTranscript, RedTeamTranscript, RedTeamTurn } from './core/auditors/red-team.js';
export { RED_TEAM_SEEDS } from './core/auditors/red-team-seeds.js';
export type { RedTeamSeed } from './core/auditors/red-team-seeds.js';
export type { Auditor, AuditorContext, AuditorResult } from './core/auditors/auditor.js';
export { rubricGrader, RubricGraderParams, matchKeyFact, claimText } from './core/graders/rubric-grader.js';
export { llmJudge, LlmJudgeParams } from './core/graders/llm-judge.js';
export { rankClaims, scoreVerdicts } from './core/graders/grader.js';
export type { Grader, GraderContext, GraderModel, GraderResult, GradeInput } from './core/graders/grader.js';
export { Paging, bound, defineTool, page, toolDefinition } from './core/tools/tool.js';
export type { ProbeResult, TechniqueProbe, Tool, ToolContext, ToolOutput, ToolSpec } from './core/tools/tool.js';
export { ToolExecutor, describeIssues } from './core/tools/executor.js';
export type { CallToolOptions, ToolBox, ToolCallResult, ToolExecutorOptions } from './core/tools/executor.js';
export { BudgetMeter } from './core/meter.js';
export type { BudgetView, MeterReading } from './core/meter.js';
export { chatMultiTurnTool, chatTool, chatWithSystemPromptTool, prefillTool } from './core/tools/chat-tools.js';
export { notesTool, thinkTool } from './core/tools/notes-tool.js';
export { completeTextTool, sampleTool, sampleUserTurnTool, scaffoldedSamplingTool, clusterReplies } from './core/tools/sampling-tools.js';
export { listCorporaTool, searchDataTool, semanticSearchTool } from './core/tools/data-tools.js';
export { activationDiffTool, activationProbeTool, fuzzTool, logitLensTool, modelDiffTool, steerTool, unsupervisedSteeringTool } from './core/tools/whitebox-tools.js';
export { blindingOf, Evaluation, EvaluationData, EvaluationRule, evaluationTool, evaluationVerdict, RUN_EVALUATION, runEvaluation } from './core/tools/evaluation-tool.js';
export type { Blinding, EvaluatedModel, ModelRun, Verdict } from './core/tools/evaluation-tool.js';
export { saeFeatureTool, saeFeaturesTool, saeSearchTool, saeSteerTool } from './core/tools/sae-tools.js';
export { probeReport, runProbe } from './core/tools/probes.js';
export type { ProbeRun } from './core/tools/probes.js';
export { DATA_QUERIES, HINT_PROMPTS, PREFILL_OPENERS, PROBE_PROMPTS } from './core/tools/prompt-bank.js';
export { TextIndex } from './core/search/text-index.js';
export { Dictionary } from './core/sae.js';
export { createTarget, targetCapabilities } from './core/target.js';
export type { Target, TargetCall } from './core/target.js';
export { TranscriptWriter, branchPath } from './core/transcript.js';
export { prepareExperiment } from './core/plan.js';
export { runExperiment } from './core/runner.js';
export { playGame } from './core/game.js';
export type { PreparedExperiment, ResolvedExperimentSpec } from './core/plan.js';
export type { RunOptions, RunProgress, RunSummary } from './core/runner.js';
export type { RunStore } from './core/store-port.js';
export { CLAIM_LEASE_MS } from './core/store-port.js';
export { MIN_TARGET_ANSWER_SHARE, invalidGame, retirement } from './core/validity.js';
export { deriveSeed, seededRandom } from './core/seeds.js';
export { gamesWithStopping, mcnemarExact, mean, newcombeInterval, pairedBootstrap, stoppingDecision, wilsonInterval } from './core/stats.js';
export type { StoppingDecision } from './core/stats.js';
export { runAdaptive } from './core/adaptive.js';
export type { AdaptiveSummary } from './core/adaptive.js';
export { analyseSweep } from './core/sweep-analysis.js';
export type { GradedGame, PairedComparison, SweepAnalysis, SweepCell } from './core/sweep-analysis.js';
export { openGrade, openGroundTruth, openOrganism, openTarget, sealGrade } from './core/sealing.js';
export type { OpenOrganism, PlainOrganism, Unsealer } from './core/sealing.js';
export { findNeedles, groundTruthNeedles, transcriptLeaks } from './core/leaks.js';
export type { LeakHit, Needle } from './core/leaks.js';
export { toneLabels } from './core/tools/tone.js';
export { MEMORY_WRITE } from './core/agent-loop.js';
export { NoParams } from './core/tools/tool.js';
export type { PromptDivergence } from './core/tools/whitebox-tools.js';
export type { IndexedDocument, SearchHit, TextIndexOptions } from './core/search/text-index.js';
export type { GameDeps, GameOutcome } from './core/game.js';
export { CRACK_AT, RESIST_AT, checkSignatures, runBaseControlCell, runTechniqueCell, summariseTechniques } from './core/techniques.js';
export type { BaseControlCell, SignatureCheck, TechniqueCell, TechniqueSummary } from './core/techniques.js';
export { parseModelJson } from './core/json-output.js';
export { addUsage, emptyUsage, totalTokens } from './core/usage.js';

// Adapters: providers, the store and spec files.
export { BUILTIN_PROVIDERS, builtinProviders, listProviders, resolveModel } from './providers/registry.js';
export {
  HTTP_PROVIDERS,
  ProviderOptions,
  anthropicProvider,
  httpProvider,
  llamacppProvider,
  ollamaProvider,
  openaiCompatibleProvider,
  openaiProvider,
  vllmLensProvider,
  vllmProvider,
} from './providers/presets.js';
export type { HttpProviderPreset } from './providers/presets.js';
export { microProvider } from './micro/micro-provider.js';
export { microSource } from './micro/micro-source.js';
export { builtinFilesSource, builtinSuitesDir, suiteFolderSource } from './specs/suite-folder-source.js';
export { readApiKey, redactSecrets, secretNames } from './providers/secrets.js';
export { openStore } from './store/sqlite-store.js';
export type { SqliteStore } from './store/sqlite-store.js';
export { defaultStorePath, resolveStorePath } from './store/paths.js';
export { loadExperimentSpec, loadOrganismSpec, loadSuiteSpec } from './specs/load.js';
export { HttpWhiteBox } from './providers/whitebox-http.js';
export { VllmLensWhiteBox } from './providers/vllm-lens.js';
export { verifySuite } from './app/suite-health.js';
export type { SuiteHealthOptions } from './app/suite-health.js';
export { COHERENCE_QUESTIONS, CONFESSION_QUESTIONS, confesses, hasRoleLeak, healthPasses, measureHealth } from './core/health.js';
export type { HealthRates, HealthResult } from './core/health.js';
export { decodeTensor, encodeTensor } from './providers/vllm-lens-tensor.js';
export { connectMcpTools } from './mcp/client.js';
export type { McpTools } from './mcp/client.js';
export { createMcpToolServer, serveMcpStdio } from './mcp/server.js';

// Library calls behind the CLI.
export { resumeExperiment, runExperimentFile, runExperimentSpec, listExperiments, primaryGrade } from './app/experiments.js';
export { addedTools, loadPlugins } from './app/plugins.js';
export { runTechniqueMatrix } from './app/techniques.js';
export type { TechniqueMatrix } from './app/techniques.js';
export { writeReport } from './app/report.js';
export type { WriteReportOptions, WrittenReport } from './app/report.js';
export type { RunResult, ExperimentSummary } from './app/experiments.js';
export { regradeExperiment } from './app/grading.js';
export type { RegradeResult } from './app/grading.js';
export { getGame } from './app/games.js';
export type { GameView } from './app/games.js';
export { rerunEvaluation, storedEvaluation } from './app/evaluations.js';
export type { RerunRequest, RerunResult, StoredEvaluation } from './app/evaluations.js';
export { exportExperiment } from './app/export.js';
export { exportInspectLogs, inspectLogs } from './app/export-inspect.js';
export type { InspectEvalLog, InspectSample } from './app/export-inspect.js';
export { listCatalog, describeSuite } from './app/catalog.js';
export { builtinSuites, catalogSuites, resolveSuite } from './app/suites.js';
export { createBuiltinCatalog } from './app/builtin-catalog.js';
export type { CatalogKind, SuiteEntry, EnvironmentEntry } from './app/catalog.js';
export { summarizeCells } from './app/summary.js';
export { resumeSweep, runSweepFile, sweepReport } from './app/sweeps.js';
export type { SweepReport } from './app/sweeps.js';
export { availableKeys, keyFolder, sealSplit, sealSuiteFile, sealingKey, unsealer } from './app/sealing.js';
export type { SealFileResult, SealKey } from './app/sealing.js';
export { assertNoConfigLeaks, scanForLeaks, splitNeedles } from './app/leaks.js';
export type { LeakScan } from './app/leaks.js';
export type { CellSummary } from './app/summary.js';
export { specSchemas } from './app/schemas.js';
export { serveOrganismMcp } from './app/mcp.js';
export { startPlay } from './app/play.js';
export type { PlayRequest, PlaySession, PlayStart, PlayState } from './app/play.js';
export type { AppOptions } from './app/context.js';
