import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SystemError, UserError } from '../core/errors.js';
import { DEFAULT_LIMITS, HttpFailure, hardenServer, hostAllowed, listenOn, readBody } from '../server/hardening.js';

/**
 * Serves one micro-organism over HTTP: OpenAI-compatible chat and text completions, and the
 * white-box protocol of docs/whitebox-protocol.md. Bound to 127.0.0.1 unless told otherwise. The model
 * runs in a worker thread, so `/v1/models` and the Host and size checks answer at once even while a
 * long white-box request computes; requests to the model are answered in order.
 */

export interface OrganismServer {
  url: string;
  close(): Promise<void>;
}

/** The compiled worker script; under a TypeScript test runner the sources run directly, so it is taken from dist. */
function workerScript(): URL {
  const beside = new URL('./serve-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/micro/serve-worker.js', import.meta.url);
}

export async function serveOrganism(organism: string, options: { port?: number; host?: string } = {}): Promise<OrganismServer> {
  const host = options.host ?? '127.0.0.1';
  const worker = new Worker(workerScript(), { workerData: { organism } });
  const pending = new Map<number, (reply: { status: number; body: unknown }) => void>();
  let next = 0;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { ready?: boolean; error?: string; id?: number; status?: number; body?: unknown }) => {
      if (message.ready === true) resolve();
      else if (message.ready === false)
        reject(new UserError('organism-unavailable', `cannot load ${organism}: ${message.error ?? 'unknown error'}`, { field: 'organism', fix: 'build it first: auditgym organisms build' }));
      else if (message.id !== undefined) {
        pending.get(message.id)?.({ status: message.status ?? 500, body: message.body });
        pending.delete(message.id);
      }
    });
  });
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.on('error', (error) => {
    for (const reply of pending.values()) reply({ status: 500, body: { error: { message: `the model worker failed: ${error.message}`, type: 'server_error', param: null, code: null } } });
    pending.clear();
  });
  const ask = (key: string, body: unknown) =>
    new Promise<{ status: number; body: unknown }>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      worker.postMessage({ id, key, body });
    });
  const created = Math.floor(Date.now() / 1_000);
  const modelId = `micro:${organism}`;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      if (response.headersSent) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const failure = (status: number, message: string, type = 'invalid_request_error') => send(status, { error: { message, type, param: null, code: null } });
    if (!hostAllowed(request, host)) {
      request.resume();
      failure(403, 'this server only answers requests addressed to localhost', 'permission_error');
      return;
    }
    const key = `${request.method ?? 'GET'} ${(request.url ?? '').split('?')[0]}`;
    // Answered here, so it stays quick while the model is busy.
    if (key === 'GET /v1/models') {
      request.resume();
      send(200, { object: 'list', data: [{ id: modelId, object: 'model', created, owned_by: 'auditgym' }] });
      return;
    }
    void (async () => {
      try {
        let body: unknown;
        if (request.method === 'POST') {
          const bytes = await readBody(request, DEFAULT_LIMITS.maxBodyBytes);
          try {
            body = JSON.parse(bytes.toString('utf8'));
          } catch {
            throw new HttpFailure(400, 'the body is not valid JSON');
          }
        } else request.resume();
        const reply = await ask(key, body);
        send(reply.status, reply.body);
      } catch (error) {
        if (error instanceof HttpFailure) failure(error.status, error.message, error.status === 413 ? 'request_too_large' : 'invalid_request_error');
        else failure(500, error instanceof Error ? error.message : String(error), 'server_error');
      }
    })();
  });
  hardenServer(server);
  let address;
  try {
    address = await listenOn(server, options.port ?? 0, host);
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.terminate();
      if (pending.size > 0) throw new SystemError('serve-closed', 'requests were still pending when the server closed');
    },
  };
}
