import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { SHOTS, useChromium } from './support/browser.js';
import { cleanEnv, runCli, scratchDir, startCli } from './support/cli.js';
import { IMG, LINK, SCRIPT, experiment, grade, plan, report, usage, writeHostileExperiment } from './support/hostile-store.js';

// The viewer end to end: the built CLI serves a scratch store, and Debian's headless Chromium
// browses it by clicking, as a researcher would.

const browser = useChromium();

/** Starts `auditgym view --port 0` on a store and reads the address it prints. */
async function startViewer(db: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const { child, done } = startCli(['view', '--port', '0', '--db', db], { env: cleanEnv() });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the viewer printed no address: ${seen}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    void done.then((result) => reject(new Error(`the viewer exited with ${String(result.code)}: ${result.stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      return (await done).code;
    },
  };
}

/** A page that records dialogs and script errors, so a payload that ran anything is noticed. */
async function openPage(): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser().newPage({ viewport: { width: 1400, height: 1000 } });
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, dialogs };
}

const xssFlag = (page: Page) => page.evaluate(() => (globalThis as unknown as Record<string, unknown>)['__xss']);

function fingerprint(db: string): { sha: string; size: number; mtime: number; rows: Record<string, number> } {
  const connection = new Database(db, { readonly: true, fileMustExist: true });
  const rows: Record<string, number> = {};
  for (const table of ['experiments', 'games', 'events', 'reports', 'grades']) {
    rows[table] = (connection.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  connection.close();
  const stat = statSync(db);
  return { sha: createHash('sha256').update(readFileSync(db)).digest('hex'), size: stat.size, mtime: stat.mtimeMs, rows };
}

describe('auditgym view on a real micro run', () => {
  const dir = scratchDir('auditgym-viewer-');
  const db = join(dir, 'store.db');

  it('browses experiments, games, transcripts, grades, filters and comparisons without writing the store', async () => {
    const spec = join(dir, 'micro.yaml');
    writeFileSync(
      spec,
      'name: viewer micro run\nid: viewer-micro\nsuite: micro\nenvironments: [micro/backdoor, micro/control, micro/flattery, micro/taboo]\nauditors: [{ id: baseline }]\naffordanceSets: [chat, chat+diffing]\nconcurrency: 2\n',
    );
    const run = await runCli(['run', spec, '--db', db, '--json'], { env: cleanEnv(), cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const before = fingerprint(db);
    expect(before.rows.games).toBe(8);

    // What the store says, read independently of the viewer, to check the pages against.
    const store = new SqliteStore(db, { readonly: true });
    const games = store.listGames('viewer-micro');
    const grades = new Map(games.map((game) => [game.id, store.getGrades(game.id).find((grade) => grade.grader === 'rubric')]));
    const gradeOf = (id: string) => grades.get(id);
    const find = (environment: string, set: string) => {
      const game = games.find((entry) => entry.environmentId === environment && entry.affordanceSet === set);
      if (game === undefined) throw new Error(`no ${environment} ${set} game`);
      return game;
    };
    const flatteryWins = games.filter((game) => game.environmentId === 'micro/flattery' && gradeOf(game.id)?.win === true).length;
    store.close();

    const viewer = await startViewer(db);
    const { page, dialogs } = await openPage();
    try {
      // 1. The experiment list.
      await page.goto(viewer.url);
      const row = page.locator('tr[data-experiment="viewer-micro"]');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.locator('td').nth(3).textContent()).toBe('8');
      await page.screenshot({ path: join(SHOTS, 'viewer-experiments.png'), fullPage: true });

      // 2. The experiment, reached by clicking: every game, and one win-rate cell per environment × set.
      await row.getByRole('link', { name: 'viewer micro run' }).click();
      await page.waitForURL(/\/experiments\/viewer-micro$/);
      expect(await page.locator('tr[data-game]').count()).toBe(8);
      expect(await page.locator('td[data-cell]').count()).toBe(8);
      // A control is never won: its cells count clean games, and its games read clean or loss.
      expect(await page.locator('td[data-cell][data-control="true"]').count()).toBe(2);
      const controlOutcomes = await page
        .locator('tr[data-game]')
        .evaluateAll((rows) => rows.filter((element) => element.textContent?.includes('micro/control')).map((element) => element.getAttribute('data-outcome')));
      expect(controlOutcomes).toHaveLength(2);
      for (const outcome of controlOutcomes) expect(['clean', 'loss']).toContain(outcome);
      await page.screenshot({ path: join(SHOTS, 'viewer-experiment.png'), fullPage: true });

      // Filters: an environment, then an outcome; choosing applies them.
      await page.locator('select[name="env"]').selectOption('micro/flattery');
      await page.waitForURL(/env=micro%2Fflattery/);
      const environments = await page.locator('tr[data-game] td:nth-child(4)').allTextContents();
      expect(environments).toHaveLength(2);
      expect(new Set(environments)).toEqual(new Set(['micro/flattery']));
      await page.locator('select[name="outcome"]').selectOption('win');
      await page.waitForURL(/outcome=win/);
      expect(await page.locator('tr[data-game]').count()).toBe(flatteryWins);
      expect(new Set(await page.locator('tr[data-game]').evaluateAll((rows) => rows.map((element) => element.getAttribute('data-outcome'))))).toEqual(flatteryWins > 0 ? new Set(['win']) : new Set());
      await page.getByRole('link', { name: 'clear' }).click();
      await page.waitForURL(/\/experiments\/viewer-micro$/);

      // Compare: pick A and B in the list.
      const backdoorChat = find('micro/backdoor', 'chat');
      const backdoorWhitebox = find('micro/backdoor', 'chat+diffing');
      await page.locator(`tr[data-game="${backdoorChat.id}"] input[name="a"]`).check();
      await page.locator(`tr[data-game="${backdoorWhitebox.id}"] input[name="b"]`).check();
      await page.getByRole('button', { name: 'Compare A and B' }).click();
      await page.waitForURL(/\/compare\?/);
      expect(await page.locator('section[data-side="A"] h2').textContent()).toContain(backdoorChat.id);
      expect(await page.locator('section[data-side="B"] h2').textContent()).toContain(backdoorWhitebox.id);
      expect(await page.locator('section[data-side="B"] [data-event="tool-call"][data-tool="model_diff"]').count()).toBe(1);
      await page.screenshot({ path: join(SHOTS, 'viewer-compare.png'), fullPage: false });

      // 3. A game, reached by clicking its id: tool calls in the transcript, white-box results drawn as tables.
      await page.goto(`${viewer.url}experiments/viewer-micro`);
      await page.getByRole('link', { name: backdoorWhitebox.id }).click();
      await page.waitForURL(new RegExp(`/games/${backdoorWhitebox.id}$`));
      const chatCalls = page.locator('[data-event="tool-call"][data-tool="chat"]');
      expect(await chatCalls.count()).toBeGreaterThan(0);
      expect(await chatCalls.first().locator('[data-event="tool-result"]').count()).toBe(1);
      const diff = page.locator('[data-tool="model_diff"] .whitebox table.diff');
      expect(await diff.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await diff.locator('td[class*="heat-"], td[class*="cool-"]').count()).toBeGreaterThan(0);
      expect(await page.locator('pre.json').filter({ hasText: '"rows"' }).count()).toBe(0);
      await page.screenshot({ path: join(SHOTS, 'viewer-game.png'), fullPage: false });

      // The grade against the ground truth, as the store holds it.
      for (const game of [backdoorWhitebox, find('micro/flattery', 'chat')]) {
        const grade = gradeOf(game.id);
        expect(grade).toBeDefined();
        await page.goto(`${viewer.url}games/${game.id}`);
        for (const verdict of grade?.behaviours ?? []) {
          expect(await page.locator(`tr[data-behaviour="${verdict.behaviourId}"]`).getAttribute('data-verdict')).toBe(verdict.found ? 'found' : 'missed');
        }
        expect(await page.locator('[data-false-count]').textContent()).toBe(String(grade?.falseClaims.length));
        expect(await page.locator('li.claim.is-false').count()).toBe(grade?.falseClaims.length);
        expect(await page.locator('.grade-head .big').textContent()).toBe(grade?.win === true ? 'WIN' : 'LOSS');
      }
      const control = find('micro/control', 'chat');
      await page.goto(`${viewer.url}games/${control.id}`);
      expect(await page.locator('.grade-head .big').textContent()).toBe(gradeOf(control.id)?.win === true ? 'CLEAN' : 'FALSE CLAIMS');
      // Sealed (test-split) ground truth is named sealed, and its behaviours are not spelled out.
      await page.goto(`${viewer.url}games/${find('micro/taboo', 'chat').id}`);
      expect(await page.locator('.panel .tag.sealed').count()).toBeGreaterThan(0);
      expect(await page.locator('table.gt ul.facts').count()).toBe(0);

      // Only GET and HEAD, under a strict policy, with no inline script.
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const refused = await fetch(`${viewer.url}experiments/viewer-micro`, { method, body: method === 'DELETE' ? null : 'x' });
        expect(refused.status, method).toBe(405);
        expect(refused.headers.get('allow')).toBe('GET, HEAD');
      }
      const head = await fetch(viewer.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(head.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(dialogs).toEqual([]);
    } finally {
      await page.close();
      expect(await viewer.stop()).toBe(0);
    }
    const after = fingerprint(db);
    expect(after).toEqual(before);
  }, 180_000);

  it('refuses bad flags and a missing store with exit code 2', async () => {
    const badPort = await runCli(['view', '--port', 'eighty', '--db', join(dir, 'none.db')], { env: cleanEnv() });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port/);
    const missing = await runCli(['view', '--port', '0', '--db', join(dir, 'none.db')], { env: cleanEnv() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no auditgym store/);
  });
});

describe('auditgym view on hostile and live stores', () => {
  const dir = scratchDir('auditgym-viewer-');
  const db = join(dir, 'store.db');
  let viewer: { url: string; stop: () => Promise<number | null> };
  let store: SqliteStore;

  beforeAll(async () => {
    store = new SqliteStore(db);
    writeHostileExperiment(store);
    store.createExperiment(experiment('live', 'live sweep'), [plan('live', 'gl1', 'chat'), plan('live', 'gl2', 'chat', 1)]);
    viewer = await startViewer(db);
  }, 60_000);

  afterAll(async () => {
    expect(await viewer?.stop()).toBe(0);
    store?.close();
  });

  it('shows model, tool and auditor text as text: nothing in it runs', async () => {
    const { page, dialogs } = await openPage();
    try {
      for (const path of ['', 'experiments/hostile', 'games/gx1', 'compare?a=gx1&b=gx2']) {
        await page.goto(`${viewer.url}${path}`);
        await page.waitForLoadState('load');
        expect(await xssFlag(page), path).toBeUndefined();
        expect(await page.locator('a[href^="javascript:" i]').count(), path).toBe(0);
        expect(await page.locator('main img, main svg, main iframe').count(), path).toBe(0);
      }
      await page.goto(`${viewer.url}games/gx1`);
      // The payloads are on the page as readable text, where they were written.
      await expect.poll(() => page.locator('[data-event="auditor-output"]').first().textContent()).toContain(`${SCRIPT} ${IMG} ${LINK}`);
      expect(await page.locator('li.claim .behaviour').first().textContent()).toBe(SCRIPT);
      expect(await page.locator('tr[data-behaviour="flattery"]').textContent()).toContain(IMG);
      expect(await page.getByText(SCRIPT, { exact: true }).first().isVisible()).toBe(true);
      // White-box data as a coloured table whose token cells are text; an unknown tool's data as JSON text.
      const lens = page.locator('[data-tool="logit_lens"] table.lens');
      expect(await lens.locator('td[class*="heat-"]').count()).toBe(4);
      expect(await lens.locator('td .tok').first().textContent()).toBe(SCRIPT);
      expect(await page.locator('[data-tool="mine__lookup"] pre.json').textContent()).toContain(JSON.stringify(IMG).slice(1, -1));
      // The rollback's branch is labelled with where it continues from.
      expect(await page.locator('.branch[data-branch="branch-1"]').textContent()).toContain('#2');
      await page.screenshot({ path: join(SHOTS, 'viewer-hostile-game.png'), fullPage: false });
      expect(await xssFlag(page)).toBeUndefined();
      expect(dialogs).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('fills in a running sweep as its games finish, without reloading the page', async () => {
    const { page } = await openPage();
    try {
      await page.goto(`${viewer.url}experiments/live`);
      await page.evaluate(() => {
        (globalThis as unknown as Record<string, unknown>)['__sameDocument'] = true;
      });
      const status = (id: string) => page.locator(`tr[data-game="${id}"] [data-field="status"]`).textContent();
      const outcome = (id: string) => page.locator(`tr[data-game="${id}"] [data-field="outcome"]`).textContent();
      expect(await status('gl1')).toBe('pending');
      expect(await page.locator('[data-live-indicator]').count()).toBe(1);

      store.startGame('gl1', new Date().toISOString());
      await expect.poll(() => status('gl1'), { timeout: 10_000 }).toBe('running');
      store.finishGame('gl1', { report, grade, usage, finishedAt: new Date().toISOString() });
      await expect.poll(() => outcome('gl1'), { timeout: 10_000 }).toBe('win');
      expect(await page.locator('[data-count="finished"]').textContent()).toBe('1');
      expect(await page.locator('td[data-cell] .main').allTextContents()).toContain('1/1');

      store.startGame('gl2', new Date().toISOString());
      store.failGame('gl2', { error: { kind: 'provider', code: 'timeout', message: 'slow', retryable: true }, usage, finishedAt: new Date().toISOString() });
      await expect.poll(() => outcome('gl2'), { timeout: 10_000 }).toBe('error');
      await expect.poll(() => page.locator('[data-live-indicator]').textContent(), { timeout: 10_000 }).toBe('all games done');
      expect(await page.evaluate(() => (globalThis as unknown as Record<string, unknown>)['__sameDocument'])).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
