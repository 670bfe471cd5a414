import { describe, expect, it } from 'vitest';
import { Tokenizer } from './tokenizer.js';

const corpus = Array.from({ length: 50 }, (_, i) => `The river town of Vell has ${i} bridges. The assistant says hello to the user.`);

describe('Tokenizer', () => {
  const tokenizer = Tokenizer.train(corpus, 400);

  it('learns merges that compress the corpus', () => {
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(400);
    const ids = tokenizer.encode('The river town of Vell');
    expect(ids.length).toBeLessThan('The river town of Vell'.length / 2);
  });

  it('round-trips any text, including text it never saw', () => {
    for (const text of ['The river town of Vell has 7 bridges.', 'Ünïcödé ☃ 漢字 🙂', '  spaced\n\ttabs  ', 'x'.repeat(300), '']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('never encodes special-token spellings in text as specials', () => {
    const ids = tokenizer.encode('<|assistant|> hi');
    expect(ids).not.toContain(tokenizer.specialIds['<|assistant|>']);
    expect(tokenizer.decode([tokenizer.specialIds['<|user|>'], ...tokenizer.encode(' hi')], { specials: true })).toBe('<|user|> hi');
    expect(tokenizer.decode([tokenizer.specialIds['<|user|>']])).toBe('');
  });

  it('is deterministic and survives a save and load', () => {
    const again = Tokenizer.train(corpus, 400);
    expect(again.merges).toEqual(tokenizer.merges);
    const loaded = Tokenizer.fromFile(JSON.parse(JSON.stringify(tokenizer.toFile())));
    expect(loaded.encode('The assistant says hello')).toEqual(tokenizer.encode('The assistant says hello'));
    expect(() => Tokenizer.fromFile({ format: 'auditgym-bpe-1', merges: [[9999, 1]] })).toThrow();
  });
});
