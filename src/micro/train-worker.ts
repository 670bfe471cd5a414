import { parentPort, workerData } from 'node:worker_threads';
import { tfReady } from './tf.js';
import { shardGradient, type Batch } from './train.js';
import { Transformer, type TransformerConfig } from './transformer.js';

// A data-parallel training replica: it receives the current weights and its shards each step, and
// sends back their gradients. The optimizer lives on the main thread only.
const { config } = workerData as { config: TransformerConfig };
const ready = tfReady().then(() => Transformer.init(config, 0));

parentPort?.on('message', (message: { weights: Float32Array; shards: Batch[] }) => {
  void ready
    .then((model) => {
      model.setFlatWeights(message.weights);
      const results = message.shards.map((shard) => shardGradient(model, shard));
      parentPort?.postMessage(
        { results },
        results.map((result) => result.gradient.buffer as ArrayBuffer),
      );
    })
    .catch((error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }));
});
