#!/usr/bin/env node
// Runs npm scripts side by side and fails if any fails. The checks before the test run are each
// single-threaded, so on a machine with two or more cores they finish in about the time of the
// longest one. Each script's output is printed whole when it ends, so the logs do not interleave.
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node scripts/parallel.mjs <npm script> [<npm script> ...]');
  process.exit(2);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const runs = names.map(
  (name) =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks = [];
      child.stdout.on('data', (chunk) => chunks.push(chunk));
      child.stderr.on('data', (chunk) => chunks.push(chunk));
      child.on('error', (error) => resolve({ name, code: 1, output: String(error), seconds: 0 }));
      child.on('close', (code) => resolve({ name, code: code ?? 1, output: Buffer.concat(chunks).toString(), seconds: (Date.now() - started) / 1000 }));
    }),
);

let failed = 0;
for (const run of runs) {
  const result = await run;
  const verdict = result.code === 0 ? 'ok' : `failed with exit code ${result.code}`;
  process.stdout.write(`> npm run ${result.name}: ${verdict} in ${result.seconds.toFixed(0)} s\n${result.output}${result.output.endsWith('\n') || result.output === '' ? '' : '\n'}`);
  if (result.code !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
