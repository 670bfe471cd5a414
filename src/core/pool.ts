/**
 * Runs `work` over a queue with at most `limit` in flight, where each finished item may add more
 * items to the queue's end. Resolves once the queue is empty and nothing is in flight, or once
 * `signal` aborts and what was in flight has settled. Rejects on the first failing item: `work`
 * reports expected failures as data and throws only for programmer errors.
 */
export function drainConcurrent<T>(initial: readonly T[], limit: number, work: (item: T) => Promise<readonly T[]>, signal?: AbortSignal): Promise<void> {
  const queue = [...initial];
  let active = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = () => {
      while (!failed && active < Math.max(1, limit) && queue.length > 0 && signal?.aborted !== true) {
        const item = queue.shift() as T;
        active++;
        work(item).then(
          (more) => {
            active--;
            queue.push(...more);
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      if (!failed && active === 0 && (queue.length === 0 || signal?.aborted === true)) resolve();
    };
    pump();
  });
}
