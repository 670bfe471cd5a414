import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { MicroOrganismSpec } from '../contracts/micro-organism.js';
import { OrganismSpec } from '../contracts/organism.js';
import { ExperimentSpec, SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import { zodIssuesToUserError } from './format-issues.js';

/** Spec files are small; anything bigger is a mistake or an attack, refused before parsing. */
export const MAX_SPEC_BYTES = 5 * 1024 * 1024;
/** YAML aliases beyond this are refused, which stops "billion laughs" expansion. */
const MAX_YAML_ALIASES = 100;
/** A spec is stored and shown written out, aliases expanded: that size is bounded too. */
const MAX_EXPANDED_BYTES = 4 * MAX_SPEC_BYTES;

/**
 * The size of a YAML document with every alias written out, from the text spans of its nodes: an
 * alias counts as the (expanded) size of what it names. Computed without building the values, so a
 * file whose aliases would grow to gigabytes is refused before it takes any memory.
 */
function expandedSize(document: Document): number {
  const memo = new Map<unknown, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > 64 || node === null || typeof node !== 'object') return 0;
    const cached = memo.get(node);
    if (cached !== undefined) return cached;
    memo.set(node, 0);
    const range = (node as { range?: [number, number, number] }).range;
    let total = range === undefined ? 0 : range[2] - range[0];
    visit(node as Node, {
      Alias(_, alias) {
        total += sizeOf(alias.resolve(document), depth + 1);
      },
    });
    memo.set(node, total);
    return total;
  };
  return sizeOf(document.contents, 0);
}

export interface Loaded<T> {
  spec: T;
  /** Absolute path of the file. */
  file: string;
}

/** Reads a YAML or JSON spec file into plain data, refusing hostile input with a clear error. */
export function readSpecFile(path: string): unknown {
  const file = resolve(path);
  const extension = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    throw new UserError('unsupported-file', `${path}: spec files must be YAML or JSON`, { field: 'file', fix: 'use a .yaml, .yml or .json file' });
  }
  if (!existsSync(file)) {
    throw new UserError('file-not-found', `${path}: no such file`, { field: 'file', fix: 'check the path (relative paths start from the current folder)' });
  }
  const stat = statSync(file);
  // A FIFO, a device or a folder named like a spec would block or fill memory when read.
  if (!stat.isFile()) throw new UserError('not-a-file', `${path} is not a regular file`, { field: 'file', fix: 'give the path of a YAML or JSON file' });
  const size = stat.size;
  if (size > MAX_SPEC_BYTES) {
    throw new UserError('file-too-large', `${path} is ${size} bytes; spec files may be at most ${MAX_SPEC_BYTES} bytes`, {
      field: 'file',
      fix: 'move large data (corpora) into separate files referenced by path',
    });
  }
  const text = decodeUtf8(readFileSync(file), path, 'file');
  if (text.trim() === '') throw new UserError('empty-file', `${path} is empty`, { field: '(top level)', fix: 'write the spec as a YAML or JSON object' });
  let value: unknown;
  if (extension === '.json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UserError('invalid-json', `${path}: ${(error as Error).message}`, { field: '(syntax)', fix: 'fix the JSON syntax at the position shown' });
    }
  } else {
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true, merge: true });
    const problem = document.errors[0];
    if (problem !== undefined) {
      const at = problem.linePos?.[0];
      throw new UserError('invalid-yaml', `${path}${at ? `:${at.line}:${at.col}` : ''}: ${problem.message.split('\n')[0]}`, {
        field: '(syntax)',
        fix: problem.code === 'DUPLICATE_KEY' ? 'remove the repeated key' : 'fix the YAML syntax at the line shown',
      });
    }
    const expanded = expandedSize(document);
    if (expanded > MAX_EXPANDED_BYTES) {
      throw new UserError('yaml-aliases', `${path}: its aliases expand it to about ${Math.round(expanded / 1_000_000)} MB, past the ${MAX_EXPANDED_BYTES / 1_000_000} MB a spec may reach`, {
        field: '(aliases)',
        fix: 'alias small values only; move large data (corpora) into separate files referenced by path',
      });
    }
    try {
      value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      throw new UserError('yaml-aliases', `${path}: ${(error as Error).message}`, {
        field: '(aliases)',
        fix: `use at most ${MAX_YAML_ALIASES} YAML aliases; write the values out instead`,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError('not-an-object', `${path}: a spec must be an object with named fields, not ${Array.isArray(value) ? 'a list' : typeof value}`, {
      field: '(top level)',
      fix: 'write the spec as key: value pairs',
    });
  }
  // Top-level `x-` keys hold YAML anchors shared by the rest of the file; they are not spec fields.
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodIssuesToUserError(parsed.error, { file, what, schema, input: value });
  return parsed.data;
}

/** Keeps a referenced file inside the folder of the spec that names it. */
function containedPath(reference: string, baseDir: string, field: string): string {
  if (/^[a-z][a-z0-9+.-]+:/i.test(reference) && !/^[a-z]:[\\/]/i.test(reference)) {
    throw new UserError('path-is-url', `${field}: "${reference}" is a URL, not a path`, {
      field,
      fix: 'give a path relative to the spec file, inside its folder (file:// and other URLs are not read)',
    });
  }
  if (isAbsolute(reference) || /^[a-z]:[\\/]/i.test(reference)) {
    throw new UserError('path-traversal', `${field}: absolute paths are not allowed ("${reference}")`, { field, fix: 'use a path relative to the spec file, inside its folder' });
  }
  const target = resolve(baseDir, reference);
  const inside = (path: string, root: string) => {
    const rel = relative(root, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!inside(target, baseDir)) {
    throw new UserError('path-traversal', `${field}: "${reference}" points outside the spec's folder`, { field, fix: "keep referenced files in the spec file's folder or below it" });
  }
  if (existsSync(target) && !inside(realpathSync(target), realpathSync(baseDir))) {
    throw new UserError('path-traversal', `${field}: "${reference}" is a link that leads outside the spec's folder`, { field, fix: "copy the file into the spec's folder instead of linking it" });
  }
  return target;
}

function resolveCorpora(organism: OrganismSpec, baseDir: string, field: string): OrganismSpec {
  return {
    ...organism,
    corpora: organism.corpora.map((corpus, index) => {
      if (corpus.path === undefined) return corpus;
      const where = `${field}corpora[${index}].path`;
      const path = containedPath(corpus.path, baseDir, where);
      // The documents are read in now, so the stored spec holds them and a resume needs no file.
      return { ...corpus, path, documents: [...(corpus.documents ?? []), ...readCorpus(path, corpus.path, where)] };
    }),
  };
}

const MAX_CORPUS_BYTES = 64 * 1024 * 1024;

/** A corpus file: JSON Lines of `{ "id"?, "text" }`, or any other text file as one document. */
function readCorpus(file: string, written: string, field: string): Array<{ id: string; text: string }> {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new UserError('corpus-not-found', `${field}: no file "${written}"`, { field, fix: "give the path of a corpus file, relative to the spec file's folder" });
  }
  if (!stat.isFile()) throw new UserError('corpus-not-a-file', `${field}: "${written}" is not a regular file`, { field, fix: 'give a JSONL or text file' });
  if (stat.size > MAX_CORPUS_BYTES)
    throw new UserError('corpus-too-large', `${field}: "${written}" is ${stat.size} bytes, past ${MAX_CORPUS_BYTES}`, { field, fix: 'split the corpus into several files' });
  const text = decodeUtf8(readFileSync(file), written, field);
  if (extname(file).toLowerCase() !== '.jsonl') return [{ id: basename(file), text }];
  const documents: Array<{ id: string; text: string }> = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new UserError('corpus-invalid-line', `${field}: line ${index + 1} of "${written}" is not JSON`, { field, fix: 'write one JSON object per line, e.g. {"id": "d1", "text": "…"}' });
    }
    const record = row as { id?: unknown; text?: unknown };
    if (typeof row !== 'object' || row === null || typeof record.text !== 'string') {
      throw new UserError('corpus-invalid-line', `${field}: line ${index + 1} of "${written}" has no "text"`, { field, fix: 'give every line a "text" string, and optionally an "id"' });
    }
    documents.push({ id: typeof record.id === 'string' && record.id !== '' ? record.id.slice(0, 200) : `line-${index + 1}`, text: record.text });
  });
  return documents;
}

/** The file's text, refusing what is not UTF-8 (UTF-16, Latin-1, binary) instead of reading it as garbage. */
function decodeUtf8(bytes: Buffer, written: string, field: string): string {
  const fix = 'save the file as UTF-8 text';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new UserError('not-utf8', `${written} is UTF-16, not UTF-8`, { field, fix });
  if (bytes.includes(0)) throw new UserError('not-utf8', `${written} holds NUL bytes: it is binary or UTF-16, not UTF-8 text`, { field, fix });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UserError('not-utf8', `${written} is not valid UTF-8`, { field, fix });
  }
}

/** Cross-references a schema cannot express: unique ids, and environments naming defined organisms. */
export function validateSuite(suite: SuiteSpec, file: string, baseDir = dirname(resolve(file))): SuiteSpec {
  const seen = new Set<string>();
  suite.organisms.forEach((organism, index) => {
    if (seen.has(organism.id)) throw new UserError('duplicate-id', `${file}: organism id "${organism.id}" is used twice`, { field: `organisms[${index}].id`, fix: 'give every organism its own id' });
    seen.add(organism.id);
  });
  const environments = new Set<string>();
  suite.environments.forEach((environment, index) => {
    const field = `environments[${index}]`;
    if (environments.has(environment.id))
      throw new UserError('duplicate-id', `${file}: environment id "${environment.id}" is used twice`, { field: `${field}.id`, fix: 'give every environment its own id' });
    environments.add(environment.id);
    if (typeof environment.organism === 'string' && !seen.has(environment.organism)) {
      throw new UserError('unknown-organism', `${file}: ${field}.organism names "${environment.organism}", which the suite does not define`, {
        field: `${field}.organism`,
        fix: seen.size > 0 ? `use one of: ${[...seen].join(', ')}` : 'define it under organisms, or write the organism inline',
      });
    }
  });
  return {
    ...suite,
    organisms: suite.organisms.map((organism, index) => resolveCorpora(organism, baseDir, `organisms[${index}].`)),
    environments: suite.environments.map((environment, index) =>
      typeof environment.organism === 'string' ? environment : { ...environment, organism: resolveCorpora(environment.organism, baseDir, `environments[${index}].organism.`) },
    ),
  };
}

export function loadOrganismSpec(path: string): Loaded<OrganismSpec> {
  const file = resolve(path);
  const spec = parseWith(OrganismSpec, readSpecFile(file), file, 'organism spec');
  return { spec: resolveCorpora(spec, dirname(file), ''), file };
}

export function loadMicroOrganismSpec(path: string): Loaded<MicroOrganismSpec> {
  const file = resolve(path);
  return { spec: parseWith(MicroOrganismSpec, readSpecFile(file), file, 'micro-organism spec'), file };
}

export function loadSuiteSpec(path: string): Loaded<SuiteSpec> {
  const file = resolve(path);
  const spec = parseWith(SuiteSpec, readSpecFile(file), file, 'suite spec');
  return { spec: validateSuite(spec, file), file };
}

export function loadExperimentSpec(path: string): Loaded<ExperimentSpec> {
  const file = resolve(path);
  return { spec: parseWith(ExperimentSpec, readSpecFile(file), file, 'experiment spec'), file };
}
