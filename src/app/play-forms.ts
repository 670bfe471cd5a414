import { z } from 'zod';
import type { ToolDefinition } from '../contracts/messages.js';
import { AuditReport } from '../contracts/report.js';
import { BehaviourCategory } from '../contracts/organism.js';

/**
 * Forms for a person, built from each tool's JSON Schema, and the way back: the values a browser
 * sends are turned into the tool's input and checked with the tool's own zod schema, so a person's
 * call is held to exactly what an agent's is. Problems come back per field, to be shown beside it.
 */

export type FieldKind = 'text' | 'textarea' | 'number' | 'integer' | 'boolean' | 'choice' | 'lines' | 'numbers' | 'json';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | undefined;
  choices: string[] | undefined;
  /** The schema's default, shown as a hint; an empty field takes it. */
  defaultValue: unknown;
}

export interface ToolForm {
  tool: string;
  description: string;
  fields: FormField[];
}

/** Problems per field name; the empty name holds those that belong to no one field. */
export type FieldIssues = Record<string, string>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssues };

/** The name of the one field of a tool whose input has no properties a form can show. */
export const WHOLE_INPUT = 'arguments';

type JsonSchema = Record<string, unknown>;

const asSchema = (value: unknown): JsonSchema => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : {});

function kindOf(schema: JsonSchema): { kind: FieldKind; choices?: string[] } {
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) return { kind: 'choice', choices: schema.enum as string[] };
  if (typeof schema.const === 'string') return { kind: 'choice', choices: [schema.const] };
  switch (schema.type) {
    case 'string':
      // Short strings (names, ids) get a line; prompts and messages get room.
      return { kind: typeof schema.maxLength === 'number' && schema.maxLength <= 200 ? 'text' : 'textarea' };
    case 'integer':
      return { kind: 'integer' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array': {
      const items = asSchema(schema.items);
      if (items.type === 'string' && items.enum === undefined) return { kind: 'lines' };
      if (items.type === 'number' || items.type === 'integer') return { kind: 'numbers' };
      return { kind: 'json' };
    }
    default:
      return { kind: 'json' };
  }
}

/**
 * The properties of an object schema; a union of objects (a discriminated input) is merged, its
 * discriminator becoming a choice, and a property is required only when every variant requires it.
 */
function propertiesOf(schema: JsonSchema): { properties: Array<[string, JsonSchema]>; required: Set<string> } | undefined {
  const variants = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : [schema]).map(asSchema);
  if (variants.some((variant) => variant.properties === undefined)) return undefined;
  const merged = new Map<string, JsonSchema>();
  const consts = new Map<string, string[]>();
  for (const variant of variants) {
    for (const [name, raw] of Object.entries(asSchema(variant.properties))) {
      const property = asSchema(raw);
      if (typeof property.const === 'string') consts.set(name, [...(consts.get(name) ?? []), property.const]);
      if (!merged.has(name)) merged.set(name, property);
    }
  }
  for (const [name, values] of consts) merged.set(name, { ...merged.get(name), const: undefined, enum: values });
  const requiredIn = (variant: JsonSchema) => new Set(Array.isArray(variant.required) ? (variant.required as string[]) : []);
  const required = new Set([...merged.keys()].filter((name) => variants.every((variant) => requiredIn(variant).has(name))));
  return { properties: [...merged], required };
}

/** A form for one tool, from the JSON Schema its definition carries (what an agent's model is shown). */
export function toolForm(definition: ToolDefinition): ToolForm {
  const found = propertiesOf(definition.parameters);
  const fields: FormField[] =
    found === undefined
      ? [{ name: WHOLE_INPUT, kind: 'json', required: true, description: 'The arguments, as a JSON object.', choices: undefined, defaultValue: undefined }]
      : found.properties.map(([name, property]) => {
          const { kind, choices } = kindOf(property);
          return {
            name,
            kind,
            required: found.required.has(name),
            description: typeof property.description === 'string' ? property.description : undefined,
            choices,
            defaultValue: property.default,
          };
        });
  return { tool: definition.name, description: definition.description, fields };
}

/** What a browser sends for a form: each field's text, or a checkbox's state. */
export const FormValues = z.record(z.string().max(200), z.union([z.string().max(200_000), z.boolean()])).refine((values) => Object.keys(values).length <= 500, 'too many fields');

function readValue(field: FormField, raw: string | boolean | undefined): { value?: unknown; issue?: string } {
  if (field.kind === 'boolean') return { value: raw === true || raw === 'true' || raw === 'on' };
  if (raw === undefined || typeof raw === 'boolean') return {};
  const text = field.kind === 'text' || field.kind === 'textarea' ? raw : raw.trim();
  if (text === '') return {};
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const value = Number(text);
      return Number.isFinite(value) ? { value } : { issue: field.kind === 'integer' ? 'enter a whole number' : 'enter a number' };
    }
    case 'lines': {
      const lines = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      return lines.length === 0 ? {} : { value: lines };
    }
    case 'numbers': {
      const values = text.split(/[\s,]+/).filter((part) => part !== '');
      const numbers = values.map(Number);
      return numbers.every(Number.isFinite) ? { value: numbers } : { issue: 'enter numbers separated by commas, e.g. -1, -2' };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (error) {
        return { issue: `not valid JSON (${(error as Error).message})` };
      }
    default:
      return { value: text };
  }
}

/** A zod issue in words a person reads beside the field: "required" rather than "received undefined". */
function issueText(issue: z.core.$ZodIssue, given: unknown, rest: readonly PropertyKey[]): string {
  const where = rest.length === 0 ? '' : `${rest.map(String).join('.')}: `;
  if (given === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union' || issue.code === 'invalid_value')) return `${where}required`;
  return `${where}${issue.message}`;
}

function fieldIssues(error: z.ZodError, value: Record<string, unknown>, known: (name: string) => string | undefined): FieldIssues {
  const issues: FieldIssues = {};
  for (const issue of error.issues) {
    const [head, ...rest] = issue.path;
    const field = typeof head === 'string' ? known(head) : undefined;
    const key = field ?? '';
    const given = rest.reduce<unknown>(
      (at, step) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[step] : undefined),
      head === undefined ? value : value[String(head)],
    );
    const text = issueText(issue, given, field === undefined ? issue.path : rest);
    issues[key] = issues[key] === undefined ? text : `${issues[key]}; ${text}`;
  }
  return issues;
}

/** The tool's input from a form's values, checked with the tool's own schema. */
export function readToolInput(form: ToolForm, schema: z.ZodType, values: unknown): FormResult<unknown> {
  const parsed = FormValues.safeParse(values);
  if (!parsed.success) return { ok: false, issues: { '': 'the form was not sent as field values' } };
  const issues: FieldIssues = {};
  const input: Record<string, unknown> = {};
  for (const field of form.fields) {
    const read = readValue(field, parsed.data[field.name]);
    if (read.issue !== undefined) issues[field.name] = read.issue;
    else if (read.value !== undefined) input[field.name] = read.value;
  }
  const whole = form.fields.length === 1 && form.fields[0]?.name === WHOLE_INPUT;
  const candidate = whole ? (input[WHOLE_INPUT] ?? {}) : input;
  const checked = schema.safeParse(candidate);
  if (checked.success && Object.keys(issues).length === 0) return { ok: true, value: candidate };
  // Every field's problem at once; a value that could not be read says so rather than "required".
  const names = new Set(form.fields.map((field) => field.name));
  const fromSchema = checked.success
    ? {}
    : whole
      ? { [WHOLE_INPUT]: fieldIssues(checked.error, {}, () => undefined)[''] ?? 'invalid' }
      : fieldIssues(checked.error, input, (name) => (names.has(name) ? name : undefined));
  return { ok: false, issues: { ...fromSchema, ...issues } };
}

// ---------------------------------------------------------------- the report

/** Claim rows on the report form; the grader reads the ten most confident claims by default. */
export const REPORT_CLAIM_ROWS = 8;

export const CLAIM_FIELDS = ['behaviour', 'trigger', 'evidence', 'confidence', 'category'] as const;

export const CLAIM_CATEGORIES: readonly string[] = BehaviourCategory.options;

export const claimField = (row: number, field: (typeof CLAIM_FIELDS)[number]) => `claims.${row}.${field}`;

/**
 * The report from the report form: a summary and claim rows, blank rows skipped, checked with the
 * same `AuditReport` schema an agent's report is. Issues name the row and field they belong to.
 */
export function readReport(values: unknown): FormResult<AuditReport> {
  const parsed = FormValues.safeParse(values);
  if (!parsed.success) return { ok: false, issues: { '': 'the form was not sent as field values' } };
  const text = (name: string) => {
    const value = parsed.data[name];
    return typeof value === 'string' ? value : '';
  };
  const issues: FieldIssues = {};
  const rows: number[] = [];
  const claims: Array<Record<string, unknown>> = [];
  for (let row = 0; row < REPORT_CLAIM_ROWS; row++) {
    const written = Object.fromEntries(CLAIM_FIELDS.map((field) => [field, text(claimField(row, field)).trim()]));
    if (['behaviour', 'trigger', 'evidence', 'confidence'].every((field) => written[field] === '')) continue;
    const claim: Record<string, unknown> = { behaviour: written.behaviour, evidence: written.evidence };
    if (written.trigger !== '') claim.trigger = written.trigger;
    if (written.category !== '') claim.category = written.category;
    if (written.confidence === '') issues[claimField(row, 'confidence')] = 'required: a number from 0 to 1';
    else if (!Number.isFinite(Number(written.confidence))) issues[claimField(row, 'confidence')] = 'enter a number from 0 to 1, e.g. 0.8';
    else claim.confidence = Number(written.confidence);
    if (written.behaviour === '') issues[claimField(row, 'behaviour')] = 'required: what the model does';
    rows.push(row);
    claims.push(claim);
  }
  if (Object.keys(issues).length > 0) return { ok: false, issues };
  const report = { summary: text('summary').trim(), claims };
  const checked = AuditReport.safeParse(report);
  if (checked.success) return { ok: true, value: checked.data };
  const out: FieldIssues = {};
  for (const issue of checked.error.issues) {
    const [head, index, field] = issue.path;
    const key = head === 'claims' && typeof index === 'number' && typeof field === 'string' ? `claims.${rows[index] ?? index}.${field}` : head === 'summary' ? 'summary' : '';
    out[key] = out[key] === undefined ? issue.message : `${out[key]}; ${issue.message}`;
  }
  return { ok: false, issues: out };
}
