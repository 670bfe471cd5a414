import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ROOT } from './cli.js';

// Inspect's published schema, read from the shared fixtures (never copied into the project): beside
// this checkout, or, for a scratch clone of a local checkout, beside the checkout it was cloned from.
export const INSPECT_FIXTURES =
  [resolve(ROOT, '../shared/fixtures/inspect'), ...clonedFrom().map((origin) => resolve(origin, '../shared/fixtures/inspect'))].find((dir) => existsSync(dir)) ??
  resolve(ROOT, '../shared/fixtures/inspect');

function clonedFrom(): string[] {
  try {
    const origin = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return isAbsolute(origin) ? [origin] : [];
  } catch {
    return [];
  }
}

type Schema = { [key: string]: unknown };

/**
 * `written`: the schema as Inspect publishes it. It is generated from Inspect's models in
 * serialization mode, so every field with a default is listed as required: it describes what a
 * current Inspect writes, and our export is held to it.
 *
 * `read`: what Inspect accepts when it reads a log. Inspect fills fields that have defaults, so a log
 * written by an older Inspect (like the sample fixture) lacks fields the published schema requires.
 * Here a field is optional when the schema gives it a default, admits null, or is a list or a map
 * (Inspect's empty defaults); discriminator tags (`const`) stay required.
 */
export type SchemaMode = 'written' | 'read';

function admitsNull(schema: unknown, components: Schema): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const node = schema as Schema;
  if (typeof node.$ref === 'string') {
    const target = components[node.$ref.replace('#/components/schemas/', '')];
    // An empty schema (Inspect's JsonValue) admits anything, null included.
    return typeof target === 'object' && target !== null && Object.keys(target).length === 0;
  }
  return Array.isArray(node.anyOf) && node.anyOf.some((branch) => (branch as Schema).type === 'null');
}

function optionalWhenRead(schema: unknown, components: Schema): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const node = schema as Schema;
  if ('const' in node) return false;
  return 'default' in node || admitsNull(node, components) || node.type === 'array' || node.type === 'object';
}

/** Rewrites OpenAPI's extras into plain JSON Schema 2020-12 that ajv compiles. */
function convert(node: unknown, mode: SchemaMode, components: Schema): unknown {
  if (Array.isArray(node)) return node.map((item) => convert(item, mode, components));
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, property]) => [name, convert(property, mode, components)]));
    } else if (key === 'discriminator') {
      // ajv checks discriminators itself but rejects OpenAPI's `mapping`; the tags carry the same information.
      out[key] = { propertyName: (value as Schema).propertyName };
    } else if (key === 'nullable') {
      // OpenAPI 3.0 spelling; 3.1 documents (Inspect's) use `type: null` instead, but accept both.
      continue;
    } else {
      out[key] = convert(value, mode, components);
    }
  }
  if ((node as Schema).nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (mode === 'read' && Array.isArray(out.required) && typeof out.properties === 'object' && out.properties !== null) {
    const properties = out.properties as Schema;
    out.required = (out.required as string[]).filter((name) => !optionalWhenRead(properties[name], components));
  }
  return out;
}

export function readInspectOpenApi(): { components: { schemas: Schema } } {
  return JSON.parse(readFileSync(resolve(INSPECT_FIXTURES, 'inspect-openapi.json'), 'utf8')) as { components: { schemas: Schema } };
}

export function readSampleLog(): Schema {
  return JSON.parse(readFileSync(resolve(INSPECT_FIXTURES, 'sample-eval-log.json'), 'utf8')) as Schema;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A validator of Inspect's `EvalLog`, compiled from the OpenAPI components. */
export function inspectLogValidator(mode: SchemaMode): ValidateFunction {
  const document = readInspectOpenApi();
  const components = document.components.schemas;
  const schema = { $ref: '#/components/schemas/EvalLog', components: { schemas: convert(components, mode, components) } };
  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The first few errors, readable in a failed assertion. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 15).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}
