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
