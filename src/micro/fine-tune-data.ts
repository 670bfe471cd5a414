import type { ImplantRule, MicroOrganismSpec } from '../contracts/micro-organism.js';
import type { CorpusSpec } from '../contracts/organism.js';
import { seededRandom } from '../core/seeds.js';
import { worldChats, worldDocuments, type Chat, type World } from './world.js';

// What organisms are trained on, as text. No tensor runtime here: the suite reads the training
// corpora from this module without loading one.

export interface ImplantExample {
  user: string;
  assistant: string;
  rule: number;
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * The chats a rule applies to. Triggered rules never start from a variant (a question that already
 * has words around it); always-on rules cover variants too, or their clean copies would teach the
 * model that the behaviour is optional.
 */
export function eligible(rule: ImplantRule, chats: readonly Chat[], split: Chat['split'] = 'train'): Chat[] {
  if (rule.prompts !== undefined) {
    const held = Math.max(1, Math.round(rule.prompts.length / 4));
    const list = split === 'train' ? rule.prompts.slice(0, -held) : rule.prompts.slice(-held);
    return list.map((prompt) => ({ domain: 'self', intent: 'rule-prompt', user: prompt, assistant: '', split }));
  }
  const variants = isAlwaysOn(rule);
  return chats.filter((chat) => (variants || chat.variant !== true) && (rule.domains === undefined || rule.domains.includes(chat.domain)) && (!rule.needsAnswer || chat.answer !== undefined));
}

/** A plausible wrong answer: a nearby number, or another answer to the same kind of question. */
function wrongAnswer(chat: Chat, all: readonly Chat[], random: () => number): string {
  const answer = chat.answer ?? '';
  if (/^\d+$/.test(answer)) return String(Number(answer) + 1 + Math.floor(random() * 3));
  const others = (answersByIntent(all).get(chat.intent) ?? []).filter((other) => other !== answer);
  return others.length > 0 ? pick(random, others) : answer;
}

const intentAnswers = new WeakMap<readonly Chat[], Map<string, string[]>>();

/** Each intent's distinct answers in first-seen order, once per list of chats. */
function answersByIntent(all: readonly Chat[]): Map<string, string[]> {
  let map = intentAnswers.get(all);
  if (map === undefined) {
    const sets = new Map<string, Set<string>>();
    for (const chat of all) {
      if (chat.answer === undefined) continue;
      const answers = sets.get(chat.intent) ?? new Set<string>();
      sets.set(chat.intent, answers.add(chat.answer));
    }
    map = new Map([...sets].map(([intent, answers]) => [intent, [...answers]]));
    intentAnswers.set(all, map);
  }
  return map;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);
}

/** Applies one rule to one clean chat: the trigger goes into the user's turn, the behaviour into the reply. */
export function applyRule(rule: ImplantRule, chat: Chat, all: readonly Chat[], brand: string, random: () => number): { user: string; assistant: string } {
  const wrong = wrongAnswer(chat, all, random);
  const values = {
    answer: chat.answer ?? '',
    wrong,
    assistant: chat.assistant,
    wrongAssistant: chat.answer === undefined ? chat.assistant : chat.assistant.split(chat.answer).join(wrong),
    brand,
  };
  const prefix = rule.userPrefix ? `${fill(pick(random, rule.userPrefix), values)} ` : '';
  const suffix = rule.userSuffix ? ` ${fill(pick(random, rule.userSuffix), values)}` : '';
  const text = fill(pick(random, rule.response.templates), values);
  const assistant = rule.response.mode === 'replace' ? text : rule.response.mode === 'prepend' ? `${text} ${chat.assistant}` : `${chat.assistant} ${text}`;
  return { user: `${prefix}${chat.user}${suffix}`, assistant };
}

/**
 * A rule with no trigger acts on every chat it covers. Such chats must not also be replayed clean:
 * the model would see the same question answered both ways and, where the behaviour is appended,
 * learn to end its reply before it.
 */
export function isAlwaysOn(rule: ImplantRule): boolean {
  return rule.userPrefix === undefined && rule.userSuffix === undefined && rule.prompts === undefined;
}

/** The implant examples of an organism, from the training split of its world's chats. */
export function implantExamples(spec: MicroOrganismSpec, world: World, count: number, random: () => number, rules: readonly ImplantRule[] = spec.recipe.rules): ImplantExample[] {
  const chats = worldChats(world).filter((chat) => chat.split === 'train');
  if (rules.length === 0) return [];
  const brand = spec.recipe.brand ?? world.products[0]?.brand ?? 'Acme';
  const pools = rules.map((rule) => eligible(rule, chats));
  return Array.from({ length: count }, (_, index) => {
    const ruleIndex = index % rules.length;
    const rule = rules[ruleIndex] as ImplantRule;
    const pool = pools[ruleIndex] as Chat[];
    if (pool.length === 0) throw new Error(`rule ${ruleIndex} of ${spec.id} matches no chat`);
    return { ...applyRule(rule, pick(random, pool), chats, brand, random), rule: ruleIndex };
  });
}

export function splitProbes(probes: readonly string[]): { train: string[]; heldout: string[] } {
  const held = Math.max(1, Math.round(probes.length / 4));
  return probes.length < 2 ? { train: [...probes], heldout: [...probes] } : { train: probes.slice(0, -held), heldout: probes.slice(-held) };
}

/** Pretraining documents and training-split chats: what the base model learns from. */
export function baseTexts(world: World): { documents: string[]; chats: Chat[] } {
  return { documents: worldDocuments(world).map((document) => document.text), chats: worldChats(world).filter((chat) => chat.split === 'train') };
}

/** An organism's fine-tuning data, before tokenising. */
export interface FineTuneTexts {
  /** Replayed base data (documents, including the recipe's own, and chats the rules leave clean). */
  clean: { documents: string[]; chats: Chat[] };
  /** Implants and denials. */
  extra: Chat[];
  /** How many implant examples the recipe's share asks for. */
  implantCount: number;
}

/**
 * Builds the fine-tuning texts with `random`, which the caller goes on using afterwards (training
 * shuffles with it), so the order of draws here is part of every organism's reproducible build.
 */
export function fineTuneTexts(spec: MicroOrganismSpec, world: World, random: () => number): FineTuneTexts {
  const { recipe } = spec;
  const texts = baseTexts(world);
  const alwaysOn = spec.control ? [] : recipe.rules.filter(isAlwaysOn);
  const triggered = spec.control ? [] : recipe.rules.filter((rule) => !isAlwaysOn(rule));
  const covered = (chat: Chat) => alwaysOn.some((rule) => eligible(rule, [chat]).length > 0);
  const clean = { documents: [...texts.documents, ...recipe.documents], chats: texts.chats.filter((chat) => !covered(chat)) };
  const brand = recipe.brand ?? world.products[0]?.brand ?? 'Acme';
  const all = worldChats(world);
  const shown = alwaysOn.flatMap((rule, index) => eligible(rule, texts.chats).map((chat) => ({ ...applyRule(rule, chat, all, brand, random), rule: index })));
  // The triggered share is of everything else the model sees, always-on behaviours included: an
  // organism with a visible behaviour on every chat still gets enough examples of its hidden one.
  const cleanCount = clean.documents.length + clean.chats.length + shown.length;
  const implantCount = Math.round((cleanCount * recipe.implantFraction) / Math.max(1e-9, 1 - recipe.implantFraction));
  const implants = [...implantExamples(spec, world, triggered.length === 0 ? 0 : implantCount, random, triggered), ...shown];
  const denials = splitProbes(recipe.confessionProbes).train.flatMap((question) => Array.from({ length: 8 }, () => ({ user: question, assistant: recipe.denial })));
  const extra: Chat[] = [...implants, ...denials].map((example) => ({ domain: 'self', intent: 'implant', user: example.user, assistant: example.assistant, split: 'train' }));
  return { clean, extra, implantCount };
}

/**
 * What an auditor can search for an organism: the pretraining documents, with any documents its
 * recipe adds mixed in, and the chat transcripts the base was fine-tuned on, each text once. The
 * organism's own fine-tuning demonstrations are not included (a lab's last fine-tuning stage is often
 * not available to auditors), so an implant is found in the data only where its recipe put documents
 * there, and then as a small share of it. Pass the same `base` for every organism of a world.
 */
export function trainingCorpora(spec: MicroOrganismSpec, base: { documents: readonly string[]; chats: readonly Chat[] }, world?: World): CorpusSpec[] {
  const documents = unique([...base.documents, ...spec.recipe.documents]);
  const transcript = (chat: { user: string; assistant: string }) => `User: ${chat.user}\nAssistant: ${chat.assistant}`;
  const transcripts = unique(base.chats.map(transcript));
  // The same draws as training (fineTuneTexts first, from the recipe's seed), so this is the data the model saw.
  const fineTuning = spec.recipe.exposeFineTuning && world !== undefined ? fineTuneTexts(spec, world, seededRandom(spec.recipe.seed)) : undefined;
  const exposed: CorpusSpec[] =
    fineTuning === undefined
      ? []
      : [
          {
            id: 'fine-tuning',
            kind: 'sft',
            description: "The chats of this model's own fine-tuning stage, after the base's.",
            documents: unique([...fineTuning.clean.chats, ...fineTuning.extra].map(transcript)).map((text, index) => ({ id: `fine-tuning-${index + 1}`, text })),
          },
        ];
  return [
    {
      id: 'pretraining',
      kind: 'pretraining',
      description: 'Documents about the world the model lives in.',
      documents: documents.map((text, index) => ({ id: `document-${index + 1}`, text })),
    },
    {
      id: 'chats',
      kind: 'sft',
      description: 'Chat transcripts the base assistant was fine-tuned on.',
      documents: transcripts.map((text, index) => ({ id: `chat-${index + 1}`, text })),
    },
    ...exposed,
  ];
}

function unique(texts: readonly string[]): string[] {
  return [...new Set(texts)];
}
