// Module resolve hook for test/entry-points.test.ts: writes every URL the importing process
// resolves to stderr, one `auditgym-load <url>` line each. It runs on Node's hooks thread, so it
// writes straight to file descriptor 2 (synchronously) rather than through the main thread's console.
import { writeSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  writeSync(2, `auditgym-load ${result.url}\n`);
  return result;
}
