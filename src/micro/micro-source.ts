import { z } from 'zod';
import type { OrganismEntry, OrganismSource } from '../core/organism-source.js';
import { loadZoo, MICRO_SUITE_ID, microSuite } from './zoo-specs.js';

// Spec reading only, like zoo-specs: listing or resolving the micro suite loads no tensor runtime.

/** The trained zoo in `organisms/micro/`, as the suite `micro`. */
export const microSource: OrganismSource = {
  name: 'micro',
  version: '1',
  description: 'the micro-organisms trained in-process from organisms/micro/',
  params: z.strictObject({}),
  suites: () => [microSuite()],
  suite: (id) => (id === MICRO_SUITE_ID ? microSuite() : undefined),
  organisms: (): OrganismEntry[] =>
    loadZoo().organisms.map(({ spec }) => ({
      id: spec.id,
      name: spec.name,
      suite: MICRO_SUITE_ID,
      description: spec.description,
      control: spec.control,
      built: spec.weights !== undefined,
      behaviours: spec.groundTruth.behaviours.map((behaviour) => ({ id: behaviour.id, category: behaviour.category })),
    })),
};
