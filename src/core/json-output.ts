import type { z } from 'zod';
import { ModelError } from './errors.js';

/**
 * Reads a JSON value a model wrote, possibly inside prose or a code fence, and checks it against a
 * schema. Model output is never trusted: anything that does not parse and validate is a ModelError.
 */
export function parseModelJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  const candidate = extractJson(text);
  if (candidate === undefined) {
    throw new ModelError('invalid-json', `${what}: no JSON object found in the model's reply`);
  }
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (error) {
    throw new ModelError('invalid-json', `${what}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ModelError('invalid-output', `${what}: ${issues}`);
  }
  return parsed.data;
}

function extractJson(text: string): string | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/u.exec(text);
  if (fenced?.[1] !== undefined && fenced[1].trim().startsWith('{')) return fenced[1].trim();
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  // Scan for the matching brace, skipping strings, so trailing prose does not break parsing.
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}
