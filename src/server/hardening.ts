import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../core/errors.js';

/**
 * What every auditgym HTTP server shares (`serve`, `view`, and any later one): a Host check against DNS
 * rebinding, bounded request bodies, timeouts on slow clients, and clear errors for a port or host
 * that cannot be used.
 */

export const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface ServerLimits {
  /** The largest request body answered; a larger one gets 413. */
  maxBodyBytes: number;
  /** How long a client may take to send its headers, and its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxBodyBytes: 8 * 1024 * 1024, headersTimeoutMs: 20_000, requestTimeoutMs: 120_000 };

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A server bound to a loopback address answers only requests addressed to a loopback name, so a page
 * on another site cannot reach it through DNS rebinding. Bound to another address, any Host is allowed.
 */
export function hostAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!LOOPBACK.has(boundHost)) return true;
  const host = (request.headers.host ?? '').trim().toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return LOOPBACK.has(name);
}

/**
 * Parses a request's target and checks its Host, as every local page server does first. A refusal is
 * plain text naming what was wrong; `what` names the server in it ("viewer", "page").
 */
export function admitRequest(request: IncomingMessage, boundHost: string, what: string): { ok: true; url: URL } | { ok: false; status: number; message: string } {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://local.invalid');
  } catch {
    return { ok: false, status: 400, message: 'bad request\n' };
  }
  if (!hostAllowed(request, boundHost)) return { ok: false, status: 403, message: `this ${what} only answers requests addressed to localhost\n` };
  return { ok: true, url };
}

/** Reads a request body of at most `limit` bytes; a larger one is refused with a 413 failure, early. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(new HttpFailure(413, `the request body is ${declared} bytes; at most ${limit} are accepted`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        reject(new HttpFailure(413, `the request body is over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!refused) reject(error);
    });
  });
}

/** Sets the timeouts that keep a slow or stalled client from holding the server. */
export function hardenServer(server: Server, limits: ServerLimits = DEFAULT_LIMITS): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = 5_000;
}

/** Listens, or throws a user error naming `--port` or `--host` and the fix. Resolves to the address bound. */
export async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw listenError(error as NodeJS.ErrnoException, port, host);
  }
  return server.address() as AddressInfo;
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') {
    return new UserError('port-in-use', `--port ${port}: the port is already in use on ${host}`, { field: '--port', fix: 'choose another port, or --port 0 for any free one' });
  }
  if (error.code === 'EACCES') {
    return new UserError('port-not-allowed', `--port ${port}: not allowed to listen on this port`, { field: '--port', fix: 'use a port above 1023, or --port 0 for any free one' });
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new UserError('bad-host', `--host ${host}: not an address of this machine`, { field: '--host', fix: 'use --host 127.0.0.1 (the default)' });
  }
  return error;
}
