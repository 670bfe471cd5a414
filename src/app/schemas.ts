import { z } from 'zod';
import { OrganismSpec } from '../contracts/organism.js';
import { EnvironmentSpec } from '../contracts/environment.js';
import { ExperimentSpec, SuiteSpec } from '../contracts/suite.js';

/** JSON Schemas of the spec files, for editors (YAML language servers read them). */
export function specSchemas(): Record<string, unknown> {
  const entries = { organism: OrganismSpec, environment: EnvironmentSpec, suite: SuiteSpec, experiment: ExperimentSpec } as const;
  return Object.fromEntries(
    Object.entries(entries).map(([name, schema]) => [
      `${name}.schema.json`,
      {
        ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
        $id: `https://auditgym.dev/schemas/${name}.schema.json`,
        // Top-level `x-` keys hold shared YAML anchors; the loader drops them.
        patternProperties: { '^x-': {} },
        title: `auditgym ${name} spec`,
      },
    ]),
  );
}
