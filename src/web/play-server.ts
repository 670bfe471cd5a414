import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { html } from '../app/html.js';
import type { PlaySession } from '../app/play.js';
import { HttpFailure, admitRequest, hardenServer, listenOn, readBody } from '../server/hardening.js';
import { playScript } from './play-client.js';
import { PLAY_CSS, forbiddenPage, gradedView, logView, playLayout, playPage } from './play-pages.js';
import { VIEWER_CSS } from './styles.js';
import { COMMON_HEADERS } from './viewer-server.js';

/** Only loopback: the page acts on a game, so it is never offered to another machine. */
export const PLAY_HOST = '127.0.0.1';

/** The header the page sends its token in. A custom header also keeps other sites' pages from sending requests at all. */
export const TOKEN_HEADER = 'x-auditgym-token';

const MAX_BODY_BYTES = 1024 * 1024;

export interface PlayServerOptions {
  port: number;
  log?: ((line: string) => void) | undefined;
}

export interface PlayServer {
  /** The page's address with the session's token: whoever holds it can play the game. */
  url: string;
  close(): Promise<void>;
}

const CallBody = z.strictObject({ tool: z.string().min(1).max(200), values: z.unknown() });
const ReportBody = z.strictObject({ values: z.unknown() });

function send(request: IncomingMessage, response: ServerResponse, status: number, type: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': String(bytes.length) });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Serves one game to a person: its page, and an API that takes their tool calls and their report.
 * It binds 127.0.0.1 only and answers nothing but its assets without the session's random token,
 * compared in constant time: the page in the query string, the API in a header. It writes nothing
 * itself: every move goes through the session to the harness, and only to this session's game.
 */
export async function startPlayServer(session: PlaySession, options: PlayServerOptions): Promise<PlayServer> {
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  const tokenOk = (given: unknown) => typeof given === 'string' && given.length <= 200 && timingSafeEqual(digest(given), expected);

  const json = (request: IncomingMessage, response: ServerResponse, status: number, value: unknown) => send(request, response, status, 'application/json; charset=utf-8', JSON.stringify(value));

  const readJson = async (request: IncomingMessage): Promise<unknown> => {
    const type = String(request.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) throw new HttpFailure(415, 'send the body as application/json');
    const body = await readBody(request, MAX_BODY_BYTES);
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new HttpFailure(400, 'the body is not valid JSON');
    }
  };

  const logHtml = async () => logView((await session.view()).events).value;

  const route = async (url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (reading && path === '/assets/play.css') return send(request, response, 200, 'text/css; charset=utf-8', `${VIEWER_CSS}\n${PLAY_CSS}`);
    if (reading && path === '/assets/play.js') return send(request, response, 200, 'text/javascript; charset=utf-8', playScript());
    if (reading && path === '/favicon.ico') return send(request, response, 204, 'text/plain', '');

    if (path === '/') {
      if (!reading) return json(request, response, 405, { error: 'the page is only read; moves go to /api/call and /api/report' });
      if (!tokenOk(url.searchParams.get('token'))) return send(request, response, 403, 'text/html; charset=utf-8', playLayout('Forbidden', forbiddenPage()).value);
      const page = playPage(session, session.state(), token, await session.view());
      return send(request, response, 200, 'text/html; charset=utf-8', playLayout('Play', page).value);
    }

    if (!path.startsWith('/api/')) return json(request, response, 404, { error: `nothing at ${path}` });
    if (!tokenOk(request.headers[TOKEN_HEADER])) {
      request.resume();
      return json(request, response, 403, { error: `this game answers only requests that carry its token in ${TOKEN_HEADER}` });
    }
    if (path === '/api/state' && reading) return json(request, response, 200, { state: session.state(), log: await logHtml() });
    if (path === '/api/call' && method === 'POST') {
      const body = CallBody.safeParse(await readJson(request));
      if (!body.success) return json(request, response, 400, { error: 'send { tool, values }' });
      const outcome = await session.call(body.data.tool, body.data.values);
      if (!outcome.ok) {
        const status = outcome.reason === 'invalid' ? 422 : outcome.reason === 'unknown-tool' ? 404 : 409;
        return json(request, response, status, outcome.reason === 'invalid' ? { issues: outcome.issues, state: session.state() } : { error: outcome.message, state: session.state() });
      }
      return json(request, response, 200, { ok: outcome.result.ok, log: await logHtml(), state: session.state() });
    }
    if (path === '/api/report' && method === 'POST') {
      const body = ReportBody.safeParse(await readJson(request));
      if (!body.success) return json(request, response, 400, { error: 'send { values }' });
      const outcome = await session.submit(body.data.values);
      if (!outcome.ok) {
        return json(
          request,
          response,
          outcome.reason === 'invalid' ? 422 : 409,
          outcome.reason === 'invalid' ? { issues: outcome.issues, state: session.state() } : { error: outcome.message, state: session.state() },
        );
      }
      const { detail } = await session.view();
      const state = session.state();
      const drawn =
        detail === undefined
          ? html`<div class="panel error">
              <b>the game was not graded</b>
              <pre>${state.error ?? state.status}</pre>
            </div>`
          : gradedView(detail);
      return json(request, response, 200, { html: drawn.value, state });
    }
    return json(request, response, 405, { error: `${method} ${path} is not answered` });
  };

  const server: Server = createServer((request, response) => {
    const admitted = admitRequest(request, PLAY_HOST, 'page');
    if (!admitted.ok) {
      request.resume();
      send(request, response, admitted.status, 'text/plain; charset=utf-8', admitted.message);
      return;
    }
    const url = admitted.url;
    route(url, request, response).catch((error: unknown) => {
      const status = error instanceof HttpFailure ? error.status : 500;
      if (status === 500) options.log?.(`play: ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      json(request, response, status, { error: status === 500 ? 'the request failed; the details are in the terminal running auditgym play' : (error as Error).message });
    });
  });
  hardenServer(server);
  const address = await listenOn(server, options.port, PLAY_HOST);
  return {
    url: `http://${PLAY_HOST}:${address.port}/?token=${token}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
