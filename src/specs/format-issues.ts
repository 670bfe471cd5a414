import type { z } from 'zod';
import { UserError } from '../core/errors.js';

/** A zod path as a field name a person can find in their file: `environments[2].budgets.turns`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function knownKeysAt(schema: z.ZodType | undefined, path: ReadonlyArray<PropertyKey>): string[] {
  let current: unknown = schema;
  for (const part of path) {
    current = unwrap(current);
    const def = (current as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; options?: unknown[] } } | undefined)?.def;
    if (def === undefined) return [];
    if (def.type === 'object' && typeof part === 'string') current = def.shape?.[part];
    else if (def.type === 'array' && typeof part === 'number') current = def.element;
    else if (def.type === 'union') current = def.options?.find((option) => (unwrap(option) as { def?: { type?: string } }).def?.type === 'object');
    else return [];
  }
  current = unwrap(current);
  const def = (current as { def?: { type?: string; shape?: Record<string, unknown>; options?: unknown[] } } | undefined)?.def;
  if (def?.type === 'union') {
    const object = def.options?.map(unwrap).find((option) => (option as { def?: { type?: string } }).def?.type === 'object') as { def?: { shape?: Record<string, unknown> } } | undefined;
    return Object.keys(object?.def?.shape ?? {});
  }
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  for (let i = 0; i < 10 && current?.def !== undefined; i++) {
    const { type } = current.def;
    if (type === 'optional' || type === 'default' || type === 'nullable' || type === 'prefault' || type === 'readonly' || type === 'catch') current = current.def.innerType as typeof current;
    else if (type === 'pipe') current = current.def.in as typeof current;
    else break;
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType | undefined, input: unknown): { message: string; fix: string } {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      const hints = issue.keys.map((key) => {
        const close = known.filter((candidate) => editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2);
        return close.length > 0 ? `rename "${key}" to "${close[0]}"` : `remove "${key}"`;
      });
      return {
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`,
        fix: `${hints.join('; ')}${known.length > 0 ? ` (allowed here: ${known.join(', ')})` : ''}`,
      };
    }
    case 'invalid_type': {
      // zod does not keep the value in the issue: it is looked up in the input, so a value of the wrong
      // type is never mistaken for a missing one.
      const value = issue.input !== undefined ? issue.input : valueAt(input, issue.path);
      if (value === undefined) return { message: 'is required', fix: `add this field (${issue.expected})` };
      return {
        message: `expected ${issue.expected}, got ${describeValue(value)}`,
        fix: `write a value of type ${issue.expected}${typeof value === 'boolean' || typeof value === 'number' ? ' (quote it if you meant text: "…")' : ''}`,
      };
    }
    case 'too_big':
      return {
        message: issue.message,
        fix: `use ${issue.origin === 'string' || issue.origin === 'array' ? 'at most' : 'a value of at most'} ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`,
      };
    case 'too_small':
      return {
        message: issue.message,
        fix: `use ${issue.origin === 'string' ? 'at least' : issue.origin === 'array' ? 'at least' : 'a value of at least'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`,
      };
    case 'invalid_value':
      return { message: issue.input === undefined ? 'this value is not allowed' : `"${String(issue.input)}" is not allowed`, fix: `use one of: ${issue.values.map(String).join(', ')}` };
    case 'invalid_format':
      return { message: issue.message, fix: issue.message };
    case 'invalid_union':
      return { message: 'matches none of the allowed forms', fix: 'write either an id (a string) or a full definition (an object); see the JSON Schema in schemas/' };
    case 'custom':
      return { message: issue.message, fix: issue.message };
    default:
      return { message: issue.message, fix: 'see the JSON Schema in schemas/' };
  }
}

/**
 * A union that failed is reported through the form the value got furthest into, when one did: a
 * ground truth with a bad category is a bad category, not "matches none of the allowed forms".
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || issue.errors.length === 0) return [issue];
    const depth = (list: readonly z.core.$ZodIssue[]) => Math.max(0, ...list.map((inner) => inner.path.length));
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0] ?? [];
    if (depth(best) === 0) return [issue];
    return flattenUnions(best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as z.core.$ZodIssue));
  });
}

/** The value at a zod path in the input, or undefined where there is none. */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** A value as a person reads it in their file: `false`, `NaN`, `a list`, `the text "7"`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN (not a number)' : Number.isFinite(value) ? `the number ${value}` : `${value} (not a finite number)`;
  if (typeof value === 'boolean') return `${value} (a yes/no value)`;
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** All of a spec's problems in one error: each names the field and how to fix it. */
export function zodIssuesToUserError(error: z.ZodError, context: { file?: string | undefined; what: string; schema?: z.ZodType; input?: unknown }): UserError {
  const issues = flattenUnions(error.issues);
  const lines = issues.slice(0, 20).map((issue) => {
    const { message, fix } = describeIssue(issue, context.schema, context.input);
    return { field: fieldPath(issue.path), message, fix };
  });
  const where = context.file === undefined ? context.what : context.file;
  const more = issues.length > 20 ? `\n  and ${issues.length - 20} more` : '';
  const first = lines[0];
  const body = lines.map((line) => `  ${line.field}: ${line.message} — fix: ${line.fix}`).join('\n');
  return new UserError('invalid-spec', `invalid ${context.what} in ${where}:\n${body}${more}`, {
    ...(first === undefined ? {} : { field: first.field, fix: first.fix }),
  });
}
