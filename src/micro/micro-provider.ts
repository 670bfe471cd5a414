import { z } from 'zod';
import type { ModelProvider } from '../core/model-provider.js';
import { MICRO_CAPABILITIES } from './capabilities.js';
import { resolveMicroModel } from './lazy-model.js';

/** `micro:<organism>`: the trained zoo, run in-process with no endpoint, no key and full white-box access. */
export const microProvider: ModelProvider = {
  name: 'micro',
  version: '2',
  description: 'micro-organisms trained in-process (micro:<organism id>): offline and fully white-box',
  // Nothing to configure: options a spec gives a micro-organism are ignored, as they always were.
  params: z.object({}),
  resolve: (model) => resolveMicroModel(model),
  describe: () => ({ wire: 'in-process', baseUrl: null, baseUrlEnv: null, apiKeyEnv: null, keyRequired: false, capabilities: [...MICRO_CAPABILITIES] }),
};
