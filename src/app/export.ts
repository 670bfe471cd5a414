import { UserError } from '../core/errors.js';
import type { AppOptions } from './context.js';
import { experimentGames } from './games.js';

/** `inspect` writes a folder of Inspect eval logs (see export-inspect.ts); the others stream. */
export const EXPORT_FORMATS = ['jsonl', 'inspect'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new UserError('unknown-format', `unknown export format "${value}"`, { field: '--format', fix: `use one of: ${EXPORT_FORMATS.join(', ')}` });
}

/**
 * Writes an experiment as JSON Lines: one `experiment` line, then one `game` line per game with its
 * transcript, report and grades. Games stream one at a time, so exports of big sweeps stay small in memory.
 */
export async function exportExperiment(experimentId: string, format: ExportFormat, write: (line: string) => void | Promise<void>, options: AppOptions): Promise<{ games: number }> {
  let games = 0;
  if (format !== 'jsonl')
    throw new UserError('unknown-format', `export format "${String(format)}" does not stream`, { field: '--format', fix: 'use jsonl here; inspect logs are written by exportInspectLogs' });
  for await (const item of experimentGames(experimentId, options)) {
    if ('experiment' in item) {
      await write(JSON.stringify({ type: 'experiment', ...(item.experiment as object) }) + '\n');
    } else {
      games++;
      await write(JSON.stringify({ type: 'game', ...item.game, report: item.report ?? null, grades: item.grades, events: item.events }) + '\n');
    }
  }
  return { games };
}
