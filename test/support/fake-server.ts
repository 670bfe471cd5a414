import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Local HTTP servers that speak a provider's real wire format, for testing adapters and the runner
 * without a network. Faults are queued and consumed one per request before normal replies.
 */
/** `none` answers normally; it lets a test interleave faults with good answers in a fixed order. */
export type Fault = 'none' | '429' | '500' | '503' | 'hang' | 'malformed' | 'reset' | 'truncated' | '401-echo';

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeServerOptions {
  /** Computes the reply body for a request; return `{ status, body }` to send an error. */
  respond: (body: unknown, request: RecordedRequest) => unknown | Promise<unknown>;
  faults?: Fault[];
  retryAfterSeconds?: number;
  latencyMs?: number;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  faults: Fault[];
  close(): Promise<void>;
}

export interface WireError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && 'status' in value && typeof (value as WireError).status === 'number' && 'body' in value;
}

export async function startFakeServer(
  options: FakeServerOptions,
  format: { error: (status: number, message: string) => unknown; pathPrefix: string; key: (headers: IncomingHttpHeaders) => string | undefined },
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults = [...(options.faults ?? [])];

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(response, 400, format.error(400, 'request body is not JSON'));
        }
        const recorded: RecordedRequest = { path: request.url ?? '', headers: request.headers, body };
        requests.push(recorded);
        if (options.latencyMs) await new Promise((done) => setTimeout(done, options.latencyMs));
        const fault = faults.shift();
        switch (fault) {
          case '429':
            return send(response, 429, format.error(429, 'Rate limit reached, slow down'), { 'retry-after': String(options.retryAfterSeconds ?? 0) });
          case '500':
            return send(response, 500, format.error(500, 'The server had an error while processing your request'));
          case '503':
            return send(response, 503, format.error(503, 'The engine is currently overloaded'));
          case 'hang':
            return; // never answer; close() destroys the socket
          case 'reset':
            return request.socket.destroy();
          case 'malformed':
            response.writeHead(200, { 'content-type': 'application/json' });
            return response.end('{"id": "x", "choices": [ {"message": ');
          case 'truncated':
            response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
            response.write('{"id": "x", "choices": [');
            return request.socket.destroy();
          case '401-echo':
            return send(response, 401, format.error(401, `Incorrect API key provided: ${format.key(request.headers) ?? ''}`));
          case 'none':
          case undefined:
            break;
        }
        try {
          const reply = await options.respond(body, recorded);
          if (isWireError(reply)) send(response, reply.status, reply.body, reply.headers);
          else send(response, 200, reply);
        } catch (error) {
          send(response, 500, format.error(500, (error as Error).message));
        }
      })();
    });
  });
  const { port, close } = await listenLocally(server);
  return { url: `http://127.0.0.1:${port}${format.pathPrefix}`, requests, faults, close };
}

/** Listens on a free port of 127.0.0.1; `close` also ends open connections, such as a hung request's. */
export async function listenLocally(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
