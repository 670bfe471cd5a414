import { createCatalog, type Catalog } from '../core/catalog.js';
import { microSource } from '../micro/micro-source.js';
import { BUILTIN_PROVIDERS } from '../providers/registry.js';
import { builtinFilesSource } from '../specs/suite-folder-source.js';
import { rememberCatalogRecipe } from './catalog-recipe.js';

/**
 * The core's plug-ins plus the built-in adapters: every provider that ships, and the two organism
 * sources (the micro zoo, then the suite files). Programs add their own by registering on the result.
 */
export function createBuiltinCatalog(): Catalog {
  const catalog = createCatalog();
  for (const provider of BUILTIN_PROVIDERS) catalog.providers.register(provider);
  catalog.sources.register(microSource).register(builtinFilesSource);
  // A worker thread can build this same catalog for itself, until a program registers more on it.
  rememberCatalogRecipe(catalog, []);
  return catalog;
}
