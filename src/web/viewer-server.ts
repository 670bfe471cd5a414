import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { admitRequest, hardenServer, listenOn } from '../server/hardening.js';
import { browseExperiment, browseExperiments, browseGame, OUTCOMES, overviewOfExperiment, type GameFilter, type Outcome, type ReadStore } from '../app/browse.js';
import { openReadonlyStore, type AppOptions } from '../app/context.js';
import { clientScript } from './client-script.js';
import { comparePage, comparePicker, errorPage, experimentPage, experimentsPage, gamePage, layout, liveGameRows } from './pages.js';
import type { Html } from '../app/html.js';
import { VIEWER_CSS } from './styles.js';

export const DEFAULT_VIEWER_PORT = 7788;

/** `--port` as typed: a whole number from 0 (any free port) to 65535. */
export const ViewerPort = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a whole number from 0 to 65535')
  .transform(Number)
  .pipe(z.number().max(65_535, 'must be a whole number from 0 to 65535'));

/** `--host` as typed: an address or name of this machine. */
export const ViewerHost = z
  .string()
  .trim()
  .min(1, 'must name an address, e.g. 127.0.0.1')
  .max(255)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be an address or host name, e.g. 127.0.0.1');

export interface ViewerOptions extends AppOptions {
  port: number;
  host: string;
  /** Where request failures are reported; the page itself shows only a short message. */
  log?: ((line: string) => void) | undefined;
}

export interface Viewer {
  url: string;
  store: string;
  close(): Promise<void>;
}

// No inline script or style and no other origin: stored text that slips past escaping still cannot run.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The headers every page of the viewer and of `auditgym play` carries. */
export const COMMON_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(request: IncomingMessage, response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': String(bytes.length), ...extra });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

function filterOf(query: URLSearchParams): GameFilter {
  const text = (name: string) => {
    const value = query.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const auditor = text('auditor');
  const outcome = text('outcome');
  return {
    environment: text('env'),
    auditorIndex: auditor !== undefined && /^\d{1,4}$/.test(auditor) ? Number(auditor) : undefined,
    affordanceSet: text('set'),
    outcome: outcome !== undefined && (OUTCOMES as readonly string[]).includes(outcome) ? (outcome as Outcome) : undefined,
  };
}

/** A path segment after a prefix, decoded; undefined when the path is not under the prefix. */
function segment(path: string, prefix: string, suffix = ''): string | undefined {
  if (!path.startsWith(prefix) || !path.endsWith(suffix)) return undefined;
  const raw = path.slice(prefix.length, path.length - suffix.length);
  if (raw === '' || raw.includes('/')) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'the address is not valid');
  }
}

async function route(store: ReadStore, storePath: string, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = url.pathname;
  const page = (title: string, body: Html, status = 200) => send(request, response, status, 'text/html; charset=utf-8', layout(title, body, { store: storePath }).value);
  const json = (value: unknown) => send(request, response, 200, 'application/json; charset=utf-8', JSON.stringify(value));

  if (path === '/assets/viewer.css') return send(request, response, 200, 'text/css; charset=utf-8', VIEWER_CSS);
  if (path === '/assets/viewer.js') return send(request, response, 200, 'text/javascript; charset=utf-8', clientScript());
  if (path === '/favicon.ico') return send(request, response, 204, 'text/plain', '');

  if (path === '/' || path === '/experiments') return page('Experiments', experimentsPage(await browseExperiments(store)));
  if (path === '/api/experiments') return json(await browseExperiments(store));

  const experimentId = segment(path, '/experiments/');
  if (experimentId !== undefined) {
    const filter = filterOf(url.searchParams);
    const detail = await browseExperiment(store, experimentId, filter);
    if (detail === undefined) throw new HttpError(404, `No experiment "${experimentId}" in this store.`);
    return page(detail.name, experimentPage(detail, overviewOfExperiment(detail), filter));
  }
  const apiExperiment = segment(path, '/api/experiments/');
  if (apiExperiment !== undefined) {
    const detail = await browseExperiment(store, apiExperiment, filterOf(url.searchParams));
    if (detail === undefined) throw new HttpError(404, `No experiment "${apiExperiment}" in this store.`);
    const { id, name, createdAt, unfinished, finished, errors, games, graded, wins } = overviewOfExperiment(detail);
    return json({ id, name, createdAt, counts: { games, finished, errors, unfinished, graded, wins }, games: liveGameRows(detail.games), cells: detail.cells });
  }

  const gameId = segment(path, '/games/');
  if (gameId !== undefined) {
    const detail = await browseGame(store, gameId);
    if (detail === undefined) throw new HttpError(404, `No game "${gameId}" in this store.`);
    return page(`Game ${gameId}`, gamePage(detail, await store.listGames(detail.game.experimentId)));
  }
  const gameStatus = segment(path, '/api/games/', '/status');
  if (gameStatus !== undefined) {
    const game = await store.getGame(gameStatus);
    if (game === undefined) throw new HttpError(404, `No game "${gameStatus}" in this store.`);
    return json({ id: game.id, status: game.status, events: (await store.getEvents(game.id)).length });
  }
  const apiGame = segment(path, '/api/games/');
  if (apiGame !== undefined) {
    const detail = await browseGame(store, apiGame);
    if (detail === undefined) throw new HttpError(404, `No game "${apiGame}" in this store.`);
    return json(detail);
  }

  if (path === '/compare') {
    const a = url.searchParams.get('a') ?? '';
    const b = url.searchParams.get('b') ?? '';
    if (a === '' || b === '') return page('Compare', comparePicker('Choose two games to compare.'), a === '' && b === '' ? 200 : 400);
    const [left, right] = [await browseGame(store, a), await browseGame(store, b)];
    if (left === undefined || right === undefined) throw new HttpError(404, `No game "${left === undefined ? a : b}" in this store.`);
    return page('Compare', comparePage(left, right));
  }
  throw new HttpError(404, `Nothing at ${path}.`);
}

/**
 * Serves a read-only web viewer of the store: experiments, games with filters and win-rate cells,
 * transcripts with graded reports, and side-by-side comparisons. Only GET and HEAD are answered.
 */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const store = openReadonlyStore(options);
  // A name that resolves to loopback only answers requests addressed to loopback names, so a page on
  // another site cannot read the store through DNS rebinding.
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      request.resume();
      send(request, response, 405, 'text/plain; charset=utf-8', 'read-only viewer: only GET and HEAD are allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const admitted = admitRequest(request, options.host, 'viewer');
    if (!admitted.ok) {
      send(request, response, admitted.status, 'text/plain; charset=utf-8', admitted.message);
      return;
    }
    const url = admitted.url;
    route(store, store.path, url, request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) options.log?.(`viewer: ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const message = status === 500 ? 'The viewer could not read this from the store. The details are in the terminal running auditgym view.' : (error as Error).message;
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (url.pathname.startsWith('/api/')) send(request, response, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
      else send(request, response, status, 'text/html; charset=utf-8', layout('Error', errorPage(status, message), { store: store.path }).value);
    });
  });
  hardenServer(server);
  let address: AddressInfo;
  try {
    address = await listenOn(server, options.port, options.host);
  } catch (error) {
    store.close();
    throw error;
  }
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostText}:${address.port}/`,
    store: store.path,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}
