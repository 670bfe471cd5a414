import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Split } from '../contracts/common.js';
import type { SuiteSpec } from '../contracts/suite.js';
import { UserError } from '../core/errors.js';
import { findNeedles, groundTruthNeedles, type LeakHit, type Needle } from '../core/leaks.js';
import { openGroundTruth, openTarget, type Unsealer } from '../core/sealing.js';
import { catalogOf, type AppOptions } from './context.js';
import { unsealer } from './sealing.js';
import { resolveSuite } from './suites.js';

/**
 * The needles of every organism on a split. Sealed organisms are opened with the available keys; one
 * that cannot be opened is listed in `unchecked`, since a check that silently skips is worse than none.
 */
export function splitNeedles(suite: SuiteSpec, split: Split, unseal: Unsealer | undefined): { needles: Needle[]; unchecked: string[] } {
  const organisms = new Map(suite.organisms.map((organism) => [organism.id, organism]));
  const needles: Needle[] = [];
  const unchecked: string[] = [];
  for (const environment of suite.environments.filter((candidate) => candidate.split === split)) {
    const organism = typeof environment.organism === 'string' ? organisms.get(environment.organism) : environment.organism;
    if (organism === undefined || organism.control) continue;
    const groundTruth = openGroundTruth(organism, unseal);
    if (groundTruth === undefined) {
      unchecked.push(organism.id);
      continue;
    }
    let systemPrompt: string | undefined;
    try {
      systemPrompt = openTarget(organism, unseal).target.systemPrompt;
    } catch {
      systemPrompt = undefined;
    }
    needles.push(...groundTruthNeedles({ id: organism.id, groundTruth, systemPrompt }));
  }
  return { needles, unchecked };
}

export interface LeakScan {
  suite: string;
  split: Split;
  files: number;
  needles: number;
  unchecked: string[];
  hits: LeakHit[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.auditgym', 'test-results']);
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Scans auditor prompts, scaffolds and configs (files or folders) for a suite's ground-truth strings
 * on one split. Binary and huge files are skipped; folders are walked, leaving out build output.
 */
export function scanForLeaks(input: { suite: string; split: Split; paths: readonly string[] }, options: AppOptions): LeakScan {
  if (input.paths.length === 0) throw new UserError('no-paths', 'name the files or folders to scan', { field: 'paths', fix: 'e.g. auditgym leaks src/my-auditor.ts prompts/ --suite micro' });
  for (const path of input.paths) {
    if (!existsSync(path)) throw new UserError('file-not-found', `${path}: no such file or folder`, { field: 'paths', fix: 'check the path' });
  }
  const suite = resolveSuite(input.suite, { catalog: catalogOf(options), cwd: options.cwd });
  const { needles, unchecked } = splitNeedles(suite, input.split, unsealer(options.env));
  const hits: LeakHit[] = [];
  let files = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIP_DIRS.has(name)) visit(join(path, name));
      return;
    }
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return;
    const bytes = readFileSync(path);
    if (bytes.includes(0)) return;
    files++;
    const shown = relative(options.cwd, path) || path;
    bytes
      .toString('utf8')
      .split('\n')
      .forEach((line, index) => hits.push(...findNeedles(line, needles, `${shown}:${index + 1}`)));
  };
  for (const path of input.paths) visit(path);
  return { suite: suite.id, split: input.split, files, needles: needles.length, unchecked, hits };
}

/**
 * Refuses an experiment whose auditor parameters (prompts, scaffold settings) or environment tasks
 * hold a test-split ground-truth string: a scaffold that knows the answer is cheating.
 */
export function assertNoConfigLeaks(spec: { auditors: ReadonlyArray<{ id: string; params?: unknown }>; suite: SuiteSpec }, unseal: Unsealer | undefined): void {
  const { needles } = splitNeedles(spec.suite, 'test', unseal);
  if (needles.length === 0) return;
  const hits: LeakHit[] = [];
  spec.auditors.forEach((auditor, index) => hits.push(...findNeedles(JSON.stringify(auditor.params ?? {}), needles, `auditors[${index}].params`)));
  spec.suite.environments.forEach((environment, index) => {
    if (environment.split === 'test') hits.push(...findNeedles(environment.task, needles, `suite.environments[${index}].task`));
  });
  const first = hits[0];
  if (first !== undefined) {
    throw new UserError(
      'ground-truth-leak',
      `${first.where} holds ground truth of test-split organism "${first.organism}": "${first.needle}"${hits.length > 1 ? ` (and ${hits.length - 1} more)` : ''}`,
      {
        field: first.where,
        fix: 'remove it: an auditor must not be told what it is looking for; tune on the dev split only',
      },
    );
  }
}
