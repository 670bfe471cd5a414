import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { SHOTS, useChromium } from './support/browser.js';
import { cleanEnv, runCli, scratchDir, startCli } from './support/cli.js';

// A person's game end to end: the built CLI starts `auditgym play` on a micro-organism, and Debian's
// headless Chromium plays it through the forms, as a person would, against one server for the file.

const browser = useChromium();

describe('auditgym play', () => {
  const dir = scratchDir('auditgym-play-');
  const db = join(dir, 'store.db');
  const env = cleanEnv({ AUDITGYM_KEYS: join(dir, 'keys') });
  let url = '';
  let base = '';
  let stop: () => Promise<number | null> = async () => null;
  let page: Page;

  beforeAll(async () => {
    const { child, done } = startCli(['play', 'micro/backdoor', '--affordances', 'chat+whitebox', '--port', '0', '--db', db], { env, cwd: dir });
    url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}/.exec(seen);
        if (match !== null) resolve(match[0]);
      });
      void done.then((result) => reject(new Error(`auditgym play exited with ${String(result.code)}: ${result.stderr}`)));
    });
    base = url.slice(0, url.indexOf('/?'));
    stop = async () => {
      child.kill('SIGTERM');
      return (await done).code;
    };
    page = await browser().newPage({ viewport: { width: 1300, height: 1000 } });
    await page.goto(url);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    expect(await stop()).toBe(0);
  });

  /** The one game in the store, read beside the server as another reader would. */
  const stored = () => {
    const store = new SqliteStore(db, { readonly: true });
    try {
      const experiments = store.listExperiments();
      const games = experiments.flatMap((experiment) => store.listGames(experiment.id));
      const game = games[0];
      return { experiments, games, events: game === undefined ? [] : store.getEvents(game.id), report: game && store.getReport(game.id), grades: game === undefined ? [] : store.getGrades(game.id) };
    } finally {
      store.close();
    }
  };
  const toolCalls = () => stored().events.filter((event) => event.body.type === 'tool-call').length;

  it('shows a bad input beside its field and records nothing', async () => {
    const chat = page.locator('form[data-tool="chat"]');
    await chat.locator('[name="max_tokens"]').fill('lots');
    await chat.getByRole('button', { name: 'Call chat' }).click();
    const beside = (field: string) => chat.locator(`[data-field-box="${field}"] [data-issue-for="${field}"]`);
    await expect.poll(() => beside('message').textContent()).toBe('required');
    expect(await beside('max_tokens').textContent()).toMatch(/whole number/);
    expect(await chat.locator('[name="message"]').getAttribute('aria-invalid')).toBe('true');
    expect(await chat.locator('[name="temperature"]').getAttribute('aria-invalid')).toBeNull();
    // Nothing reached the harness: no tool call counted, no event stored.
    expect(await page.locator('[data-state="toolCalls"]').textContent()).toBe('0');
    const { games } = stored();
    expect(games).toHaveLength(1);
    expect(games[0]?.status).toBe('running');
    expect(toolCalls()).toBe(0);
  }, 30_000);

  it('cannot be read or played from a browser without the token', async () => {
    const before = stored().events.length;
    const stranger = await browser().newContext();
    try {
      const other = await stranger.newPage();
      const response = await other.goto(base);
      expect(response?.status()).toBe(403);
      expect(await other.locator('form').count()).toBe(0);
      expect(await other.locator('[data-task]').count()).toBe(0);
      const wrongToken = await other.goto(`${base}/?token=${'x'.repeat(43)}`);
      expect(wrongToken?.status()).toBe(403);
      // The page's own script is public; the API is not, with no token or a wrong one.
      const attempts = await other.evaluate(async (origin) => {
        const post = (path: string, headers: Record<string, string>, body: unknown) =>
          fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((answer) => answer.status);
        const call = { tool: 'chat', values: { message: 'Hello from elsewhere' } };
        return [
          await post('/api/call', {}, call),
          await post('/api/call', { 'x-auditgym-token': 'guess' }, call),
          await post('/api/report', {}, { values: { summary: 'not mine' } }),
          await fetch(`${origin}/api/state`).then((answer) => answer.status),
        ];
      }, base);
      expect(attempts).toEqual([403, 403, 403, 403]);
    } finally {
      await stranger.close();
    }
    expect(stored().events.length).toBe(before);
    expect(stored().games[0]?.status).toBe('running');
  }, 30_000);

  it('plays two tools through the forms, takes the report, shows the grade, and stores the game as auditor human', async () => {
    const chat = page.locator('form[data-tool="chat"]');
    await chat.locator('[name="max_tokens"]').fill('');
    await chat.locator('[name="message"]').fill('Hello! What do you like to talk about?');
    await chat.getByRole('button', { name: 'Call chat' }).click();
    await expect.poll(() => page.locator('[data-log] [data-event="tool-call"][data-tool="chat"]').count()).toBe(1);
    expect(await chat.locator('[data-issue-for="message"]').textContent()).toBe('');
    expect(await page.locator('[data-log] [data-event="tool-call"][data-tool="chat"] [data-event="tool-result"] pre.output').textContent()).not.toBe('');

    // A white-box tool, its result drawn as the viewer draws it: a table with coloured cells.
    await page.locator('[data-tool-panel="logit_lens"] summary').click();
    const lens = page.locator('form[data-tool="logit_lens"]');
    await lens.locator('[name="text"]').fill('Tell me about your day.');
    await lens.locator('[name="positions"]').fill('-1, -2');
    await lens.getByRole('button', { name: 'Call logit_lens' }).click();
    const table = page.locator('[data-log] .whitebox[data-tool="logit_lens"] table.lens');
    await expect.poll(() => table.count()).toBeGreaterThan(0);
    expect(await table.first().locator('td[class*="heat-"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-state="toolCalls"]').textContent()).toBe('2');
    // Before the grade the page holds no ground truth: none of the grade's words, no game-start event.
    expect(await page.locator('[data-behaviour], [data-event="game-start"], [data-event="target-call"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'play-game.png'), fullPage: false });

    // The report: a bad confidence is refused beside its field, then the fixed report is graded.
    const report = page.locator('form[data-report-form]');
    await report.locator('[name="summary"]').fill('The model talks about places.');
    await report.locator('[name="claims.0.behaviour"]').fill('It steers conversations toward places it knows.');
    await report.locator('[name="claims.0.confidence"]').fill('sure');
    await report.getByRole('button', { name: /Submit the report/ }).click();
    await expect.poll(() => report.locator('[data-issue-for="claims.0.confidence"]').textContent()).toMatch(/number/);
    expect(stored().report).toBeUndefined();
    await report.locator('[name="claims.0.confidence"]').fill('0.6');
    await report.getByRole('button', { name: /Submit the report/ }).click();
    const verdict = page.locator('[data-grade] .grade-head .big');
    await expect.poll(() => verdict.count(), { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'play-graded.png'), fullPage: false });

    const { experiments, games, events, report: kept, grades } = stored();
    expect(experiments).toHaveLength(1);
    expect(games).toHaveLength(1);
    const game = games[0];
    expect(game).toMatchObject({ auditor: 'human', status: 'finished', environmentId: 'micro/backdoor', affordanceSet: 'chat+whitebox' });
    expect(game?.usage?.toolCalls).toBe(2);
    expect(events.filter((event) => event.body.type === 'tool-call').map((event) => (event.body as { tool: string }).tool)).toEqual(['chat', 'logit_lens']);
    expect(kept?.claims).toEqual([{ behaviour: 'It steers conversations toward places it knows.', evidence: '', confidence: 0.6 }]);
    const rubric = grades.find((grade) => grade.grader === 'rubric');
    expect(rubric).toBeDefined();
    expect(await verdict.textContent()).toBe(rubric?.win === true ? 'WIN' : 'LOSS');
    expect(await page.locator('[data-grade] [data-false-count]').textContent()).toBe(String(rubric?.falseClaims.length));
    expect(await page.locator('[data-playing]').isHidden()).toBe(true);
    // The game sits beside agent games: listed, with its auditor, like any other.
    const listed = await runCli(['list', 'experiments', '--json', '--db', db], { env });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: experiments[0]?.id, games: 1, finished: 1 })]);

    // A finished game takes no more moves, whoever holds the token.
    const token = new URL(url).searchParams.get('token') ?? '';
    const late = await fetch(`${base}/api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auditgym-token': token },
      body: JSON.stringify({ tool: 'chat', values: { message: 'one more' } }),
    });
    expect(late.status).toBe(409);
    expect(toolCalls()).toBe(2);
  }, 60_000);

  it('is refused in a batch run, before anything is written', async () => {
    const other = scratchDir('auditgym-play-');
    const spec = join(other, 'human.yaml');
    writeFileSync(spec, 'name: batch human\nsuite: micro\nenvironments: [micro/backdoor]\nauditors: [{ id: human }]\n');
    const result = await runCli(['run', spec, '--db', join(other, 'store.db')], { env, cwd: other });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/auditgym play/);
    expect(existsSync(join(other, 'store.db'))).toBe(false);
  }, 30_000);
});
