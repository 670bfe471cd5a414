import * as tf from '@tensorflow/tfjs-core';
// The union package registers the gradient functions that tfjs-core's Node bundle leaves out.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | undefined;

/**
 * Selects the WebAssembly backend (SIMD, one thread) once per process. Every micro-organism call
 * awaits this first; the backend is process-wide, so it is set here and nowhere else.
 */
export function tfReady(): Promise<void> {
  ready ??= (async () => {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the tfjs WebAssembly backend failed to start');
    await tf.ready();
  })();
  return ready;
}

export { tf };
