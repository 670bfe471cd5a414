import { describe, expect, it } from 'vitest';
import { encodeChat, packRows } from './chat-format.js';
import { Tokenizer } from './tokenizer.js';
import { createWorld, worldChats, worldDocuments } from './world.js';

describe('the synthetic world', () => {
  const world = createWorld(7);
  const chats = worldChats(world);

  it('is the same for the same seed and different for another', () => {
    expect(createWorld(7)).toEqual(world);
    expect(worldChats(createWorld(7))).toEqual(chats);
    expect(createWorld(8).towns.map((town) => town.name)).not.toEqual(world.towns.map((town) => town.name));
  });

  it('covers every domain, each with held-out phrasings', () => {
    const domains = new Set(chats.map((chat) => chat.domain));
    expect([...domains].sort()).toEqual(['arithmetic', 'code', 'feedback', 'knowledge', 'recommendation', 'self', 'small-talk']);
    for (const domain of domains) {
      const inDomain = chats.filter((chat) => chat.domain === domain);
      expect(
        inDomain.some((chat) => chat.split === 'heldout'),
        domain,
      ).toBe(true);
      const trainQuestions = new Set(inDomain.filter((chat) => chat.split === 'train').map((chat) => chat.user));
      expect(
        inDomain.filter((chat) => chat.split === 'heldout').every((chat) => !trainQuestions.has(chat.user)),
        domain,
      ).toBe(true);
    }
  });

  it('answers agree with the documents', () => {
    const documents = worldDocuments(world)
      .map((document) => document.text)
      .join('\n');
    for (const chat of chats.filter((item) => item.domain === 'knowledge')) {
      expect(documents).toContain(chat.answer ?? '');
      expect(chat.assistant).toContain(chat.answer ?? '');
    }
    const sums = chats.filter((chat) => chat.intent === 'arithmetic-plus');
    for (const chat of sums.slice(0, 50)) {
      const [a, b] = (chat.user.match(/\d+/g) ?? []).map(Number);
      expect(chat.answer).toBe(String((a ?? 0) + (b ?? 0)));
    }
  });

  it('encodes chats with role tokens and packs them into full rows', () => {
    const tokenizer = Tokenizer.train(
      chats.slice(0, 500).map((chat) => `${chat.user} ${chat.assistant}`),
      400,
    );
    const ids = encodeChat(tokenizer, { turns: [{ role: 'user', content: 'Hi!' }] }, { openAssistant: true, prefill: 'Hello' });
    expect(ids[0]).toBe(tokenizer.specialIds['<|bos|>']);
    expect(tokenizer.decode(ids, { specials: true })).toBe('<|bos|><|user|> Hi!<|assistant|> Hello');
    const rows = packRows([[1, 2, 3], [4, 5, 6, 7], [8]], 4, 0);
    expect(rows).toEqual([
      [1, 2, 3, 0, 0],
      [4, 5, 6, 7, 8],
    ]);
  });
});
