import type { z } from 'zod';
import type { PluginRecord } from '../contracts/common.js';
import { UserError } from './errors.js';

/** What every plug-in declares, so that each run can record exactly what it used. */
export interface PluginInfo<Params> {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly params: z.ZodType<Params>;
}

/**
 * A registry of plug-ins of one kind. Plug-ins are explicit values: nothing registers itself by
 * import side effect, so a program's registry holds exactly what it was given.
 */
export class Registry<T extends PluginInfo<unknown>> {
  readonly #items = new Map<string, T>();

  constructor(readonly kind: PluginRecord['kind']) {}

  register(item: T): this {
    if (this.#items.has(item.name)) {
      throw new Error(`${this.kind} "${item.name}" is registered twice`);
    }
    this.#items.set(item.name, item);
    return this;
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  get(name: string, field: string = this.kind): T {
    const item = this.#items.get(name);
    if (item === undefined) {
      throw new UserError('unknown-plugin', `unknown ${this.kind} "${name}"`, {
        field,
        fix: `use one of: ${[...this.#items.keys()].join(', ')}`,
      });
    }
    return item;
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  /** Parses a plug-in's parameters, naming the field and the plug-in when they are wrong. */
  parseParams(name: string, params: unknown, field: string): { plugin: T; params: unknown; record: PluginRecord } {
    const plugin = this.get(name, field);
    const parsed = plugin.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
      throw new UserError('invalid-params', `${this.kind} "${name}": ${issue?.message ?? 'invalid parameters'}`, {
        field: `${field}.params${path}`,
        fix: `check the parameters of ${this.kind} "${name}" (auditgym list ${this.kind}s)`,
      });
    }
    return {
      plugin,
      params: parsed.data,
      record: { kind: this.kind, name: plugin.name, version: plugin.version, params: toRecordParams(parsed.data) },
    };
  }
}

function toRecordParams(params: unknown): Record<string, unknown> {
  return typeof params === 'object' && params !== null && !Array.isArray(params) ? { ...params } : { value: params };
}
