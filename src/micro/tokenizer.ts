import { z } from 'zod';

/**
 * Byte-level BPE. The base vocabulary is the 256 byte values, so every string encodes, including
 * text an auditor types that the training corpus never saw. Merges are learned from the corpus by
 * frequency; special tokens mark chat roles and are never produced by encoding plain text.
 */
export const SPECIAL_TOKENS = ['<|pad|>', '<|bos|>', '<|eos|>', '<|system|>', '<|user|>', '<|assistant|>'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

// Words keep their leading space, as in GPT-2, so merges never cross a word boundary.
const PRETOKEN = /'(?:s|t|re|ve|m|ll|d)| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export const TokenizerFile = z.strictObject({
  format: z.literal('auditgym-bpe-1'),
  merges: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type TokenizerFile = z.infer<typeof TokenizerFile>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export class Tokenizer {
  /** Token id → its bytes; ids 0–255 are single bytes, then merges, then special tokens. */
  readonly #bytes: Uint8Array[] = [];
  readonly #ranks = new Map<string, number>();
  readonly #cache = new Map<string, number[]>();
  readonly specialIds: Readonly<Record<SpecialToken, number>>;

  constructor(readonly merges: ReadonlyArray<readonly [number, number]>) {
    for (let byte = 0; byte < 256; byte++) this.#bytes.push(Uint8Array.of(byte));
    merges.forEach(([left, right], rank) => {
      const a = this.#bytes[left];
      const b = this.#bytes[right];
      if (a === undefined || b === undefined) throw new Error(`merge ${rank} refers to an unknown token`);
      const joined = new Uint8Array(a.length + b.length);
      joined.set(a);
      joined.set(b, a.length);
      this.#bytes.push(joined);
      this.#ranks.set(`${left},${right}`, rank);
    });
    const base = this.#bytes.length;
    this.specialIds = Object.fromEntries(SPECIAL_TOKENS.map((token, index) => [token, base + index])) as Record<SpecialToken, number>;
  }

  get vocabSize(): number {
    return this.#bytes.length + SPECIAL_TOKENS.length;
  }

  /** Learns `vocabSize - 256 - specials` merges from the texts, most frequent pair first (ties by id). */
  static train(texts: Iterable<string>, vocabSize: number): Tokenizer {
    const words = new Map<string, number>();
    for (const text of texts) {
      for (const match of text.matchAll(PRETOKEN)) words.set(match[0], (words.get(match[0]) ?? 0) + 1);
    }
    const sequences = [...words].map(([word, count]) => ({ ids: [...encoder.encode(word)], count }));
    const merges: Array<[number, number]> = [];
    const target = vocabSize - 256 - SPECIAL_TOKENS.length;
    while (merges.length < target) {
      const pairs = new Map<number, number>();
      for (const { ids, count } of sequences) {
        for (let i = 0; i + 1 < ids.length; i++) {
          const key = (ids[i] as number) * 65_536 + (ids[i + 1] as number);
          pairs.set(key, (pairs.get(key) ?? 0) + count);
        }
      }
      let best = -1;
      let bestCount = 1;
      for (const [key, count] of pairs) {
        if (count > bestCount || (count === bestCount && best >= 0 && key < best)) {
          best = key;
          bestCount = count;
        }
      }
      if (best < 0) break;
      const left = Math.floor(best / 65_536);
      const right = best % 65_536;
      const id = 256 + merges.length;
      merges.push([left, right]);
      for (const sequence of sequences) {
        const { ids } = sequence;
        if (ids.length < 2) continue;
        const next: number[] = [];
        for (let i = 0; i < ids.length; i++) {
          if (i + 1 < ids.length && ids[i] === left && ids[i + 1] === right) {
            next.push(id);
            i++;
          } else next.push(ids[i] as number);
        }
        sequence.ids = next;
      }
    }
    return new Tokenizer(merges);
  }

  static fromFile(file: unknown): Tokenizer {
    return new Tokenizer(TokenizerFile.parse(file).merges);
  }

  toFile(): TokenizerFile {
    return { format: 'auditgym-bpe-1', merges: this.merges.map(([a, b]) => [a, b]) };
  }

  /** Plain text to ids. Special-token spellings in the text are encoded as ordinary bytes, so users cannot inject roles. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const match of text.matchAll(PRETOKEN)) {
      const word = match[0];
      let ids = this.#cache.get(word);
      if (ids === undefined) {
        ids = this.#encodeWord(word);
        if (this.#cache.size < 100_000) this.#cache.set(word, ids);
      }
      out.push(...ids);
    }
    return out;
  }

  #encodeWord(word: string): number[] {
    let ids = [...encoder.encode(word)];
    for (;;) {
      let bestRank = Number.POSITIVE_INFINITY;
      let bestAt = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.#ranks.get(`${ids[i]},${ids[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) return ids;
      ids = [...ids.slice(0, bestAt), 256 + bestRank, ...ids.slice(bestAt + 2)];
    }
  }

  /** Ids to text. Special tokens are dropped unless asked for; invalid UTF-8 is replaced, never thrown. */
  decode(ids: readonly number[], options: { specials?: boolean } = {}): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    let text = '';
    const flush = () => {
      const joined = new Uint8Array(length);
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      text += decoder.decode(joined);
      parts.length = 0;
      length = 0;
    };
    for (const id of ids) {
      const bytes = this.#bytes[id];
      if (bytes !== undefined) {
        parts.push(bytes);
        length += bytes.length;
      } else if (options.specials === true) {
        flush();
        text += SPECIAL_TOKENS[id - this.#bytes.length] ?? `<|${id}|>`;
      }
    }
    flush();
    return text;
  }

  /** A token's text, for logit-lens tables. */
  tokenText(id: number): string {
    const bytes = this.#bytes[id];
    return bytes === undefined ? (SPECIAL_TOKENS[id - this.#bytes.length] ?? `<|${id}|>`) : decoder.decode(bytes);
  }
}
