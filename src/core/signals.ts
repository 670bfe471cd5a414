/**
 * A signal aborted by its parent or after `milliseconds`, whichever comes first. Made by hand rather
 * than with `AbortSignal.any` and `AbortSignal.timeout`: their timer lives for the whole timeout and
 * their link to a long-lived parent stays with it, so finished games and requests added up over a
 * sweep of thousands. `dispose` clears both as soon as the work is done.
 */
export function deadlineSignal(parent: AbortSignal | undefined, milliseconds: number, message: string): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(message, 'TimeoutError'));
  }, milliseconds);
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted === true) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
