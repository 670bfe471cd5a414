// The browser half of the viewer. It is compiled by tsc like the rest and served as the source of
// `viewerClient`, so it must stay self-contained: no imports, no references outside the function.
// The DOM is described by the few members it uses, since the project compiles without DOM types.

interface ClientElement {
  textContent: string | null;
  className: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): ClientElement | null;
  querySelectorAll(selector: string): ArrayLike<ClientElement>;
  addEventListener(type: string, listener: () => void): void;
  form?: { requestSubmit(): void } | null;
}

interface ClientDocument {
  querySelector(selector: string): ClientElement | null;
  querySelectorAll(selector: string): ArrayLike<ClientElement>;
}

interface ClientWindow {
  location: { search: string; reload(): void };
  fetch(url: string, init: { headers: Record<string, string>; cache: string }): Promise<{ ok: boolean; json(): Promise<unknown> }>;
  setTimeout(callback: () => void, ms: number): unknown;
}

interface LiveGame {
  id: string;
  status: string;
  outcome: string;
  score: number | null;
}

interface LiveCell {
  environmentId: string;
  auditor: string;
  affordanceSet: string;
  graded: number;
  wins: number;
  winRate: number;
  interval: { low: number; high: number };
}

interface LiveExperiment {
  counts: Record<string, number>;
  games: LiveGame[];
  cells: LiveCell[];
}

export function viewerClient(doc: ClientDocument, win: ClientWindow): void {
  const each = (selector: string, action: (element: ClientElement) => void, root: ClientDocument | ClientElement = doc) => {
    const found = root.querySelectorAll(selector);
    for (let index = 0; index < found.length; index++) {
      const element = found[index];
      if (element !== undefined) action(element);
    }
  };
  const pct = (value: number) => `${Math.round(100 * value)}%`;
  const rate = (value: number) => `good-${Math.round(10 * Math.min(1, Math.max(0, value)))}`;
  const getJson = async (url: string): Promise<unknown> => {
    const response = await win.fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`${url}: ${String(response.ok)}`);
    return response.json();
  };

  // Filters apply as soon as one is chosen; the button stays for pages read without scripts.
  each('select[data-autosubmit]', (select) => select.addEventListener('change', () => select.form?.requestSubmit()));

  const setText = (element: ClientElement | null, text: string) => {
    if (element !== null && element.textContent !== text) element.textContent = text;
  };

  const live = doc.querySelector('[data-live-experiment]');
  if (live !== null && Number(live.getAttribute('data-unfinished') ?? '0') > 0) {
    const id = live.getAttribute('data-live-experiment') ?? '';
    const indicator = doc.querySelector('[data-live-indicator]');
    const poll = async (): Promise<void> => {
      let data: LiveExperiment;
      try {
        data = (await getJson(`/api/experiments/${encodeURIComponent(id)}${win.location.search}`)) as LiveExperiment;
      } catch {
        setText(indicator, 'live: connection lost, retrying');
        win.setTimeout(() => void poll(), 4000);
        return;
      }
      const rows = doc.querySelectorAll('tr[data-game]');
      const shown = new Set<string>();
      for (let index = 0; index < rows.length; index++) shown.add(rows[index]?.getAttribute('data-game') ?? '');
      // A game planned after the page was drawn (adaptive sweeps add games as cells go on) needs the whole page.
      if (data.games.some((game) => !shown.has(game.id))) {
        win.location.reload();
        return;
      }
      for (const game of data.games) {
        const row = doc.querySelector(`tr[data-game="${game.id.replace(/["\\]/g, '')}"]`);
        if (row === null) continue;
        const status = row.querySelector('[data-field="status"]');
        setText(status, game.status);
        if (status !== null) status.className = `badge status-${game.status}`;
        const outcome = row.querySelector('[data-field="outcome"]');
        setText(outcome, game.outcome);
        if (outcome !== null) outcome.className = `badge outcome-${game.outcome}`;
        setText(row.querySelector('[data-field="score"]'), game.score === null ? '' : game.score.toFixed(2));
        row.setAttribute('data-outcome', game.outcome);
      }
      for (const [name, value] of Object.entries(data.counts)) each(`[data-count="${name}"]`, (element) => setText(element, String(value)));
      for (const cell of data.cells) {
        each('[data-cell]', (element) => {
          if (element.getAttribute('data-cell') !== JSON.stringify([cell.environmentId, cell.auditor, cell.affordanceSet])) return;
          element.className = cell.graded === 0 ? 'cell heat-none' : `cell ${rate(cell.winRate)}`;
          setText(element.querySelector('.main'), `${cell.wins}/${cell.graded}`);
          setText(element.querySelector('.sub'), cell.graded === 0 ? '—' : `${pct(cell.winRate)} [${pct(cell.interval.low)}–${pct(cell.interval.high)}]`);
        });
      }
      const unfinished = data.counts.unfinished ?? 0;
      live.setAttribute('data-unfinished', String(unfinished));
      if (unfinished > 0) {
        setText(indicator, `live: ${unfinished} games still to finish`);
        win.setTimeout(() => void poll(), 2000);
      } else {
        setText(indicator, 'all games done');
      }
    };
    win.setTimeout(() => void poll(), 2000);
  }

  const liveGame = doc.querySelector('[data-live-game]');
  if (liveGame !== null) {
    const id = liveGame.getAttribute('data-live-game') ?? '';
    const seen = `${liveGame.getAttribute('data-status') ?? ''}/${liveGame.getAttribute('data-events') ?? ''}`;
    const poll = async (): Promise<void> => {
      try {
        const data = (await getJson(`/api/games/${encodeURIComponent(id)}/status`)) as { status: string; events: number };
        if (`${data.status}/${data.events}` !== seen) {
          win.location.reload();
          return;
        }
      } catch {
        // The next poll tries again.
      }
      win.setTimeout(() => void poll(), 2000);
    };
    win.setTimeout(() => void poll(), 2000);
  }
}

/** The script the pages load from /assets/viewer.js. */
export function clientScript(): string {
  return `'use strict';\n(${viewerClient.toString()})(document, window);\n`;
}
