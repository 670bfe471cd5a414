import type { Catalog } from '../core/catalog.js';

/**
 * How a worker thread builds the same catalog as this thread: the built-in one with these plug-in
 * modules loaded onto it. Only catalogs made by `createBuiltinCatalog()` and `loadPlugins()` have one,
 * and only while nothing else has been registered on them: a program's own plug-ins (a scripted
 * provider, a person's browser port) live in this thread's memory, so their games stay here.
 */
interface CatalogRecipe {
  plugins: readonly string[];
  /** Every registered value and affordance set when the recipe was taken, to notice later additions. */
  contents: string;
  values: readonly unknown[];
}

const recipes = new WeakMap<Catalog, CatalogRecipe>();

function catalogValues(catalog: Catalog): unknown[] {
  return [...catalog.tools.list(), ...catalog.auditors.list(), ...catalog.graders.list(), ...catalog.providers.list(), ...catalog.sources.list()];
}

function catalogContents(catalog: Catalog): string {
  return JSON.stringify([...catalog.affordanceSets.entries()]);
}

/** Marks `catalog` as rebuildable in a worker from the built-in catalog and `plugins` (paths as given, resolved against the run's cwd). */
export function rememberCatalogRecipe(catalog: Catalog, plugins: readonly string[]): void {
  recipes.set(catalog, { plugins: [...plugins], contents: catalogContents(catalog), values: catalogValues(catalog) });
}

/** The plug-in paths a worker needs to rebuild `catalog`, or undefined when it cannot be rebuilt there. */
export function catalogRecipe(catalog: Catalog): readonly string[] | undefined {
  const recipe = recipes.get(catalog);
  if (recipe === undefined) return undefined;
  const values = catalogValues(catalog);
  const unchanged = values.length === recipe.values.length && values.every((value, index) => value === recipe.values[index]) && catalogContents(catalog) === recipe.contents;
  return unchanged ? recipe.plugins : undefined;
}
