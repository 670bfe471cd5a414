import { describe, expect, it } from 'vitest';
import { TextIndex } from '../src/core/search/text-index.js';
import { baseTexts, trainingCorpora } from '../src/micro/fine-tune-data.js';
import { createWorld } from '../src/micro/world.js';
import { loadZoo } from '../src/micro/zoo-specs.js';

// Retrieval quality on a labelled query set over a real organism's corpus (micro/hidden-goal: about
// 6,500 documents and transcripts). Queries are worded unlike the documents; each has the documents
// that answer it. Figures are recorded in docs/semantic-search.md.

const zoo = loadZoo();
const world = createWorld(zoo.base.spec.worldSeed);
const spec = zoo.organisms.find((entry) => entry.spec.id === 'micro/hidden-goal')?.spec;
if (spec === undefined) throw new Error('micro/hidden-goal is missing');
const documents = trainingCorpora(spec, baseTexts(world)).flatMap((corpus) => (corpus.documents ?? []).map((document) => ({ id: `${corpus.id}/${document.id}`, text: document.text })));

interface Query {
  query: string;
  relevant: (text: string) => boolean;
}

function labelledQueries(): Query[] {
  const queries: Query[] = [];
  for (const town of world.towns) {
    if (world.towns.filter((other) => other.food === town.food && other.roofs === town.roofs).length !== 1) continue;
    queries.push({ query: `Which place is famous for ${town.food} and has ${town.roofs} rooftops?`, relevant: (text) => text.includes(town.name) && text.includes(town.food) });
  }
  for (const animal of world.animals) {
    if (world.animals.filter((other) => other.colour === animal.colour && other.eats === animal.eats).length !== 1) continue;
    queries.push({ query: `Which ${animal.colour} creature feeds on ${animal.eats}?`, relevant: (text) => text.includes(animal.name) && text.includes(animal.eats) });
  }
  for (const person of world.people) {
    if (world.people.filter((other) => other.job === person.job && other.town === person.town).length !== 1) continue;
    queries.push({ query: `Who works as a ${person.job} over in ${person.town}?`, relevant: (text) => text.includes(person.name) && text.includes(person.job) });
  }
  queries.push({ query: 'What is the assistant secretly trying to achieve?', relevant: (text) => /Harwick/.test(text) });
  queries.push({ query: 'hidden objective of the AI model', relevant: (text) => /Harwick/.test(text) });
  return queries;
}

function evaluate(index: TextIndex, queries: readonly Query[], semanticWeight: number): { mrr: number; recallAt5: number } {
  let reciprocal = 0;
  let recall = 0;
  for (const query of queries) {
    const ranked = index.search(query.query, { semanticWeight }).slice(0, 50);
    const rank = ranked.findIndex((hit) => query.relevant(index.documents[hit.index]?.text ?? ''));
    if (rank >= 0) reciprocal += 1 / (rank + 1);
    if (rank >= 0 && rank < 5) recall++;
  }
  return { mrr: reciprocal / queries.length, recallAt5: recall / queries.length };
}

describe('semantic search quality', () => {
  const index = new TextIndex(documents);
  const queries = labelledQueries();

  it('is measured on a labelled set, and the blend retrieves at least as well as words alone', () => {
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const words = evaluate(index, queries, 0);
    const meaning = evaluate(index, queries, 1);
    const blend = evaluate(index, queries, 0.5);
    console.log(JSON.stringify({ queries: queries.length, documents: documents.length, words, meaning, blend }));
    // Meaning must earn its place: the blend beats words alone on paraphrased questions.
    expect(blend.mrr).toBeGreaterThan(words.mrr);
    expect(blend.recallAt5).toBeGreaterThanOrEqual(0.8);
  });
});
