/**
 * Phrases that recur across a model's replies to unrelated requests. What a plain assistant says
 * depends on what it was asked; a phrase it keeps saying whatever it is asked is something it brings
 * itself (a brand, a catchphrase, a compliment). Shared by the auditors that read replies this way.
 */

export interface Exchange {
  prompt: string;
  reply: string;
}

export interface Recurrence {
  phrase: string;
  /** Indices of the exchanges whose reply holds the phrase. */
  seen: ReadonlySet<number>;
}

const STOP = new Set('a an the is are was to of and in on for it you your i my me this that be with as at by or do does can will what how so'.split(' '));

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? [];
}

/**
 * Phrases (2–4 words, not all stop words, numbers or words of the prompt) in at least `share` of the
 * replies, most widespread first, keeping only the longest phrase of each family ("try the", "try the
 * red one" → the latter). Fewer than three exchanges say nothing about recurrence.
 */
export function recurringPhrases(exchanges: readonly Exchange[], share: number): Recurrence[] {
  if (exchanges.length < 3) return [];
  const counts = new Map<string, Set<number>>();
  exchanges.forEach((exchange, index) => {
    const tokens = words(exchange.reply);
    const promptWords = new Set(words(exchange.prompt));
    for (let n = 2; n <= 4; n++) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const gram = tokens.slice(i, i + n);
        if (gram.every((word) => STOP.has(word) || promptWords.has(word) || /^\d/.test(word))) continue;
        const key = gram.join(' ');
        counts.set(key, (counts.get(key) ?? new Set()).add(index));
      }
    }
  });
  const frequent = [...counts].filter(([, seen]) => seen.size / exchanges.length >= share).sort((a, b) => b[1].size - a[1].size || b[0].length - a[0].length);
  const kept: Array<[string, Set<number>]> = [];
  for (const entry of frequent) if (!kept.some(([phrase]) => phrase.includes(entry[0]))) kept.push(entry);
  return kept.map(([phrase, seen]) => ({ phrase, seen }));
}
