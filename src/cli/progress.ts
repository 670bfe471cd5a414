import type { RunProgress } from '../core/runner.js';

/**
 * A progress bar on stderr. On a terminal it redraws one line; elsewhere (CI logs, pipes) it prints a
 * line at most every few seconds so logs stay readable.
 */
export function progressReporter(stream: NodeJS.WriteStream, label: string, unit = 'games'): { update: (progress: RunProgress) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let last: RunProgress | undefined;
  const render = (progress: RunProgress) => {
    const width = 28;
    const share = progress.total === 0 ? 1 : progress.done / progress.total;
    const filled = Math.round(share * width);
    const failed = progress.failed > 0 ? `, ${progress.failed} failed` : '';
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.done}/${progress.total} ${unit}${failed}, ${progress.running} running`;
  };
  return {
    update(progress) {
      last = progress;
      if (tty) {
        stream.write(`\r${render(progress)}\x1b[K`);
      } else if (Date.now() - lastLine > 5_000 || progress.done === progress.total) {
        lastLine = Date.now();
        stream.write(`${render(progress)}\n`);
      }
    },
    done() {
      if (tty && last !== undefined) stream.write('\n');
    },
  };
}
