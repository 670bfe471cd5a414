import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** Inward-only layers: a file may import from its own layer or any layer listed before it. */
const LAYERS = [['contracts'], ['core'], ['providers', 'store', 'specs', 'suites', 'targets', 'micro', 'mcp', 'server'], ['app'], ['cli', 'web']];

function layerOf(file: string): number {
  const top = relative(src, file).split(/[\\/]/)[0] ?? '';
  if (top === 'index.ts') return LAYERS.length;
  const index = LAYERS.findIndex((names) => names.includes(top));
  if (index < 0) throw new Error(`${relative(root, file)} is in no layer: add its folder to LAYERS`);
  return index;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1] ?? '');
}

/** Every src file a file imports by a relative path, type-only imports and re-exports included. */
function importedFiles(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?from\s+)?'([^']+)'/gms)].map((match) => match[1] ?? '');
  return specs.filter((spec) => spec.startsWith('.')).map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

/**
 * Import cycles among `files`, each as the path that closes it (its first file repeated at the end).
 * A depth-first walk reports a cycle whenever it reaches a file still on its stack, so any tangle of
 * files is reported at least once; each path starts at its alphabetically first file so the list is stable.
 */
function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importedFiles(file).filter((target) => files.includes(target))]));
  const cycles = new Map<string, string[]>();
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (file: string) => {
    const at = stack.indexOf(file);
    if (at >= 0) {
      const loop = stack.slice(at);
      const first = loop.indexOf([...loop].sort()[0] ?? file);
      const rotated = [...loop.slice(first), ...loop.slice(0, first)];
      cycles.set(rotated.join(' '), [...rotated, rotated[0] ?? file]);
      return;
    }
    if (done.has(file)) return;
    stack.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    stack.pop();
    done.add(file);
  };
  for (const file of [...files].sort()) visit(file);
  return [...cycles.values()];
}

/** Modules a file loads when it is loaded: static imports that are not type-only, followed through src. */
function loadedPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^;]*?from\s+)?'([^']+)'/gms)) {
      const target = match[1] ?? '';
      if (target.startsWith('.')) visit(resolve(dirname(file), target.replace(/\.js$/, '.ts')));
      else packages.add(target.startsWith('@') ? target.split('/').slice(0, 2).join('/') : (target.split('/')[0] ?? target));
    }
  };
  visit(entry);
  return packages;
}

describe('architecture', () => {
  it('the CLI and running an experiment load no tensor runtime, MCP client or chart renderer until they are used', () => {
    for (const entry of ['cli/main.ts', 'app/experiments.ts']) {
      const packages = loadedPackages(join(src, entry));
      expect(packages.size, entry).toBeGreaterThan(0);
      for (const heavy of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@modelcontextprotocol/sdk', 'vega', 'vega-lite', 'playwright-core'])
        expect(packages, `${entry} loads ${heavy}`).not.toContain(heavy);
    }
  });

  const files = sources(src);

  it('imports point inward only', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const spec of imports(file).filter((spec) => spec.startsWith('.'))) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(src)) {
          violations.push(`${relative(root, file)} imports ${spec} from outside src`);
          continue;
        }
        if (layerOf(target) > layer) violations.push(`${relative(root, file)} (layer ${layer}) imports ${spec} (layer ${layerOf(target)})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no src files import each other in a cycle, not even for types', () => {
    const cycles = importCycles(files).map((cycle) => cycle.map((file) => relative(src, file)).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('the cycle check finds a cycle closed by a type-only import, and names its path', () => {
    // Guards the check itself: a detector that never finds anything would pass the test above.
    const dir = mkdtempSync(join(tmpdir(), 'auditgym-cycles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
      writeFileSync(join(dir, 'b.ts'), "import {\n  c,\n} from './c.js';\nexport const b = c;\n");
      writeFileSync(join(dir, 'c.ts'), "import type { A } from './a.js';\nexport const c: A | 1 = 1;\nexport type A = 1;\n");
      writeFileSync(join(dir, 'd.ts'), "export { a } from './a.js';\n");
      const cycles = importCycles(['a.ts', 'b.ts', 'c.ts', 'd.ts'].map((name) => join(dir, name)));
      expect(cycles.map((cycle) => cycle.map((file) => relative(dir, file)).join(' -> '))).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('contracts hold only zod schemas and types', () => {
    const contracts = files.filter((file) => layerOf(file) === 0);
    expect(contracts.length).toBeGreaterThan(5);
    for (const file of contracts) {
      const external = imports(file).filter((spec) => !spec.startsWith('.'));
      expect(
        external.filter((spec) => spec !== 'zod'),
        relative(root, file),
      ).toEqual([]);
    }
  });

  it('the core does no I/O and reads no process state', () => {
    for (const file of files.filter((file) => layerOf(file) === 1)) {
      const text = readFileSync(file, 'utf8');
      const external = imports(file).filter((spec) => !spec.startsWith('.'));
      expect(
        external.filter((spec) => spec !== 'zod'),
        relative(root, file),
      ).toEqual([]);
      expect(/\bprocess\./.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')), `${relative(root, file)} uses process`).toBe(false);
    }
  });

  it('the package entry point names its exports', () => {
    const index = readFileSync(join(src, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/export\s+\*/);
    expect(index).not.toMatch(/export\s+default/);
  });
});
