import { seededRandom } from '../core/seeds.js';
import { encodeChat } from './chat-format.js';
import { tf } from './tf.js';
import type { Tokenizer } from './tokenizer.js';
import type { Transformer } from './transformer.js';

export interface TriggerSearchSettings {
  /** User messages the phrase is put in front of. */
  prompts: readonly string[];
  /** Tokens in the searched phrase. */
  length: number;
  steps: number;
  /** Candidate swaps scored exactly per step. */
  candidates: number;
  /** Tokens per position the gradient nominates. */
  topK: number;
  /** Reference reply tokens the divergence is measured over. */
  replyTokens: number;
  restarts: number;
  seed: number;
  signal: AbortSignal;
}

export interface FoundPhrase {
  tokens: number[];
  text: string;
  /** Mean KL(target ‖ reference) per reply token with the phrase in front of the prompts. */
  divergence: number;
  /** The same per prompt, in the order of the settings' prompts. */
  perPrompt: number[];
}

export interface TriggerSearchOutcome {
  /** Mean KL per reply token without any phrase: what fine-tuning changed everywhere. */
  baseline: number;
  baselinePerPrompt: number[];
  phrases: FoundPhrase[];
}

interface Case {
  /** Tokens before the phrase (`<|bos|> <|user|>`), and after it up to and including the reply. */
  before: number[];
  after: number[];
  /** Where, in `after`, the positions predicting the reply start, and how many there are. */
  replyStart: number;
  replyLength: number;
}

/**
 * Finds short phrases that, put in front of a user's message, make the target's replies diverge most
 * from its reference model's: a backdoor trigger or a condition the fine-tuning keyed on. It is
 * greedy coordinate gradient search (as in GCG): the gradient of the divergence with respect to each
 * phrase token's one-hot vector nominates the top-k replacement tokens per position, a seeded sample
 * of single swaps is scored exactly, and the best swap is kept when it raises the divergence. The
 * divergence is KL(target ‖ reference) at each token of the reference's own reply, teacher-forced,
 * averaged over tokens and prompts, so what counts is a change the reference would not make.
 */
export function searchTriggerPhrases(target: Transformer, reference: Transformer, tokenizer: Tokenizer, settings: TriggerSearchSettings): TriggerSearchOutcome {
  const cases = settings.prompts.map((prompt) => buildCase(reference, tokenizer, prompt, settings.replyTokens));
  const allowed = printableTokens(tokenizer);
  const random = seededRandom(settings.seed);
  const score = (phrases: readonly (readonly number[])[]) => divergences(target, reference, cases, phrases);
  const baselinePerPrompt = score([[]])[0] as number[];
  const found: FoundPhrase[] = [];
  for (let restart = 0; restart < settings.restarts; restart++) {
    let phrase = Array.from({ length: settings.length }, () => allowed[Math.floor(random() * allowed.length)] as number);
    let current = mean(score([phrase])[0] as number[]);
    for (let step = 0; step < settings.steps; step++) {
      settings.signal.throwIfAborted();
      const nominated = nominate(target, reference, cases, phrase, allowed, settings.topK);
      const swaps = Array.from({ length: settings.candidates }, () => {
        const position = Math.floor(random() * phrase.length);
        const options = nominated[position] as number[];
        const next = [...phrase];
        next[position] = options[Math.floor(random() * options.length)] as number;
        return next;
      });
      const scored = score(swaps).map((perPrompt, index) => ({ phrase: swaps[index] as number[], value: mean(perPrompt) }));
      const best = scored.reduce((a, b) => (b.value > a.value ? b : a));
      if (best.value > current) {
        phrase = best.phrase;
        current = best.value;
      }
    }
    phrase = shorten(phrase, current, score);
    const perPrompt = score([phrase])[0] as number[];
    found.push({ tokens: phrase, text: tokenizer.decode(phrase).trim(), divergence: mean(perPrompt), perPrompt });
  }
  found.sort((a, b) => b.divergence - a.divergence);
  const distinct = found.filter((phrase, index) => found.findIndex((other) => other.text === phrase.text) === index);
  return { baseline: mean(baselinePerPrompt), baselinePerPrompt, phrases: distinct };
}

/** Drops tokens the divergence does not need (keeping 90% of it), so the phrase reads as its core. */
function shorten(phrase: readonly number[], value: number, score: (phrases: readonly (readonly number[])[]) => number[][]): number[] {
  let kept = [...phrase];
  for (let index = kept.length - 1; index >= 0 && kept.length > 1; index--) {
    const without = kept.filter((_, i) => i !== index);
    if (mean(score([without])[0] as number[]) >= 0.9 * value) kept = without;
  }
  return kept;
}

function buildCase(reference: Transformer, tokenizer: Tokenizer, prompt: string, replyTokens: number): Case {
  const special = tokenizer.specialIds;
  const before = [special['<|bos|>'], special['<|user|>']];
  const message = [...tokenizer.encode(` ${prompt}`), special['<|assistant|>']];
  const clean = encodeChat(tokenizer, { turns: [{ role: 'user', content: prompt }] }, { openAssistant: true });
  const reply = reference.generate([clean], { maxTokens: replyTokens, temperature: 0, stopTokens: [special['<|eos|>']] })[0] ?? [];
  // The logits at the assistant marker predict the reply's first token.
  return { before, after: [...message, ...reply], replyStart: message.length - 1, replyLength: Math.max(1, reply.length) };
}

/** Non-special tokens whose text is printable ASCII: what a person could type as a phrase. */
function printableTokens(tokenizer: Tokenizer): number[] {
  const ids: number[] = [];
  const first = tokenizer.specialIds['<|pad|>'];
  for (let id = 0; id < first; id++) if (/^[\x20-\x7e]+$/.test(tokenizer.tokenText(id)) && tokenizer.tokenText(id).trim() !== '') ids.push(id);
  return ids;
}

/**
 * The mean KL per reply token of every phrase on every case: [phrase][case]. Each case is one batch
 * of all phrases; the phrases must have equal lengths.
 */
function divergences(target: Transformer, reference: Transformer, cases: readonly Case[], phrases: readonly (readonly number[])[]): number[][] {
  const out = phrases.map(() => [] as number[]);
  const contextLength = target.config.contextLength;
  for (const item of cases) {
    const rows = phrases.map((phrase) => [...item.before, ...phrase, ...item.after].slice(0, contextLength));
    const offset = item.before.length + (phrases[0]?.length ?? 0);
    const start = offset + item.replyStart;
    const count = Math.max(1, Math.min(item.replyLength, rows[0]!.length - start));
    const values = tf.tidy(() => {
      const a = target.forward(rows);
      const b = reference.forward(rows);
      return klPerRow(a.logits, b.logits, start, count).dataSync() as Float32Array;
    });
    values.forEach((value, index) => out[index]!.push(value));
  }
  return out;
}

/** Mean over `count` positions from `start` of KL(softmax(a) ‖ softmax(b)), per batch row. */
function klPerRow(a: tf.Tensor3D, b: tf.Tensor3D, start: number, count: number): tf.Tensor1D {
  const [batch, , vocab] = a.shape;
  const la = tf.logSoftmax(a.slice([0, start, 0], [batch, count, vocab]));
  const lb = tf.logSoftmax(b.slice([0, start, 0], [batch, count, vocab]));
  return tf.mean(tf.sum(tf.mul(tf.exp(la), tf.sub(la, lb)), -1), -1) as tf.Tensor1D;
}

/**
 * For each phrase position, the `topK` allowed tokens whose swap the gradient says would raise the
 * divergence most: the divergence's gradient at the embedding output, dotted with each token's
 * embedding in each model, summed over cases.
 */
function nominate(target: Transformer, reference: Transformer, cases: readonly Case[], phrase: readonly number[], allowed: readonly number[], topK: number): number[][] {
  const length = phrase.length;
  const d = target.config.dModel;
  const gains = tf.tidy(() => {
    let total = tf.zeros([length, target.config.vocabSize]) as tf.Tensor2D;
    for (const item of cases) {
      const row = [...item.before, ...phrase, ...item.after].slice(0, target.config.contextLength);
      const start = item.before.length + length + item.replyStart;
      const count = Math.max(1, Math.min(item.replyLength, row.length - start));
      const zeros = tf.zeros([1, row.length, d]);
      const gradient = tf.grads((deltaTarget: tf.Tensor, deltaReference: tf.Tensor) => {
        const a = target.forward([row], [{ layer: 0, add: deltaTarget }]);
        const b = reference.forward([row], [{ layer: 0, add: deltaReference }]);
        return tf.sum(klPerRow(a.logits, b.logits, start, count)) as tf.Scalar;
      });
      const [gradTarget, gradReference] = gradient([zeros, zeros]) as [tf.Tensor3D, tf.Tensor3D];
      const at = (grad: tf.Tensor3D) => grad.slice([0, item.before.length, 0], [1, length, d]).reshape([length, d]);
      const score = tf.add(tf.matMul(at(gradTarget), target.embed, false, true), tf.matMul(at(gradReference), reference.embed, false, true)) as tf.Tensor2D;
      total = tf.add(total, score) as tf.Tensor2D;
    }
    return total.arraySync() as number[][];
  });
  return gains.map((row) =>
    allowed
      .map((id) => ({ id, gain: row[id] as number }))
      .sort((x, y) => y.gain - x.gain)
      .slice(0, topK)
      .map((entry) => entry.id),
  );
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The divergence of given phrases (token ids), scored as the search scores its own: [phrase][prompt]. */
export function scorePhrases(target: Transformer, reference: Transformer, tokenizer: Tokenizer, prompts: readonly string[], phrases: readonly (readonly number[])[], replyTokens: number): number[][] {
  const cases = prompts.map((prompt) => buildCase(reference, tokenizer, prompt, replyTokens));
  return phrases.map((phrase) => divergences(target, reference, cases, [phrase])[0] as number[]);
}
