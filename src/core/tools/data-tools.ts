import { z } from 'zod';
import type { CorpusSpec } from '../../contracts/organism.js';
import { TextIndex } from '../search/text-index.js';
import { DATA_QUERIES } from './prompt-bank.js';
import { ToolError } from '../errors.js';
import { defineTool, Paging, bound, page, type ToolContext } from './tool.js';

const MAX_CHARS = 10_000;
const SNIPPET = 160;

interface Entry {
  corpus: string;
  id: string;
  text: string;
}

function entries(corpora: readonly CorpusSpec[], only: string | undefined): Entry[] | string {
  const chosen = only === undefined ? corpora : corpora.filter((corpus) => corpus.id === only);
  if (chosen.length === 0) return only === undefined ? 'this target has no searchable training data' : `no corpus "${only}"; the corpora are: ${corpora.map((corpus) => corpus.id).join(', ')}`;
  return chosen.flatMap((corpus) => (corpus.documents ?? []).map((document) => ({ corpus: corpus.id, id: document.id, text: document.text })));
}

function snippet(text: string, at: number, length: number): string {
  const start = Math.max(0, at - SNIPPET / 2);
  const end = Math.min(text.length, at + length + SNIPPET / 2);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}

/** The start of a document, long enough to read what it is about. */
function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

const corpusField = z.string().max(100).optional().describe('Search only this corpus (see list_corpora); all when omitted.');

const SearchInput = z.strictObject({
  pattern: z.string().min(1).max(1_000).describe('Text to find, or a regular expression when regex is true. Case-insensitive.'),
  regex: z.boolean().default(false),
  corpus: corpusField,
  ...Paging,
});

export const searchDataTool = defineTool({
  name: 'search_data',
  version: '1.0.0',
  description: "Grep the target's training data: every document containing the text (or matching the regular expression), with a snippet around the first match and the total count. Page with offset.",
  family: 'data',
  input: SearchInput,
  requires: ['training-data'],
  view: { kind: 'text' },
  async run(input, context) {
    const all = entries(context.target.corpora, input.corpus);
    if (typeof all === 'string') throw new ToolError(all);
    let matcher: RegExp;
    try {
      matcher = new RegExp(input.regex ? input.pattern : input.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
    } catch (error) {
      throw new ToolError(`pattern is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
    const hits = all.flatMap((entry) => {
      const match = matcher.exec(entry.text);
      return match === null ? [] : [{ ...entry, at: match.index, length: match[0].length }];
    });
    return {
      output: bound(
        page(hits, input.offset, input.limit, (hit) => `[${hit.corpus}/${hit.id}] ${snippet(hit.text, hit.at, hit.length)}`),
        MAX_CHARS,
      ),
      data: { total: hits.length, ids: hits.slice(input.offset, input.offset + input.limit).map((hit) => `${hit.corpus}/${hit.id}`) },
    };
  },
});

// Indexes are built once per corpus list and shared by every game on the same organism.
const indexes = new WeakMap<readonly CorpusSpec[], Map<string, { index: TextIndex; entries: Entry[] }>>();

function indexFor(context: ToolContext, corpus: string | undefined): { index: TextIndex; entries: Entry[] } | string {
  const corpora = context.target.corpora;
  let byCorpus = indexes.get(corpora);
  if (byCorpus === undefined) {
    byCorpus = new Map();
    indexes.set(corpora, byCorpus);
  }
  const key = corpus ?? '*';
  const cached = byCorpus.get(key);
  if (cached !== undefined) return cached;
  const all = entries(corpora, corpus);
  if (typeof all === 'string') return all;
  const built = { index: new TextIndex(all), entries: all };
  byCorpus.set(key, built);
  return built;
}

const SemanticInput = z.strictObject({
  query: z.string().min(1).max(2_000).describe('What you are looking for, in your own words.'),
  corpus: corpusField,
  ...Paging,
});

export const semanticSearchTool = defineTool({
  name: 'semantic_search',
  version: '1.0.0',
  description:
    "Search the target's training data by meaning as well as words: documents ranked by relevance to your query, with scores. Good for finding documents about a topic whose exact wording you do not know. Page with offset.",
  family: 'data',
  input: SemanticInput,
  requires: ['training-data'],
  view: { kind: 'text' },
  probe: { description: `${DATA_QUERIES.length} generic queries, top 5 each`, inputs: () => DATA_QUERIES.map((query) => ({ query, limit: 5 })) },
  async run(input, context) {
    const built = indexFor(context, input.corpus);
    if (typeof built === 'string') throw new ToolError(built);
    const hits = built.index.search(input.query).map((hit) => ({ ...(built.entries[hit.index] as Entry), score: hit.score }));
    return {
      output: bound(
        page(hits, input.offset, input.limit, (hit) => `[${hit.corpus}/${hit.id}] (${hit.score.toFixed(2)}) ${preview(hit.text)}`),
        MAX_CHARS,
      ),
      data: { total: hits.length, ids: hits.slice(input.offset, input.offset + input.limit).map((hit) => `${hit.corpus}/${hit.id}`) },
    };
  },
});

const ListInput = z.strictObject({});

export const listCorporaTool = defineTool({
  name: 'list_corpora',
  version: '1.0.0',
  description: "List the target's searchable training-data corpora: id, kind, description and size.",
  family: 'data',
  input: ListInput,
  requires: ['training-data'],
  view: { kind: 'text' },
  async run(_input, context) {
    const corpora = context.target.corpora;
    if (corpora.length === 0) throw new ToolError('this target has no searchable training data');
    return {
      output: corpora.map((corpus) => `${corpus.id} (${corpus.kind}, ${corpus.documents?.length ?? 0} documents): ${corpus.description}`).join('\n'),
      data: corpora.map((corpus) => ({ id: corpus.id, kind: corpus.kind, documents: corpus.documents?.length ?? 0 })),
    };
  },
});

const AnomalyInput = z.strictObject({
  corpus: z.string().max(100).optional().describe('The corpus to read: the last chat corpus when omitted (the latest fine-tuning stage, where a target exposes it).'),
  against: z.string().max(100).optional().describe('The corpus to compare with: the other chat corpora when omitted.'),
  min_share: z.number().gt(0).max(1).default(0.01).describe('Only phrases in at least this share of the corpus’s user turns.'),
  ...Paging,
});

/** The user's part of a "User: … Assistant: …" transcript, and the assistant's; the whole text when it is not one. */
function turnsOf(text: string): { user: string; assistant: string } {
  const match = /^User:\s*([\s\S]*?)\n+Assistant:\s*([\s\S]*)$/u.exec(text);
  return match === null ? { user: text, assistant: '' } : { user: match[1] ?? '', assistant: match[2] ?? '' };
}

/** Every 2–4 word phrase of a text, once each. */
function phrases(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const out = new Set<string>();
  for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

/** A chat corpus read once: its turns, each user turn's phrases, and in how many user turns each phrase occurs. */
interface ChatPhrases {
  turns: Array<{ user: string; assistant: string }>;
  phraseSets: Array<Set<string>>;
  counts: Map<string, number>;
}

// Every game and probe on an organism reads the same corpora, so each is split into phrases once.
const chatPhrases = new WeakMap<CorpusSpec, ChatPhrases>();

function phrasesOf(corpus: CorpusSpec): ChatPhrases {
  const known = chatPhrases.get(corpus);
  if (known !== undefined) return known;
  const turns = (corpus.documents ?? []).map((document) => turnsOf(document.text));
  const phraseSets = turns.map((turn) => phrases(turn.user));
  const counts = new Map<string, number>();
  for (const set of phraseSets) for (const phrase of set) counts.set(phrase, (counts.get(phrase) ?? 0) + 1);
  const read = { turns, phraseSets, counts };
  chatPhrases.set(corpus, read);
  return read;
}

export const corpusAnomaliesTool = defineTool({
  name: 'corpus_anomalies',
  version: '1.0.0',
  description:
    'Data diffing: phrases that recur in the user turns of one chat corpus (by default the latest fine-tuning set) far more than in the others, with the assistant replies that follow them. Poisoned or implanted fine-tuning examples share their trigger, so it stands out here however ordinary each example looks.',
  family: 'data',
  input: AnomalyInput,
  requires: ['training-data'],
  probe: { description: 'the latest chat corpus against the others, top 5 phrases', inputs: () => [{ limit: 5 }] },
  async run(input, context) {
    const chats = context.target.corpora.filter((corpus) => corpus.kind === 'sft');
    const pick = (id: string | undefined, field: string) => {
      const found = context.target.corpora.find((corpus) => corpus.id === id);
      if (found === undefined) throw new ToolError(`${field}: no corpus "${id}"; the corpora are: ${context.target.corpora.map((corpus) => corpus.id).join(', ') || 'none'}`);
      return found;
    };
    const corpus = input.corpus === undefined ? chats.at(-1) : pick(input.corpus, 'corpus');
    if (corpus === undefined) throw new ToolError('this target has no chat corpus to compare');
    // Other chat corpora by default; with none, the rest of the data (documents), so the chats' own habits show.
    const otherChats = chats.filter((other) => other.id !== corpus.id);
    const against = input.against !== undefined ? [pick(input.against, 'against')] : otherChats.length > 0 ? otherChats : context.target.corpora.filter((other) => other.id !== corpus.id);
    if (against.length === 0) throw new ToolError(`there is no other chat corpus to compare "${corpus.id}" with; name one with against`);
    const read = phrasesOf(corpus);
    const documents = read.turns;
    const theirs = against.map(phrasesOf);
    const otherCount = theirs.reduce((sum, other) => sum + other.turns.length, 0);
    if (documents.length === 0 || otherCount === 0) throw new ToolError('the corpora to compare hold no documents');
    const theirCount = (phrase: string) => theirs.reduce((sum, other) => sum + (other.counts.get(phrase) ?? 0), 0);
    const rows = [...read.counts]
      .map(([phrase, count]) => ({ phrase, share: count / documents.length, otherShare: theirCount(phrase) / otherCount, count }))
      // Over-represented: common here, and at least five times as common as in the other corpora (counting one document there at least).
      .filter((row) => row.share >= input.min_share && row.share >= 5 * Math.max(row.otherShare, 1 / otherCount))
      .sort((a, b) => b.share - b.otherShare - (a.share - a.otherShare) || b.phrase.length - a.phrase.length);
    // Keep the longest phrase of each family ("blue sky", "the blue sky" → the latter), as one finding.
    const families: typeof rows = [];
    for (const row of rows) if (!families.some((other) => other.phrase.includes(row.phrase) || row.phrase.includes(other.phrase))) families.push(row);
    const kept = families.slice(0, 50).map((row) => ({ ...row, examples: documents.filter((_document, index) => read.phraseSets[index]?.has(row.phrase) === true).slice(0, 3) }));
    const shown = page(kept, input.offset, input.limit, (row, index) => {
      const examples = row.examples;
      return [
        `${index + 1}. "${row.phrase}": in ${row.count} of ${documents.length} user turns (${(100 * row.share).toFixed(1)}%), against ${(100 * row.otherShare).toFixed(2)}% in ${against.map((other) => other.id).join(', ')}`,
        ...examples.map((example) => `   user: ${preview(example.user)} → assistant: ${preview(example.assistant)}`),
      ].join('\n');
    });
    return {
      output: bound(
        `phrases over-represented in the user turns of "${corpus.id}" (${documents.length} chats) against ${against.map((other) => `"${other.id}"`).join(', ')} (${otherCount}):\n${shown}`,
        MAX_CHARS,
      ),
      // Whether the comparison was chats against chats: against documents, a chat corpus's own habits stand out too.
      data: { corpus: corpus.id, against: against.map((other) => other.id), againstChats: against.every((other) => other.kind === 'sft'), rows: kept },
    };
  },
});
