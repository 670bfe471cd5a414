import type { Capability } from '../contracts/common.js';

/**
 * What every micro-organism offers. Kept apart from the model class so that resolving a `micro:`
 * target (checking it exists, naming its capabilities) loads no tensor runtime.
 */
export const MICRO_CAPABILITIES: readonly Capability[] = ['chat', 'system-prompt', 'prefill', 'raw-completion', 'logprobs', 'activations', 'interventions', 'unembedding'];
