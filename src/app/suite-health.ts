import { AuditgymError, UserError } from '../core/errors.js';
import { healthPasses, measureHealth, type HealthResult } from '../core/health.js';
import { openOrganism } from '../core/sealing.js';
import { retirement } from '../core/validity.js';
import { createTarget } from '../core/target.js';
import { catalogOf, modelResolver, type AppOptions } from './context.js';
import { unsealer } from './sealing.js';
import { resolveSuite } from './suites.js';

export interface SuiteHealthOptions {
  suite: string;
  /** Only these environments' organisms. */
  environments?: string[] | undefined;
  /** Binds organisms whose suite leaves the target to the experiment (quirky-10). */
  target?: string | undefined;
  /** Provider options for every target and reference, such as `baseUrl`. */
  targetOptions?: Record<string, unknown> | undefined;
  /** A model that judges whether replies show the behaviour; without one that rate is not measured. */
  judge?: string | undefined;
  /** Generic prompts for the behaviour rate. */
  prompts?: number | undefined;
  maxTokens?: number | undefined;
}

/**
 * `organisms verify --suite`: the health of every organism of a suite that has a target, measured on
 * the target and on its reference. An organism that cannot be reached, or whose snapshot is retired,
 * is reported unavailable, not failed.
 */
export async function verifySuite(options: SuiteHealthOptions, app: AppOptions): Promise<HealthResult[]> {
  const catalog = catalogOf(app);
  const suite = resolveSuite(options.suite, { catalog, cwd: app.cwd, field: '--suite' });
  const wanted = options.environments ?? [];
  const unknown = wanted.filter((id) => !suite.environments.some((environment) => environment.id === id));
  if (unknown.length > 0) {
    throw new UserError('unknown-environment', `suite "${suite.id}" has no environment ${unknown.join(', ')}`, {
      field: '--environments',
      fix: `use ids from auditgym list suites --json, e.g. ${suite.environments[0]?.id ?? ''}`,
    });
  }
  const resolve = modelResolver(app.env, catalog);
  const unseal = unsealer(app.env);
  const judge = options.judge === undefined ? undefined : resolve(options.judge, {});
  const signal = app.signal ?? new AbortController().signal;
  const results: HealthResult[] = [];
  for (const environment of suite.environments.filter((entry) => wanted.length === 0 || wanted.includes(entry.id))) {
    const sealed = typeof environment.organism === 'string' ? suite.organisms.find((organism) => organism.id === environment.organism) : environment.organism;
    if (sealed === undefined) continue;
    const targetRef = sealed.target.model ?? options.target;
    if (targetRef === undefined) {
      throw new UserError('target-unbound', `organism "${sealed.id}" has no target model`, {
        field: '--target',
        fix: 'bind one with --target provider:model, e.g. --target vllm:meta-llama/Llama-3.1-8B-Instruct',
      });
    }
    const retired = retirement(sealed.origin, new Date());
    if (retired !== undefined) {
      results.push({ organism: sealed.id, status: 'unavailable', reason: retired });
      continue;
    }
    const organism = openOrganism(sealed, unseal);
    const targetOptions = { ...organism.target.options, ...options.targetOptions };
    const model = resolve(targetRef, targetOptions);
    const reference = organism.reference === undefined ? undefined : resolve(organism.reference.model ?? targetRef, organism.reference.options ?? targetOptions);
    const target = createTarget({ organism, model, referenceModel: reference });
    const measure = { prompts: options.prompts ?? 16, seed: 0, signal, maxTokens: options.maxTokens ?? 256, judge };
    try {
      const own = await measureHealth(target, organism.groundTruth, measure);
      const base = target.reference === undefined ? undefined : await measureHealth(target.reference, organism.groundTruth, measure);
      const passes = healthPasses(own, base);
      results.push({
        organism: organism.id,
        status: 'measured',
        target: own,
        ...(base === undefined ? {} : { reference: base }),
        prompts: measure.prompts,
        passes,
        pass: Object.values(passes).every((bar) => bar !== false),
      });
    } catch (error) {
      // A server that is down or does not serve the model says nothing about the organism.
      if (!(error instanceof AuditgymError) || error.kind !== 'provider') throw error;
      results.push({ organism: organism.id, status: 'unavailable', reason: error.message });
    }
  }
  return results;
}
