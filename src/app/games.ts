import type { GameRecord } from '../contracts/game.js';
import type { Grade } from '../contracts/grade.js';
import type { AuditReport } from '../contracts/report.js';
import type { TranscriptEvent } from '../contracts/transcript.js';
import { UserError } from '../core/errors.js';
import { openReadonlyStore, storePath, type AppOptions } from './context.js';
import { unknownExperiment } from './experiments.js';

export interface GameView {
  game: GameRecord;
  events: TranscriptEvent[];
  report: AuditReport | undefined;
  grades: Grade[];
}

/** A game with its transcript, report and grades. A unique prefix of the id is enough. */
export async function getGame(idOrPrefix: string, options: AppOptions): Promise<GameView> {
  const store = openReadonlyStore(options);
  try {
    let game = await store.getGame(idOrPrefix);
    if (game === undefined) {
      const matches = store.findGames(idOrPrefix, 2);
      if (matches.length > 1) {
        throw new UserError('ambiguous-game', `more than one game starts with "${idOrPrefix}"`, { field: 'game', fix: 'give more characters of the id' });
      }
      game = matches[0];
    }
    if (game === undefined) {
      throw new UserError('unknown-game', `no game "${idOrPrefix}" in ${store.path}`, {
        field: 'game',
        fix: 'find game ids with: auditgym export <experiment> --format jsonl, or in the run summary',
      });
    }
    return {
      game,
      events: await store.getEvents(game.id),
      report: await store.getReport(game.id),
      grades: await store.getGrades(game.id),
    };
  } finally {
    store.close();
  }
}

/** Every game of an experiment in full, one at a time, for exports that must not hold a whole sweep in memory. */
export async function* experimentGames(experimentId: string, options: AppOptions): AsyncGenerator<GameView | { experiment: unknown }> {
  const store = openReadonlyStore(options);
  try {
    const experiment = await store.getExperiment(experimentId);
    if (experiment === undefined) throw unknownExperiment(experimentId, storePath(options));
    yield { experiment };
    for (const game of await store.listGames(experimentId)) {
      yield { game, events: await store.getEvents(game.id), report: await store.getReport(game.id), grades: await store.getGrades(game.id) };
    }
  } finally {
    store.close();
  }
}
