import type { ExperimentRecord, GamePlan, GameUsage } from '../../src/contracts/game.js';
import type { Grade } from '../../src/contracts/grade.js';
import type { AuditReport } from '../../src/contracts/report.js';
import type { EventBody } from '../../src/contracts/transcript.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';

// A store written by hand whose every text field carries markup that would run if it were rendered as
// HTML, for the viewer's and the report's XSS tests. Any of these that runs sets window.__xss.

export const SCRIPT = '<script>window.__xss=1</script>';
export const IMG = '<img src=x onerror="window.__xss=1">';
export const LINK = '<a href="javascript:window.__xss=1">click me</a>';
export const JS_URL = 'javascript:window.__xss=1';

export const usage: GameUsage = {
  auditor: { inputTokens: 10, outputTokens: 5 },
  target: { inputTokens: 3, outputTokens: 4 },
  judge: { inputTokens: 0, outputTokens: 0 },
  costUsd: 0,
  toolCalls: 3,
  turns: 1,
};
const tokens = { inputTokens: 1, outputTokens: 1 };

export function plan(experimentId: string, id: string, set: string, repeat = 0): GamePlan {
  return { id, experimentId, environmentId: 'env', organismId: 'org', auditor: 'probe', auditorIndex: 0, affordanceSet: set, tools: ['chat'], repeat, seed: 1 };
}

export function experiment(id: string, name: string): ExperimentRecord {
  return {
    id,
    name,
    createdAt: new Date().toISOString(),
    plugins: [],
    spec: {
      id,
      name,
      auditors: [{ id: 'baseline', params: {} }],
      affordanceSets: ['chat', 'chat+whitebox'],
      suite: {
        id: 'hostile',
        name: SCRIPT,
        organisms: [
          {
            id: 'org',
            name: IMG,
            control: false,
            target: { systemPrompt: SCRIPT, options: {} },
            groundTruth: {
              rootCause: SCRIPT,
              behaviours: [
                {
                  id: 'flattery',
                  category: 'sycophancy',
                  description: IMG,
                  trigger: LINK,
                  weight: 1,
                  keyFacts: [{ id: 'praise', description: LINK, anyOf: ['praise'], patterns: [], required: true }],
                },
              ],
            },
          },
        ],
        environments: [{ id: 'env', organism: 'org', split: 'dev', task: IMG, affordances: ['chat', 'logit_lens'] }],
      },
    },
  };
}

export const report: AuditReport = {
  summary: `${SCRIPT} ${IMG}`,
  claims: [
    { behaviour: SCRIPT, trigger: IMG, evidence: LINK, confidence: 0.9 },
    { behaviour: 'praises the user', evidence: JS_URL, confidence: 0.8 },
  ],
};

export const grade: Grade = {
  grader: 'rubric',
  graderVersion: '1.0.0',
  params: {},
  win: true,
  score: 1,
  recall: 1,
  behaviours: [{ behaviourId: 'flattery', found: true, credit: 1, matchedClaims: [1], matchedKeyFacts: ['praise'] }],
  falseClaims: [0],
  claimsConsidered: 2,
};

export function hostileEvents(): Array<{ branch: string; parent: number | null; body: EventBody }> {
  const lens = [
    {
      tokens: [1, 2, 3],
      position: 2,
      layers: [
        {
          layer: 0,
          top: [
            { token: SCRIPT, id: 7, logprob: -0.1 },
            { token: IMG, id: 8, logprob: -2.5 },
          ],
        },
        {
          layer: 1,
          top: [
            { token: ' moon', id: 9, logprob: -0.02 },
            { token: LINK, id: 10, logprob: -4 },
          ],
        },
      ],
    },
  ];
  const bodies: EventBody[] = [
    { type: 'game-start', environmentId: 'env', organismId: 'org', auditor: 'probe', affordanceSet: 'chat+whitebox', tools: ['chat', 'logit_lens'], seed: 1 },
    { type: 'auditor-input', system: SCRIPT, messages: [{ role: 'user', content: IMG }] },
    { type: 'auditor-output', text: `${SCRIPT} ${IMG} ${LINK}`, toolCalls: [{ id: 'c1', name: 'chat', arguments: JSON.stringify({ message: IMG }) }], usage: tokens },
    { type: 'tool-call', callId: 'c1', tool: 'chat', input: { message: IMG } },
    {
      type: 'target-call',
      role: 'target',
      model: 'micro:org',
      request: { messages: [{ role: 'user', content: IMG }] },
      response: { text: LINK, toolCalls: [], finishReason: 'stop', usage: tokens, model: 'micro:org' },
    },
    { type: 'tool-result', callId: 'c1', tool: 'chat', ok: true, output: `${SCRIPT}${LINK}`, data: { reply: LINK } },
    { type: 'tool-call', callId: 'c2', tool: 'logit_lens', input: { text: SCRIPT } },
    { type: 'tool-result', callId: 'c2', tool: 'logit_lens', ok: true, output: 'lens text', data: lens },
    { type: 'tool-call', callId: 'c3', tool: 'mine__lookup', input: { query: JS_URL } },
    { type: 'tool-result', callId: 'c3', tool: 'mine__lookup', ok: true, output: LINK, data: { html: IMG, link: JS_URL } },
    { type: 'note', text: SCRIPT },
  ];
  const events: Array<{ branch: string; parent: number | null; body: EventBody }> = bodies.map((body, seq) => ({ branch: 'main', parent: seq === 0 ? null : seq - 1, body }));
  events.push({ branch: 'branch-1', parent: 2, body: { type: 'rollback', toSeq: 2, reason: IMG } });
  events.push({ branch: 'branch-1', parent: events.length - 1, body: { type: 'auditor-output', text: JS_URL, toolCalls: [], usage: tokens } });
  events.push({ branch: 'branch-1', parent: events.length - 1, body: { type: 'report', report } });
  return events;
}

/** Writes the experiment `hostile` with two finished games, gx1 and gx2, each holding every payload. */
export function writeHostileExperiment(store: SqliteStore): void {
  store.createExperiment(experiment('hostile', `hostile ${SCRIPT}`), [plan('hostile', 'gx1', 'chat+whitebox'), plan('hostile', 'gx2', 'chat')]);
  for (const id of ['gx1', 'gx2']) {
    store.startGame(id, new Date().toISOString());
    hostileEvents().forEach((event, seq) => store.appendEvent({ gameId: id, seq, time: new Date().toISOString(), ...event }));
    store.finishGame(id, { report, grade, usage, finishedAt: new Date().toISOString() });
  }
}
