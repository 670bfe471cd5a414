import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCatalog, type Catalog } from '../core/catalog.js';
import { UserError } from '../core/errors.js';
import { catalogRecipe, rememberCatalogRecipe } from './catalog-recipe.js';

/**
 * A plug-in module: an ES module that exports `register(catalog)` (or a default function of that
 * shape), which adds its tools, auditors, graders, providers or organism sources to the catalog it is
 * given. Modules are loaded in the order given, each onto the catalog the one before it left.
 */
export type PluginModule = { register?: unknown; default?: unknown };

/** Loads plug-in modules by path (relative to `cwd`) onto `catalog`. Bad paths and bad modules are user errors naming the flag. */
export async function loadPlugins(paths: readonly string[], catalog: Catalog, cwd: string, field = '--plugin'): Promise<Catalog> {
  // Modules loaded onto a rebuildable catalog leave one a worker rebuilds by loading them too.
  const before = catalogRecipe(catalog);
  for (const [index, path] of paths.entries()) {
    const where = paths.length > 1 ? `${field}[${index}]` : field;
    const file = resolve(cwd, path);
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UserError('plugin-not-found', `no plug-in module at ${file}`, { field: where, fix: 'give the path of an ES module (.mjs or .js) that exports register(catalog)' });
    }
    if (!isFile) throw new UserError('plugin-not-a-file', `${file} is not a regular file`, { field: where, fix: 'give the path of an ES module file, not a folder or device' });
    let loaded: PluginModule;
    try {
      loaded = (await import(pathToFileURL(file).href)) as PluginModule;
    } catch (error) {
      throw new UserError('plugin-load-failed', `the plug-in module ${file} failed to load: ${error instanceof Error ? error.message : String(error)}`, {
        field: where,
        fix: 'fix the module so that node can import it on its own',
        cause: error,
      });
    }
    const register = typeof loaded.register === 'function' ? loaded.register : loaded.default;
    if (typeof register !== 'function') {
      throw new UserError('plugin-without-register', `the plug-in module ${file} exports no register function`, {
        field: where,
        fix: 'export a function register(catalog) that registers its plug-ins on the catalog',
      });
    }
    try {
      await (register as (catalog: Catalog) => unknown)(catalog);
    } catch (error) {
      throw new UserError('plugin-register-failed', `register() of ${file} failed: ${error instanceof Error ? error.message : String(error)}`, {
        field: where,
        fix: 'check what the module registers: names must be new, and values must follow their contract (docs/plugins.md)',
        cause: error,
      });
    }
  }
  if (before !== undefined) rememberCatalogRecipe(catalog, [...before, ...paths.map((path) => resolve(cwd, path))]);
  return catalog;
}

const BUILTIN_TOOL_NAMES = new Set(
  createCatalog()
    .tools.list()
    .map((tool) => tool.name),
);

/**
 * Tools a program added to its catalog. Suites list the built-in tools that make sense for each
 * environment; a tool from outside is new to every suite, so like an MCP server's tools it is allowed
 * in every environment, and offered where an affordance set names it.
 */
export function addedTools(catalog: Catalog): string[] {
  return catalog.tools
    .list()
    .filter((tool) => !BUILTIN_TOOL_NAMES.has(tool.name))
    .map((tool) => tool.name);
}
