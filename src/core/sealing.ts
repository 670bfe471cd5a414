import type { Grade } from '../contracts/grade.js';
import { GroundTruth, type OrganismSpec } from '../contracts/organism.js';
import { isSealed, type SealedBox } from '../contracts/sealed.js';
import { UserError } from './errors.js';

/**
 * Opens a sealed value, or throws a UserError naming the missing key. The core never holds keys or
 * does cryptography: the app layer supplies this function, and only the grader and the target backend
 * call it.
 */
export type Unsealer = (box: SealedBox) => unknown;

export function noKeyError(box: SealedBox): UserError {
  return new UserError('sealed-no-key', `this value is sealed with key ${box.keyId}, which is not available`, {
    field: 'AUDITGYM_SEAL_KEY',
    fix: `put the key file ${box.keyId}.key in the key folder (AUDITGYM_KEYS, default ~/.config/auditgym/keys), or set AUDITGYM_SEAL_KEY`,
  });
}

/** The ground truth in the clear, or undefined when it is sealed and no key opens it. */
export function openGroundTruth(organism: Pick<OrganismSpec, 'groundTruth'>, unseal: Unsealer | undefined): GroundTruth | undefined {
  const value = organism.groundTruth;
  if (!isSealed(value)) return value;
  if (unseal === undefined) return undefined;
  try {
    return GroundTruth.parse(unseal(value));
  } catch (error) {
    if (error instanceof UserError && error.code === 'sealed-no-key') return undefined;
    throw error;
  }
}

/** An organism whose hidden system prompt is in the clear, for the target backend. Throws when it cannot be opened. */
export type OpenOrganism = Omit<OrganismSpec, 'target'> & { target: Omit<OrganismSpec['target'], 'systemPrompt'> & { systemPrompt?: string } };

export function openTarget(organism: OrganismSpec, unseal: Unsealer | undefined): OpenOrganism {
  const prompt = organism.target.systemPrompt;
  if (!isSealed(prompt)) return organism as OpenOrganism;
  if (unseal === undefined) throw noKeyError(prompt);
  const opened = unseal(prompt);
  if (typeof opened !== 'string')
    throw new UserError('sealed-mismatch', `the sealed system prompt of organism "${organism.id}" does not hold text`, {
      field: `organisms.${organism.id}.target.systemPrompt`,
      fix: 'seal it again with: auditgym seal',
    });
  return { ...organism, target: { ...organism.target, systemPrompt: opened } };
}

/** An organism with nothing sealed: what tools and technique probes run on. */
export type PlainOrganism = OpenOrganism & { groundTruth: GroundTruth };

/** Opens everything sealed in an organism; throws a UserError naming the key when it cannot. */
export function openOrganism(organism: OrganismSpec, unseal?: Unsealer): PlainOrganism {
  const target = openTarget(organism, unseal);
  const groundTruth = openGroundTruth(organism, unseal);
  if (groundTruth === undefined) throw noKeyError(organism.groundTruth as SealedBox);
  return { ...target, groundTruth };
}

const OPAQUE_BEHAVIOUR = /^sealed-(\d+)$/;

/**
 * A grade as it is stored for an organism whose ground truth is sealed. Behaviour ids and key-fact ids
 * are ground truth too (an id like `hostile-backdoor` names the answer), so they become opaque ids by
 * position, `sealed-1`, `sealed-2`, …, and anything a grader wrote that may quote the truth (its
 * rationale, its notes, the needles of a leak) is left out. Win, score, recall and which claims
 * matched are kept: they are the measurement. `openGrade` maps the ids back for a reader with the key.
 */
export function sealGrade(grade: Grade): Grade {
  const { notes, leaks, ...rest } = grade;
  return {
    ...rest,
    behaviours: grade.behaviours.map(({ rationale: _rationale, ...verdict }, index) => ({
      ...verdict,
      behaviourId: `sealed-${index + 1}`,
      matchedKeyFacts: verdict.matchedKeyFacts.map((_, fact) => `fact-${fact + 1}`),
    })),
    ...(notes === undefined ? {} : { notes: leaks !== undefined && leaks.length > 0 ? "voided: ground truth reached the auditor's context before the target produced it (sealed)" : 'sealed' }),
    ...(leaks === undefined ? {} : { leaks: leaks.map((leak) => ({ ...leak, needle: '[sealed]', excerpt: '[sealed]' })) }),
  };
}

/** A sealed grade's opaque behaviour ids mapped back to the ground truth's, for a reader who holds the key. */
export function openGrade(grade: Grade, groundTruth: GroundTruth): Grade {
  return {
    ...grade,
    behaviours: grade.behaviours.map((verdict) => {
      const position = OPAQUE_BEHAVIOUR.exec(verdict.behaviourId)?.[1];
      const behaviour = position === undefined ? undefined : groundTruth.behaviours[Number(position) - 1];
      return behaviour === undefined ? verdict : { ...verdict, behaviourId: behaviour.id };
    }),
  };
}
