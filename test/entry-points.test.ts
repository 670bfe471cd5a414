import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const API_FILE = join(ROOT, 'test', 'fixtures', 'public-api.json');
const UPDATE_COMMAND = 'AUDITGYM_UPDATE_API=1 npx vitest run test/entry-points.test.ts';
const HOOKS = pathToFileURL(join(ROOT, 'test', 'support', 'load-log-hooks.mjs')).href;

const ENTRIES = ['auditgym', 'auditgym/contracts', 'auditgym/core'] as const;
type Entry = (typeof ENTRIES)[number];

/** Packages that only adapters, the viewer or optional features may load. */
const HEAVY = ['better-sqlite3', '@tensorflow/*', '@modelcontextprotocol/sdk', 'vega', 'vega-lite', 'playwright-core'];

interface Loads {
  /** Sorted `Object.keys` of the entry's module namespace: its value exports (type-only exports have no runtime name). */
  names: string[];
  /** npm packages resolved while importing, by name. */
  packages: Set<string>;
  /** This package's own files resolved, relative to dist, with forward slashes. */
  own: Set<string>;
  /** Anything else resolved: neither a Node builtin, a package, nor a file of ours. */
  other: Set<string>;
}

const run = promisify(execFile);

/**
 * Imports `entry` by its package name in a fresh Node process started in the repository root (the
 * package's `exports` make the name resolve to dist), with a resolve hook that writes every resolved
 * URL to stderr. Registered with `module.register`, which Node 20.6 and later support.
 */
async function importFresh(entry: Entry): Promise<Loads> {
  const register = `import { register } from 'node:module'; register(${JSON.stringify(HOOKS)});`;
  const script = `const namespace = await import(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(Object.keys(namespace).sort()));`;
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SystemRoot']) if (process.env[key] !== undefined) env[key] = process.env[key];
  const { stdout, stderr } = await run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
    cwd: ROOT,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const loads: Loads = { names: JSON.parse(stdout) as string[], packages: new Set(), own: new Set(), other: new Set() };
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('auditgym-load ')) continue;
    const url = line.slice('auditgym-load '.length).trim();
    if (url.startsWith('node:')) continue;
    const path = url.startsWith('file:') ? fileURLToPath(url) : '';
    const inModules = path.split(sep).lastIndexOf('node_modules');
    if (inModules >= 0) {
      const parts = path.split(sep).slice(inModules + 1);
      loads.packages.add(parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? path));
    } else if (path !== '' && path.startsWith(DIST + sep)) loads.own.add(relative(DIST, path).split(sep).join('/'));
    else loads.other.add(url);
  }
  return loads;
}

/** The names an entry source exports with `export { ... } from` and `export type { ... } from`, types included. */
function exportedNames(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const lists = [...text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s+from\s/gm)].map((match) => match[1] ?? '');
  return new Set(
    lists.flatMap((list) =>
      list
        .split(',')
        .map(
          (name) =>
            name
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)
              .pop() ?? '',
        )
        .filter((name) => name !== ''),
    ),
  );
}

function heavyIn(packages: Set<string>): string[] {
  return [...packages].filter((name) => HEAVY.some((heavy) => (heavy.endsWith('/*') ? name.startsWith(heavy.slice(0, -1)) : name === heavy)));
}

describe('package entry points', () => {
  const loaded = new Map<Entry, Loads>();

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.js')) || !existsSync(join(DIST, 'contracts', 'index.js')) || !existsSync(join(DIST, 'core', 'index.js'))) {
      throw new Error('dist is missing an entry point: run `npm run build` first (`npm test` does)');
    }
    const results = await Promise.all(ENTRIES.map(async (entry) => [entry, await importFresh(entry)] as const));
    for (const [entry, loads] of results) loaded.set(entry, loads);
  }, 60_000);

  const loadsOf = (entry: Entry): Loads => {
    const loads = loaded.get(entry);
    if (!loads) throw new Error(`${entry} was not imported`);
    return loads;
  };

  it('the load check sees a heavy package when one is loaded: the full entry loads better-sqlite3', () => {
    // Guards the check itself: a hook that logged nothing would let the tests below pass.
    const full = loadsOf('auditgym');
    expect(full.packages).toContain('better-sqlite3');
    expect(heavyIn(full.packages)).toContain('better-sqlite3');
    expect(full.own).toContain('index.js');
  });

  it('auditgym/contracts loads zod and its own schema files, nothing else', () => {
    const contracts = loadsOf('auditgym/contracts');
    expect([...contracts.packages].sort()).toEqual(['zod']);
    expect([...contracts.own].filter((file) => !file.startsWith('contracts/'))).toEqual([]);
    expect(contracts.own).toContain('contracts/index.js');
    expect([...contracts.other]).toEqual([]);
  });

  it('auditgym/core loads no store, tensor runtime, MCP client, chart renderer or browser', () => {
    const core = loadsOf('auditgym/core');
    expect(heavyIn(core.packages)).toEqual([]);
    expect([...core.packages].sort()).toEqual(['zod']);
    expect([...core.own].filter((file) => !file.startsWith('core/') && !file.startsWith('contracts/'))).toEqual([]);
    expect(core.own).toContain('core/index.js');
    expect([...core.other]).toEqual([]);
  });

  it('the full entry exports every name the contracts and core entries export', () => {
    const full = new Set(loadsOf('auditgym').names);
    for (const entry of ['auditgym/contracts', 'auditgym/core'] as const) {
      expect(
        loadsOf(entry).names.filter((name) => !full.has(name)),
        `${entry} exports values that 'auditgym' does not`,
      ).toEqual([]);
    }
    // Type-only exports have no runtime name, so compare the entry sources' export lists for them.
    const fullSource = exportedNames(join(ROOT, 'src', 'index.ts'));
    for (const file of ['contracts/index.ts', 'core/index.ts']) {
      expect(
        [...exportedNames(join(ROOT, 'src', file))].filter((name) => !fullSource.has(name)),
        `src/${file} exports names that src/index.ts does not`,
      ).toEqual([]);
    }
  });

  it('the contracts and core entries name their exports', () => {
    for (const file of ['contracts/index.ts', 'core/index.ts']) {
      const text = readFileSync(join(ROOT, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/export\s+\*/);
      expect(text, file).not.toMatch(/export\s+default/);
    }
  });

  it('each entry exports the names recorded in test/fixtures/public-api.json', () => {
    // Value exports only: type-only exports (ChatModel, Tool, RunStore...) leave no runtime name.
    const actual = Object.fromEntries(ENTRIES.map((entry) => [entry, loadsOf(entry).names]));
    if (process.env.AUDITGYM_UPDATE_API === '1') {
      writeFileSync(API_FILE, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    const recorded = (existsSync(API_FILE) ? JSON.parse(readFileSync(API_FILE, 'utf8')) : {}) as Partial<Record<Entry, string[]>>;
    const changes: string[] = [];
    for (const entry of ENTRIES) {
      const before = new Set(recorded[entry] ?? []);
      const now = new Set(actual[entry]);
      const added = [...now].filter((name) => !before.has(name));
      const removed = [...before].filter((name) => !now.has(name));
      if (added.length > 0) changes.push(`${entry} adds ${added.join(', ')}`);
      if (removed.length > 0) changes.push(`${entry} removes ${removed.join(', ')}`);
    }
    expect(changes, `The public API changed. If that is deliberate, update test/fixtures/public-api.json with \`${UPDATE_COMMAND}\` and commit it.`).toEqual([]);
  });
});
