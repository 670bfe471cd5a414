import { openTarget } from '../core/sealing.js';
import { unsealer } from './sealing.js';
import type { McpServerSpec } from '../contracts/mcp.js';
import type { SuiteSpec } from '../contracts/suite.js';
import type { Catalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import { Registry } from '../core/registry.js';
import { createTarget } from '../core/target.js';
import type { Tool } from '../core/tools/tool.js';
import type { McpTools } from '../mcp/client.js';
import { catalogOf, modelResolver, type AppOptions } from './context.js';
import { catalogSuites } from './suites.js';

/** Connects every MCP server an experiment names; on failure, closes the ones already open. */
// The MCP SDK is loaded only by experiments and commands that use MCP, so the CLI starts fast.
export async function connectMcpServers(specs: readonly McpServerSpec[], signal: AbortSignal | undefined, env: Readonly<Record<string, string | undefined>>): Promise<McpTools> {
  if (specs.length === 0) return { tools: [], close: async () => {} };
  const { connectMcpTools } = await import('../mcp/client.js');
  const opened: McpTools[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      try {
        opened.push(await connectMcpTools(withSecrets(spec, env, index), signal === undefined ? {} : { signal }));
      } catch (error) {
        if (error instanceof UserError)
          throw new UserError(error.code, error.message, { field: `mcpServers[${index}].${error.field ?? 'transport'}`, ...(error.fix === undefined ? {} : { fix: error.fix }) });
        throw error;
      }
    }
  } catch (error) {
    await Promise.all(opened.map((connection) => connection.close()));
    throw error;
  }
  return { tools: opened.flatMap((connection) => connection.tools), close: async () => void (await Promise.all(opened.map((connection) => connection.close()))) };
}

/** Fills in the values a spec names by variable, at connect time only: the stored spec keeps the names. */
function withSecrets(spec: McpServerSpec, env: Readonly<Record<string, string | undefined>>, index: number): McpServerSpec {
  const read = (name: string, field: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new UserError('missing-env', `${name} is not set`, { field: `mcpServers[${index}].transport.${field}`, fix: `set ${name} in the environment` });
    return value;
  };
  const transport = spec.transport;
  if (transport.type === 'http') {
    const fromEnv = Object.entries(transport.headersFromEnv ?? {}).map(([header, name]) => [header, read(name, `headersFromEnv.${header}`)]);
    return fromEnv.length === 0 ? spec : { ...spec, transport: { ...transport, headers: { ...transport.headers, ...Object.fromEntries(fromEnv) } } };
  }
  const passed = (transport.passEnv ?? []).map((name) => [name, read(name, 'passEnv')]);
  return passed.length === 0 ? spec : { ...spec, transport: { ...transport, env: { ...transport.env, ...Object.fromEntries(passed) } } };
}

/** The catalog with extra tools registered, leaving the original untouched. */
export function withTools(catalog: Catalog, tools: readonly Tool[]): Catalog {
  if (tools.length === 0) return catalog;
  const registry = new Registry<Tool>('tool');
  for (const tool of [...catalog.tools.list(), ...tools]) registry.register(tool);
  return { ...catalog, tools: registry };
}

/** Every environment allows the experiment's own MCP tools; affordance sets decide which are offered. */
export function allowTools(suite: SuiteSpec, names: readonly string[]): SuiteSpec {
  if (names.length === 0) return suite;
  return { ...suite, environments: suite.environments.map((environment) => ({ ...environment, affordances: [...new Set([...environment.affordances, ...names])] })) };
}

export interface McpServeOptions {
  organism: string;
  affordanceSet: string;
  /** Binds the target model for organisms that leave it to the experiment (system-prompted quirks). */
  target?: string | undefined;
}

/**
 * Serves the built-in tools for one organism over MCP on stdio, filtered by an affordance set and by
 * what the organism's target can do, so an external agent can audit it. Resolves when the client
 * disconnects.
 */
export async function serveOrganismMcp(
  serve: McpServeOptions,
  options: AppOptions & { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream },
): Promise<{ closed: Promise<void>; tools: string[] }> {
  const { createMcpToolServer, serveMcpStdio } = await import('../mcp/server.js');
  const catalog = catalogOf(options);
  const organisms = catalogSuites(catalog).flatMap((suite) => suite.organisms);
  const organism = organisms.find((candidate) => candidate.id === serve.organism);
  if (organism === undefined) {
    throw new UserError('unknown-organism', `no organism "${serve.organism}"`, { field: 'organism', fix: `use one of: ${organisms.map((candidate) => candidate.id).join(', ')}` });
  }
  const setTools = catalog.affordanceSets.get(serve.affordanceSet);
  if (setTools === undefined) {
    throw new UserError('unknown-affordance-set', `unknown affordance set "${serve.affordanceSet}"`, { field: '--affordances', fix: `use one of: ${[...catalog.affordanceSets.keys()].join(', ')}` });
  }
  const targetRef = serve.target ?? organism.target.model;
  if (targetRef === undefined) {
    throw new UserError('missing-target', `organism "${organism.id}" runs on a model you choose`, { field: '--target', fix: 'name it, e.g. --target openai:gpt-4o-mini' });
  }
  const resolve = modelResolver(options.env, catalog);
  const model = resolve(targetRef, organism.target.options ?? {});
  const referenceRef = organism.reference?.model ?? (organism.reference === undefined ? undefined : targetRef);
  const referenceModel = referenceRef === undefined ? undefined : referenceRef === targetRef ? model : resolve(referenceRef, organism.reference?.options ?? {});
  const target = createTarget({ organism: openTarget(organism, unsealer(options.env)), model, referenceModel });
  // Tools the target cannot serve are left out rather than refused: a client sees what works.
  const tools = setTools.map((name) => catalog.tools.get(name)).filter((tool) => tool.requires.every((capability) => target.capabilities.has(capability)));
  const notes: string[] = [];
  const server = createMcpToolServer({ name: `auditgym-${organism.id.replace(/[^A-Za-z0-9_-]/g, '-')}`, version: '0.1.0', tools, context: { target, seed: 0, notes } });
  const io = { ...(options.stdin === undefined ? {} : { stdin: options.stdin }), ...(options.stdout === undefined ? {} : { stdout: options.stdout }) } as Parameters<typeof serveMcpStdio>[1];
  const { closed } = await serveMcpStdio(server, io);
  return { closed, tools: tools.map((tool) => tool.name) };
}
