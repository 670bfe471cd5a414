import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { defineTool } from '../core/tools/tool.js';
import { z } from 'zod';
import { createBuiltinCatalog } from './builtin-catalog.js';
import { catalogRecipe } from './catalog-recipe.js';
import { loadPlugins } from './plugins.js';
import { openPoolFor, workerCount } from './worker-pool.js';

describe('catalog recipes', () => {
  it('rebuild the built-in catalog, and the built-in catalog with plug-in files loaded onto it', async () => {
    expect(catalogRecipe(createBuiltinCatalog())).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'auditgym-recipe-'));
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(plugin, "export function register(catalog) { catalog.affordanceSets.set('chat-only-again', ['chat']); }\n");
    const loaded = await loadPlugins(['plugin.mjs'], createBuiltinCatalog(), dir);
    expect(catalogRecipe(loaded)).toEqual([plugin]);
  });

  it('are gone once a program registers something only its own thread holds', () => {
    const catalog = createBuiltinCatalog();
    catalog.tools.register(defineTool({ name: 'local_only', description: 'a tool in this thread', input: z.strictObject({}), run: async () => ({ output: '' }) }));
    expect(catalogRecipe(catalog)).toBeUndefined();
    const sets = createBuiltinCatalog();
    sets.affordanceSets.set('mine', ['chat']);
    expect(catalogRecipe(sets)).toBeUndefined();
    // A catalog built by hand was never described, so its games stay on this thread.
    expect(catalogRecipe({ ...createBuiltinCatalog() })).toBeUndefined();
    expect(openPoolFor({ cwd: '/', env: { AUDITGYM_WORKERS: '2' } }, catalog, 100)).toBeUndefined();
  });
});

describe('workerCount', () => {
  it('uses AUDITGYM_WORKERS, never more workers than jobs', () => {
    expect(workerCount({ AUDITGYM_WORKERS: '3' }, 10)).toBe(3);
    expect(workerCount({ AUDITGYM_WORKERS: '3' }, 2)).toBe(2);
    expect(workerCount({ AUDITGYM_WORKERS: '1' }, 10)).toBe(1);
    expect(workerCount({}, 1)).toBe(1);
  });

  it('refuses a value that is not a worker count, naming the variable', () => {
    for (const bad of ['0', 'two', '1.5', '-1', '999']) {
      const error = (() => {
        try {
          workerCount({ AUDITGYM_WORKERS: bad }, 10);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).field).toBe('AUDITGYM_WORKERS');
    }
  });
});
