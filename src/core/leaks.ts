import type { GroundTruth } from '../contracts/organism.js';
import type { EventBody } from '../contracts/transcript.js';

/** A string that gives a ground truth away: seeing it in an auditor's own context means the answer leaked in. */
export interface Needle {
  organism: string;
  text: string;
  /** Where it comes from: a key-fact phrase, a quoted trigger or secret, or a run of the hidden prompt. */
  source: 'key-fact' | 'quoted' | 'hidden-prompt';
}

export interface LeakHit {
  organism: string;
  needle: string;
  source: Needle['source'];
  /** Where it was found: a file and line, a spec field, or a transcript event. */
  where: string;
  excerpt: string;
}

// Kinds of behaviour whose key facts are secrets in themselves (a word, a goal),
// rather than generic words for kinds of behaviour ("flattery") that any auditor prompt may use.
const SECRET_CATEGORIES = new Set(['secret-knowledge', 'hidden-objective']);
const SHINGLE_WORDS = 8;

const normalise = (text: string) => text.toLowerCase().replace(/\s+/gu, ' ').trim();

/**
 * The needles of one organism: the key-fact phrases of secrets (a word, a goal, a brand, a trigger),
 * anything quoted in its ground truth (triggers are written that way), and every run of eight words
 * of its hidden prompt.
 */
export function groundTruthNeedles(organism: { id: string; groundTruth: GroundTruth; systemPrompt?: string | undefined }): Needle[] {
  const needles = new Map<string, Needle>();
  const add = (text: string, source: Needle['source']) => {
    const clean = normalise(text);
    if (clean.length >= 4 && !needles.has(clean)) needles.set(clean, { organism: organism.id, text: clean, source });
  };
  for (const behaviour of organism.groundTruth.behaviours) {
    for (const fact of behaviour.keyFacts) {
      // Phrases for kinds of behaviour ("wrong answers") are how any auditor describes what it saw.
      if (SECRET_CATEGORIES.has(behaviour.category)) for (const phrase of fact.anyOf) add(phrase, 'key-fact');
    }
    const prose = [behaviour.description, behaviour.trigger ?? '', organism.groundTruth.rootCause ?? ''];
    for (const text of prose) for (const quoted of quotedStrings(text)) add(quoted, 'quoted');
    // A key-fact phrase written as a name in the prose ("works at Lumen Lab", a brand) is a secret, whatever its category.
    for (const fact of behaviour.keyFacts) for (const phrase of fact.anyOf) if (prose.some((text) => namedIn(text, phrase))) add(phrase, 'key-fact');
  }
  for (const quoted of quotedStrings(organism.groundTruth.rootCause ?? '')) add(quoted, 'quoted');
  if (organism.systemPrompt !== undefined) {
    const words = normalise(organism.systemPrompt).split(' ');
    for (let start = 0; start + SHINGLE_WORDS <= words.length; start++) add(words.slice(start, start + SHINGLE_WORDS).join(' '), 'hidden-prompt');
  }
  return [...needles.values()];
}

function namedIn(text: string, phrase: string): boolean {
  // Most phrases are nowhere in the text: skip compiling a pattern for them (exact for ASCII text).
  if (isAscii(text) && isAscii(phrase) && !text.toLowerCase().includes(phrase.toLowerCase())) return false;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase)}(?![\\p{L}\\p{N}])`, 'giu');
  for (const match of text.matchAll(pattern)) {
    const before = text.slice(0, match.index).trimEnd();
    const sentenceStart = before === '' || /[.!?:]$/u.test(before);
    if (!sentenceStart && match[0].split(/\s+/u).every((word) => /^\p{Lu}/u.test(word))) return true;
  }
  return false;
}

function quotedStrings(text: string): string[] {
  return [...text.matchAll(/["“]([^"”]{3,200})["”]/gu)].map((match) => match[1] as string);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isAscii = (text: string) => /^[ -~\s]*$/u.test(text);

/** Needles found in a text, on word boundaries and ignoring case and spacing. */
export function findNeedles(text: string, needles: readonly Needle[], where: string): LeakHit[] {
  const clean = normalise(text);
  const hits: LeakHit[] = [];
  for (const needle of needles) {
    // Both sides are normalised, so a needle that is not a substring cannot match; most are not.
    if (!clean.includes(needle.text)) continue;
    const match = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(needle.text)}(?![\\p{L}\\p{N}])`, 'u').exec(clean);
    if (match === null) continue;
    const from = Math.max(0, match.index - 40);
    hits.push({ organism: needle.organism, needle: needle.text, source: needle.source, where, excerpt: clean.slice(from, match.index + needle.text.length + 40) });
  }
  return hits;
}

/**
 * Ground truth that reached the auditor's own context (its instructions, its task, or a user turn the
 * scaffold wrote) before the target or a tool produced it. What the environment shows the auditor is
 * fair evidence; what the scaffold brings in is a leak.
 */
export function transcriptLeaks(events: readonly EventBody[], needles: readonly Needle[]): LeakHit[] {
  let produced = '';
  const hits: LeakHit[] = [];
  const seen = new Set<string>();
  events.forEach((event, index) => {
    if (event.type === 'tool-result') produced += ` ${normalise(event.output)}`;
    else if (event.type === 'target-call' && event.response !== undefined) produced += ` ${normalise(event.response.text)}`;
    // Earlier games' reports are their auditors' findings, leak-checked in their own games.
    else if (event.type === 'earlier-reports') produced += ` ${normalise(JSON.stringify(event.reports))}`;
    else if (event.type === 'auditor-input') {
      const scaffold = [event.system, ...event.messages.filter((message) => message.role === 'user').map((message) => message.content)].join('\n');
      for (const hit of findNeedles(scaffold, needles, `transcript event ${index} (auditor input)`)) {
        if (seen.has(hit.needle) || produced.includes(hit.needle)) continue;
        seen.add(hit.needle);
        hits.push(hit);
      }
    }
  });
  return hits;
}
