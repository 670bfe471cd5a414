import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** Inward-only layers: a file may import from its own layer or any layer listed before it. */
const LAYERS = [
  ['contracts'],
  ['core'],
  ['providers', 'store', 'specs', 'suites', 'targets', 'micro', 'mcp'],
  ['app'],
  ['cli', 'web'],
];

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
      for (const heavy of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@modelcontextprotocol/sdk', 'vega', 'vega-lite', 'playwright-core']) expect(packages, `${entry} loads ${heavy}`).not.toContain(heavy);
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

  it('contracts hold only zod schemas and types', () => {
    const contracts = files.filter((file) => layerOf(file) === 0);
    expect(contracts.length).toBeGreaterThan(5);
    for (const file of contracts) {
      const external = imports(file).filter((spec) => !spec.startsWith('.'));
      expect(external.filter((spec) => spec !== 'zod'), relative(root, file)).toEqual([]);
    }
  });

  it('the core does no I/O and reads no process state', () => {
    for (const file of files.filter((file) => layerOf(file) === 1)) {
      const text = readFileSync(file, 'utf8');
      const external = imports(file).filter((spec) => !spec.startsWith('.'));
      expect(external.filter((spec) => spec !== 'zod'), relative(root, file)).toEqual([]);
      expect(/\bprocess\./.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')), `${relative(root, file)} uses process`).toBe(false);
    }
  });

  it('the package entry point names its exports', () => {
    const index = readFileSync(join(src, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/export\s+\*/);
    expect(index).not.toMatch(/export\s+default/);
  });
});
