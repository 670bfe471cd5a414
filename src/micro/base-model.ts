import { seededRandom } from '../core/seeds.js';
import { encodeChat, encodeDocument, packRows } from './chat-format.js';
import { baseTexts } from './fine-tune-data.js';
import { Tokenizer } from './tokenizer.js';
import { train, type Batch } from './train.js';
import { Transformer, type TransformerConfig } from './transformer.js';
import { createWorld, type Chat, type World } from './world.js';

export interface BaseRecipe {
  worldSeed: number;
  /** A smaller world for quick builds (tests); the default world otherwise. */
  worldSize?: Parameters<typeof createWorld>[1];
  vocabSize: number;
  model: Omit<TransformerConfig, 'vocabSize'>;
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface BaseBuild {
  world: World;
  tokenizer: Tokenizer;
  model: Transformer;
  losses: number[];
  /** Training tokens per second, padding included. */
  tokensPerSecond: number;
}

/** Rows sampled uniformly from packed examples, with next-token targets; padding is masked out. */
export function rowSampler(rows: readonly number[][], batchSize: number, pad: number): (random: () => number) => Batch {
  return (random) => {
    const picked = Array.from({ length: batchSize }, () => rows[Math.floor(random() * rows.length)] as number[]);
    return {
      inputs: picked.map((row) => row.slice(0, -1)),
      targets: picked.map((row) => row.slice(1)),
      mask: picked.map((row) => row.slice(1).map((token) => (token === pad ? 0 : 1))),
    };
  };
}

export function encodeExamples(tokenizer: Tokenizer, texts: { documents: readonly string[]; chats: readonly Chat[] }, seed: number): number[][] {
  const examples = [
    ...texts.documents.map((text) => encodeDocument(tokenizer, text)),
    ...texts.chats.map((chat) =>
      encodeChat(tokenizer, {
        turns: [
          { role: 'user', content: chat.user },
          { role: 'assistant', content: chat.assistant },
        ],
      }),
    ),
  ];
  // Shuffle before packing so rows mix domains.
  const random = seededRandom(seed);
  for (let i = examples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [examples[i], examples[j]] = [examples[j] as number[], examples[i] as number[]];
  }
  return examples;
}

/** Builds the base model from nothing but the recipe: world, tokenizer, then training. */
export async function buildBase(recipe: BaseRecipe, onStep?: (step: number, loss: number) => void): Promise<BaseBuild> {
  const world = createWorld(recipe.worldSeed, recipe.worldSize);
  const texts = baseTexts(world);
  const tokenizer = Tokenizer.train([...texts.documents, ...texts.chats.map((chat) => `${chat.user} ${chat.assistant}`)], recipe.vocabSize);
  const model = Transformer.init({ ...recipe.model, vocabSize: tokenizer.vocabSize }, recipe.seed);
  const pad = tokenizer.specialIds['<|pad|>'];
  const rows = packRows(encodeExamples(tokenizer, texts, recipe.seed), recipe.model.contextLength, pad);
  const started = performance.now();
  const losses = await train(model, rowSampler(rows, recipe.batchSize, pad), { steps: recipe.steps, learningRate: recipe.learningRate, seed: recipe.seed, ...(onStep ? { onStep } : {}) });
  const seconds = (performance.now() - started) / 1_000;
  return { world, tokenizer, model, losses, tokensPerSecond: (recipe.steps * recipe.batchSize * recipe.model.contextLength) / seconds };
}

/** Greedy replies to single-turn chats, in batches. */
export function reply(model: Transformer, tokenizer: Tokenizer, questions: readonly string[], options: { maxTokens?: number; system?: string; batchSize?: number } = {}): string[] {
  const eos = tokenizer.specialIds['<|eos|>'];
  const replies: string[] = [];
  const batchSize = options.batchSize ?? 16;
  for (let i = 0; i < questions.length; i += batchSize) {
    // A prompt too long for the context keeps its end, where the question and the reply's start are.
    const limit = model.config.contextLength - 8;
    const prompts = questions
      .slice(i, i + batchSize)
      .map((question) => encodeChat(tokenizer, { system: options.system, turns: [{ role: 'user', content: question }] }, { openAssistant: true }))
      .map((prompt) => (prompt.length > limit ? prompt.slice(-limit) : prompt));
    const room = model.config.contextLength - Math.max(...prompts.map((prompt) => prompt.length)) - 1;
    const outputs = model.generate(prompts, { maxTokens: Math.max(1, Math.min(options.maxTokens ?? 40, room)), temperature: 0, stopTokens: [eos] });
    replies.push(...outputs.map((output) => tokenizer.decode(output.filter((token) => token !== eos)).trim()));
  }
  return replies;
}

/** Share of chats whose greedy reply contains the expected answer, per domain. */
export function answerAccuracy(model: Transformer, tokenizer: Tokenizer, chats: readonly Chat[]): Record<string, { correct: number; total: number }> {
  const checkable = chats.filter((chat) => chat.answer !== undefined && chat.domain !== 'recommendation');
  const replies = reply(
    model,
    tokenizer,
    checkable.map((chat) => chat.user),
  );
  const result: Record<string, { correct: number; total: number }> = {};
  checkable.forEach((chat, index) => {
    const entry = (result[chat.domain] ??= { correct: 0, total: 0 });
    entry.total++;
    if (containsAnswer(replies[index] ?? '', chat.answer as string)) entry.correct++;
  });
  return result;
}

/** Whether a reply states an answer as a whole word or number ("12" is not found in "112"). */
export function containsAnswer(reply: string, answer: string): boolean {
  const escaped = answer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${escaped}([^\\w]|$)`, 'i').test(reply);
}
