import type { Tokenizer } from './tokenizer.js';

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * The chat template: `<|bos|> [<|system|> s] <|user|> u <|assistant|> a <|eos|> …`. Role markers are
 * special tokens that plain text can never produce.
 */
export function encodeChat(
  tokenizer: Tokenizer,
  chat: { system?: string | undefined; turns: readonly Turn[] },
  options: { openAssistant?: boolean; openUser?: boolean; prefill?: string } = {},
): number[] {
  const special = tokenizer.specialIds;
  const ids = [special['<|bos|>']];
  if (chat.system !== undefined && chat.system !== '') ids.push(special['<|system|>'], ...tokenizer.encode(` ${chat.system}`));
  for (const turn of chat.turns) {
    ids.push(turn.role === 'user' ? special['<|user|>'] : special['<|assistant|>'], ...tokenizer.encode(` ${turn.content}`));
    if (turn.role === 'assistant') ids.push(special['<|eos|>']);
  }
  if (options.openUser === true) {
    ids.push(special['<|user|>']);
    if (options.prefill !== undefined && options.prefill !== '') ids.push(...tokenizer.encode(` ${options.prefill}`));
  } else if (options.openAssistant === true) {
    ids.push(special['<|assistant|>']);
    if (options.prefill !== undefined && options.prefill !== '') ids.push(...tokenizer.encode(` ${options.prefill}`));
  }
  return ids;
}

/** A plain document for pretraining: `<|bos|> text <|eos|>`. */
export function encodeDocument(tokenizer: Tokenizer, text: string): number[] {
  return [tokenizer.specialIds['<|bos|>'], ...tokenizer.encode(` ${text}`), tokenizer.specialIds['<|eos|>']];
}

/**
 * Packs encoded examples into training rows of `length + 1` tokens, so no compute is spent on
 * padding. An example longer than a row is cut; the next example starts a new row when it would not fit.
 */
export function packRows(examples: readonly number[][], length: number, pad: number): number[][] {
  const rows: number[][] = [];
  let row: number[] = [];
  for (const example of examples) {
    const clipped = example.slice(0, length + 1);
    if (row.length + clipped.length > length + 1) {
      rows.push([...row, ...Array<number>(length + 1 - row.length).fill(pad)]);
      row = [];
    }
    row.push(...clipped);
  }
  if (row.length > 0) rows.push([...row, ...Array<number>(length + 1 - row.length).fill(pad)]);
  return rows;
}
