import { parentPort, workerData } from 'node:worker_threads';
import { MicroChatModel } from './micro-model.js';
import { fastPathFor } from './onnx-runtime.js';
import { answer, organismRoutes, type Routes } from './serve-routes.js';
import { tfReady } from './tf.js';
import { loadWeights } from './zoo.js';
import { loadZoo } from './zoo-specs.js';

// Holds one served micro-organism and answers its routes, one request at a time, off the HTTP
// server's thread.
const { organism } = workerData as { organism: string };

async function load(): Promise<Routes> {
  await tfReady();
  const zoo = loadZoo();
  const entry = organism === zoo.base.spec.id ? zoo.base.spec : zoo.organisms.find((candidate) => candidate.spec.id === organism)?.spec;
  const loaded = loadWeights(zoo.dir, organism, entry === undefined ? undefined : entry.weights, zoo.base.spec.worldSeed);
  return organismRoutes(new MicroChatModel(`micro:${organism}`, loaded.model, loaded.tokenizer, undefined, await fastPathFor(loaded.model)));
}

const ready = load();
ready.then(
  () => parentPort?.postMessage({ ready: true }),
  (error: unknown) => parentPort?.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) }),
);

// Requests are answered in order: the model computes one at a time anyway.
let queue = Promise.resolve();
parentPort?.on('message', (message: { id: number; key: string; body: unknown }) => {
  queue = queue.then(async () => {
    const routes = await ready;
    parentPort?.postMessage({ id: message.id, ...(await answer(routes, message.key, message.body)) });
  });
});
