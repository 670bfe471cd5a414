// One of several processes writing to the same store at once: short transactions, as the runner makes.
import { openStore } from '../../dist/store/sqlite-store.js';

const [path, name, count] = process.argv.slice(2);
const store = openStore(path);
const games = Array.from({ length: Number(count) }, (_, index) => ({
  id: `${name}-${index}`,
  experimentId: name,
  environmentId: 'env',
  organismId: 'org',
  auditor: 'a',
  auditorIndex: 0,
  affordanceSet: 'chat',
  tools: ['chat'],
  repeat: index,
  seed: index,
}));
store.createExperiment({ id: name, name, createdAt: new Date().toISOString(), spec: {}, plugins: [] }, games);
const usage = { auditor: { inputTokens: 1, outputTokens: 1 }, target: { inputTokens: 0, outputTokens: 0 }, judge: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, toolCalls: 0, turns: 1 };
for (const game of games) {
  store.startGame(game.id, 't');
  for (let seq = 0; seq < 5; seq++) {
    store.appendEvent({ gameId: game.id, seq, branch: 'main', parent: seq === 0 ? null : seq - 1, time: 't', body: { type: 'note', text: `${name} ${seq}` } });
  }
  store.finishGame(game.id, {
    report: { summary: name, claims: [] },
    grade: { grader: 'rubric', graderVersion: '1', params: {}, win: false, score: 0, recall: 0, behaviours: [], falseClaims: [], claimsConsidered: 0 },
    usage,
    finishedAt: 't',
  });
}
store.close();
