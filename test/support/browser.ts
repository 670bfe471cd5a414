import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './cli.js';

/** Where end-to-end tests save screenshots of the pages they drive. */
export const SHOTS = join(ROOT, 'test-results');

const CHROMIUM = process.env.AUDITGYM_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts Debian's headless Chromium once for the calling test file and closes it after; the returned
 * function gives the running browser. A missing Chromium fails with how to install it.
 */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM });
    } catch (error) {
      throw new Error(`cannot start Chromium at ${CHROMIUM} (install it with apt-get install chromium, or set AUDITGYM_CHROMIUM): ${(error as Error).message}`, { cause: error });
    }
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('Chromium is not running: call the browser only inside tests');
    return browser;
  };
}
