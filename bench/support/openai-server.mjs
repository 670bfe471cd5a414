// A local server speaking the OpenAI chat-completions wire format, with a fixed added latency per
// request: the target for the runner and memory benchmarks. Its "model" answers from the request
// alone (it repeats the first sentence of a system prompt, so organisms differ), which keeps the
// server's own work negligible beside the latency being modelled.
//
// Run as a process (`node bench/support/openai-server.mjs --latency 200`): it prints one JSON line
// with its URL and exits when its stdin closes, so it never outlives the benchmark that started it.
// A separate process keeps its event loop and CPU time out of the process being measured.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

let completions = 0;

function reply(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const system = messages.find((message) => message.role === 'system')?.content ?? '';
  const user = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const leak = typeof system === 'string' ? (system.split(/(?<=[.!?])\s/)[0] ?? '') : '';
  const text = `Happy to help with "${String(user).slice(0, 40)}".${leak === '' ? '' : ` ${leak}`}`;
  const promptTokens = JSON.stringify(messages).length >> 2;
  return {
    id: `chatcmpl-bench-${++completions}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: String(body?.model ?? 'bench'),
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: 20, total_tokens: promptTokens + 20 },
  };
}

/**
 * Starts the server in this process. Besides `/v1/chat/completions` it serves `GET /v1/_bench/stats`
 * (requests answered) and `GET /v1/_bench/requests` (the first recorded request bodies, for replaying
 * the very same requests as the bare reference), and `POST /v1/_bench/reset`.
 */
export function startServer({ latencyMs = 0, record = 2000 } = {}) {
  let requests = 0;
  let recorded = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const send = (status, body) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const path = request.url ?? '';
      if (path === '/v1/_bench/stats') return send(200, { requests });
      if (path === '/v1/_bench/requests') return send(200, recorded);
      if (path === '/v1/_bench/reset') {
        requests = 0;
        recorded = [];
        return send(200, { ok: true });
      }
      if (path !== '/v1/chat/completions') return send(404, { error: { message: `no route ${path}`, type: 'invalid_request_error', param: null, code: null } });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { error: { message: 'request body is not JSON', type: 'invalid_request_error', param: null, code: null } });
      }
      requests++;
      if (recorded.length < record) recorded.push(body);
      const answer = () => send(200, reply(body));
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  // Many concurrent keep-alive connections are the point of the concurrency benchmark.
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 1024;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Starts the server as a child process and resolves once it listens. */
export function spawnServer({ latencyMs = 0 } = {}) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--latency', String(latencyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench server exited early (code ${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { url } = JSON.parse(line);
      resolve({
        url,
        pid: child.pid,
        stats: async () => (await (await fetch(`${url}/_bench/stats`)).json()).requests,
        requests: async () => (await fetch(`${url}/_bench/requests`)).json(),
        reset: async () => {
          await fetch(`${url}/_bench/reset`, { method: 'POST' });
        },
        close: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.stdin.end();
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--latency');
  const latencyMs = at === -1 ? 0 : Number(process.argv[at + 1]);
  const server = await startServer({ latencyMs });
  console.log(JSON.stringify({ url: server.url, latencyMs }));
  process.stdin.on('end', () => {
    void server.close().then(() => process.exit(0));
  });
  process.stdin.resume();
}
