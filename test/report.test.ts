import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { microSuite } from '../src/micro/zoo-specs.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { SHOTS, useChromium } from './support/browser.js';
import { cleanEnv, runCli, scratchDir } from './support/cli.js';
import { IMG, SCRIPT, writeHostileExperiment } from './support/hostile-store.js';

// The HTML report end to end: the built CLI writes it from a real micro run, and Debian's headless
// Chromium opens the file offline, as a reader would.

const SETS = ['chat', 'chat+prefill', 'chat+whitebox'];
// A test-split organism, whose truth is sealed, and the control, a dev-split one: every part of the
// report, with as few technique-matrix rows as that takes.
const ENVIRONMENTS = ['micro/taboo', 'micro/control'];

const browser = useChromium();

/** Opens a report file, recording every request it makes and anything that would show it ran script. */
async function openReport(file: string): Promise<{ page: Page; requests: string[]; dialogs: string[]; errors: string[] }> {
  const page = await browser().newPage({ viewport: { width: 1300, height: 1000 } });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForLoadState('load');
  return { page, requests, dialogs, errors };
}

const percentOf = (wins: number, games: number) => `${Math.round((100 * wins) / games)}%`;

describe('auditgym report on a real micro run', () => {
  const dir = scratchDir('auditgym-report-');
  const db = join(dir, 'store.db');
  const file = join(dir, 'report.html');

  it('writes one offline file whose charts draw one bar per affordance set, with the heatmap and linked transcripts', async () => {
    const spec = join(dir, 'micro.yaml');
    writeFileSync(
      spec,
      `name: report micro run\nid: report-micro\nsuite: micro\nenvironments: [${ENVIRONMENTS.join(', ')}]\nauditors: [{ id: baseline }]\naffordanceSets: [${SETS.join(', ')}]\nconcurrency: 2\n`,
    );
    const run = await runCli(['run', spec, '--db', db, '--json'], { env: cleanEnv(), cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const written = await runCli(['report', 'report-micro', '--db', db, '-o', file, '--techniques', '--json'], { env: cleanEnv(), cwd: dir });
    expect(written.code, written.stderr).toBe(0);
    expect((JSON.parse(written.stdout) as { file: string; games: number }).games).toBe(ENVIRONMENTS.length * SETS.length);

    // The pooled win rate per set, read from the store apart from the report: controls are not counted.
    const store = new SqliteStore(db, { readonly: true });
    const expected = new Map<string, string>();
    for (const set of SETS) {
      const scored = store.listGames('report-micro').filter((game) => game.affordanceSet === set && game.environmentId !== 'micro/control');
      const wins = scored.filter((game) => store.getGrades(game.id).find((grade) => grade.grader === 'rubric')?.win === true).length;
      expected.set(set, percentOf(wins, scored.length));
    }
    store.close();

    const { page, requests, dialogs, errors } = await openReport(file);
    try {
      // Self-contained: the file itself is the only thing loaded, and it holds no script.
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(await page.locator('script').count()).toBe(0);

      // The pooled chart: one bar per affordance set, each as high as that set's win rate in the store.
      const pooled = page.locator('figure[data-chart="pooled"] svg [aria-roledescription="bar"]');
      const labels = await pooled.evaluateAll((bars) => bars.map((bar) => bar.getAttribute('aria-label') ?? ''));
      expect(labels).toHaveLength(SETS.length);
      for (const set of SETS) expect(labels, set).toContain(`affordance set: ${set}; win rate: ${expected.get(set)}`);
      const box = await pooled.first().boundingBox();
      expect(box === null || box.width > 0).toBe(true);

      // Per environment: a bar per set for each environment that is not a control.
      expect(await page.locator('figure[data-chart="per-environment"] svg [aria-roledescription="bar"]').count()).toBe(SETS.length * (ENVIRONMENTS.length - 1));

      // The technique heatmap: one cell per probe and organism.
      const cells = await page.locator('figure[data-chart="techniques"] svg path[aria-label^="technique probe:"]').evaluateAll((paths) => paths.map((path) => path.getAttribute('aria-label') ?? ''));
      const probes = new Set(cells.map((label) => /technique probe: ([^;]+);/.exec(label)?.[1]));
      expect(probes.size).toBeGreaterThan(3);
      expect(cells).toHaveLength(probes.size * ENVIRONMENTS.length);
      for (const environment of ENVIRONMENTS)
        expect(
          cells.some((label) => label.includes(`organism: ${environment}`)),
          environment,
        ).toBe(true);

      // Organism sections with their ground truth (the key is in the test key folder), and every
      // link into a transcript lands on one.
      for (const environment of ENVIRONMENTS) expect(await page.locator(`section.organism[data-environment="${environment}"] [data-ground-truth="open"]`).count(), environment).toBe(1);
      const targets = await page.locator('a[href^="#game-"]').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
      expect(targets.length).toBeGreaterThanOrEqual(ENVIRONMENTS.length * SETS.length);
      for (const target of new Set(targets)) expect(await page.locator(`section.transcript${target}`).count(), target).toBe(1);
      await page.screenshot({ path: join(SHOTS, 'report-top.png'), fullPage: false });
      await page.locator('a[href^="#game-"]').first().click();
      expect(new URL(page.url()).hash).toBe(targets[0]);
      // A transcript's events are folded under its open report and grade, and unfold on a click.
      const folded = page.locator(`section.transcript${targets[0] ?? ''} details.events`);
      expect(await folded.getAttribute('open')).toBeNull();
      await folded.locator('summary').click();
      expect(await folded.locator('ol.events > li').first().isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'report-transcript.png'), fullPage: false });
      await page.locator('#techniques').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'report-techniques.png'), fullPage: false });
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('names a sealed ground truth sealed, and does not print it, when no key opens it', async () => {
    const keyless = join(dir, 'other-keys');
    mkdirSync(keyless);
    const out = join(dir, 'keyless.html');
    const written = await runCli(['report', 'report-micro', '--db', db, '-o', out], { env: cleanEnv({ AUDITGYM_KEYS: keyless }), cwd: dir });
    expect(written.code, written.stderr).toBe(0);
    const taboo = microSuite().organisms.find((organism) => organism.id === 'micro/taboo');
    const truth = taboo?.groundTruth;
    if (truth === undefined || !('behaviours' in truth) || truth.rootCause === undefined) throw new Error('the micro suite has no plain taboo ground truth');
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain(truth.rootCause.replaceAll('"', '&quot;'));
    expect(html).not.toContain(truth.rootCause);
    for (const behaviour of truth.behaviours) expect(html).not.toContain(behaviour.description);

    const { page } = await openReport(out);
    try {
      expect(await page.locator('section.organism[data-environment="micro/taboo"] [data-ground-truth="sealed"]').count()).toBe(1);
      // Dev-split truth stays readable.
      expect(await page.locator('section.organism[data-environment="micro/control"] [data-ground-truth="open"]').count()).toBe(1);
    } finally {
      await page.close();
    }
  }, 120_000);
});

describe('auditgym report on a hostile store', () => {
  it('shows model, tool and auditor text as text: nothing in it runs', async () => {
    const dir = scratchDir('auditgym-report-');
    const db = join(dir, 'store.db');
    const store = new SqliteStore(db);
    writeHostileExperiment(store);
    store.close();
    const out = join(dir, 'hostile.html');
    const written = await runCli(['report', 'hostile', '--db', db, '-o', out], { env: cleanEnv(), cwd: dir });
    expect(written.code, written.stderr).toBe(0);

    const { page, requests, dialogs, errors } = await openReport(out);
    try {
      expect(await page.evaluate(() => (globalThis as unknown as Record<string, unknown>)['__xss'])).toBeUndefined();
      expect(requests).toEqual([pathToFileURL(out).href]);
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
      expect(await page.locator('img, iframe, [onerror], [onclick]').count()).toBe(0);
      // The payloads are there as text a reader can see.
      expect(await page.locator('h1').textContent()).toBe(`hostile ${SCRIPT}`);
      expect(await page.getByText(IMG).first().isVisible()).toBe(true);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('refuses a stored experiment whose spec does not parse, and a missing one, with exit code 2 and no file', async () => {
    const dir = scratchDir('auditgym-report-');
    const db = join(dir, 'store.db');
    const store = new SqliteStore(db);
    store.createExperiment({ id: 'old', name: 'old', createdAt: new Date().toISOString(), plugins: [], spec: { id: 'old', name: 'old' } }, []);
    store.close();
    for (const id of ['old', 'none']) {
      const out = join(dir, `${id}.html`);
      const result = await runCli(['report', id, '--db', db, '-o', out], { env: cleanEnv(), cwd: dir });
      expect(result.code, id).toBe(2);
      expect(result.stderr, id).toMatch(/experiment/);
      expect(existsSync(out), id).toBe(false);
    }
  });
});
