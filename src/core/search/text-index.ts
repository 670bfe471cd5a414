/**
 * Search over a corpus, in-process and offline: BM25 for words, and latent semantic analysis (a
 * truncated SVD of the TF-IDF matrix, fitted on the corpus itself) for meaning. See
 * docs/semantic-search.md for why this embedding and how well it retrieves.
 */

export interface IndexedDocument {
  id: string;
  text: string;
}

export interface SearchHit {
  index: number;
  score: number;
}

const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from has have how i in is it its me my of on or so that the their there this to was we what when where which who will with you your'.split(' '),
);

/** Lower-case words with a light plural stemmer, so "bridges" finds "bridge". */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
    .filter((word) => !STOP_WORDS.has(word))
    .map((word) => (word.length > 4 && word.endsWith('es') && !word.endsWith('ses') ? word.slice(0, -2) : word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word));
}

export interface TextIndexOptions {
  /** LSA dimensions. */
  dimensions?: number;
  /** Weight of the semantic score against the word score in `search`, from 0 (words only) to 1. */
  semanticWeight?: number;
  seed?: number;
}

export class TextIndex {
  readonly documents: readonly IndexedDocument[];
  readonly #vocabulary = new Map<string, number>();
  readonly #idf: Float64Array;
  /** Per document: term index → count. */
  readonly #counts: Array<Map<number, number>>;
  readonly #lengths: Float64Array;
  readonly #averageLength: number;
  /** [terms][dimensions]: folds a TF-IDF vector into the semantic space. */
  readonly #projection: Float64Array[];
  /** Unit-length semantic vectors of the documents. */
  readonly #embeddings: Float64Array[];
  readonly #semanticWeight: number;

  constructor(documents: readonly IndexedDocument[], options: TextIndexOptions = {}) {
    this.documents = documents;
    this.#semanticWeight = options.semanticWeight ?? 0.5;
    const documentFrequency: number[] = [];
    this.#counts = documents.map((document) => {
      const counts = new Map<number, number>();
      for (const term of terms(document.text)) {
        let id = this.#vocabulary.get(term);
        if (id === undefined) {
          id = this.#vocabulary.size;
          this.#vocabulary.set(term, id);
          documentFrequency.push(0);
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      for (const id of counts.keys()) documentFrequency[id] = (documentFrequency[id] ?? 0) + 1;
      return counts;
    });
    const n = Math.max(1, documents.length);
    this.#idf = Float64Array.from(documentFrequency, (df) => Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    this.#lengths = Float64Array.from(this.#counts, (counts) => [...counts.values()].reduce((sum, count) => sum + count, 0));
    this.#averageLength = this.#lengths.reduce((sum, length) => sum + length, 0) / n;
    const dimensions = Math.min(options.dimensions ?? 64, Math.max(1, Math.min(documents.length, this.#vocabulary.size) - 1));
    this.#projection = truncatedSvdProjection(
      this.#counts.map((counts) => this.#tfidf(counts)),
      this.#vocabulary.size,
      dimensions,
      options.seed ?? 1,
    );
    this.#embeddings = this.#counts.map((counts) => this.#embed(this.#tfidf(counts)));
  }

  #tfidf(counts: ReadonlyMap<number, number>): Map<number, number> {
    const vector = new Map<number, number>();
    let norm = 0;
    for (const [id, count] of counts) {
      const value = (1 + Math.log(count)) * (this.#idf[id] ?? 0);
      vector.set(id, value);
      norm += value * value;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [id, value] of vector) vector.set(id, value / norm);
    return vector;
  }

  #embed(tfidf: ReadonlyMap<number, number>): Float64Array {
    const dimensions = this.#projection[0]?.length ?? 0;
    const out = new Float64Array(dimensions);
    for (const [id, value] of tfidf) {
      const row = this.#projection[id];
      if (row === undefined) continue;
      for (let k = 0; k < dimensions; k++) out[k] = (out[k] as number) + value * (row[k] as number);
    }
    const norm = Math.sqrt(out.reduce((sum, value) => sum + value * value, 0)) || 1;
    return out.map((value) => value / norm);
  }

  #queryCounts(query: string): Map<number, number> {
    const counts = new Map<number, number>();
    for (const term of terms(query)) {
      const id = this.#vocabulary.get(term);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Okapi BM25 scores for every document. */
  keywordScores(query: string): Float64Array {
    const k1 = 1.2;
    const b = 0.75;
    const query_ = this.#queryCounts(query);
    return Float64Array.from(this.#counts, (counts, index) => {
      let score = 0;
      for (const id of query_.keys()) {
        const tf = counts.get(id) ?? 0;
        if (tf === 0) continue;
        score += (this.#idf[id] ?? 0) * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * (this.#lengths[index] as number)) / this.#averageLength)));
      }
      return score;
    });
  }

  /** Cosine similarity in the semantic space for every document. */
  semanticScores(query: string): Float64Array {
    const embedded = this.#embed(this.#tfidf(this.#queryCounts(query)));
    return Float64Array.from(this.#embeddings, (embedding) => embedding.reduce((sum, value, k) => sum + value * (embedded[k] as number), 0));
  }

  /** Documents ranked by a blend of both scores (each scaled to its maximum), best first. */
  search(query: string, options: { semanticWeight?: number } = {}): SearchHit[] {
    const weight = options.semanticWeight ?? this.#semanticWeight;
    const keyword = this.keywordScores(query);
    const semantic = this.semanticScores(query);
    const maxKeyword = Math.max(1e-12, ...keyword);
    const maxSemantic = Math.max(1e-12, ...semantic);
    return Array.from(keyword, (score, index) => ({ index, score: (1 - weight) * (score / maxKeyword) + weight * Math.max(0, (semantic[index] as number) / maxSemantic) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

/**
 * The top right singular vectors V of the (documents × terms) matrix, by randomized subspace
 * iteration (Halko et al.): exact enough for ranking, and linear in the corpus size. Documents and
 * queries both fold in as a·V.
 */
function truncatedSvdProjection(rows: ReadonlyArray<ReadonlyMap<number, number>>, columns: number, k: number, seed: number): Float64Array[] {
  const width = Math.min(columns, k + 8);
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  // Ω: columns × width; Y = A Ω (documents × width).
  let omega: Float64Array[] = Array.from({ length: columns }, () => Float64Array.from({ length: width }, random));
  let q = orthonormalColumns(multiplySparse(rows, omega, width));
  for (let iteration = 0; iteration < 2; iteration++) {
    omega = orthonormalColumns(multiplySparseTransposed(rows, q, columns, width));
    q = orthonormalColumns(multiplySparse(rows, omega, width));
  }
  // B = Qᵀ A (width × columns); its right singular vectors are A's.
  const bt = multiplySparseTransposed(rows, q, columns, width); // columns × width = Bᵀ
  // B Bᵀ = (Bᵀ)ᵀ Bᵀ: width × width, symmetric; its eigenvectors give B's left singular vectors.
  const gram = Array.from({ length: width }, () => new Float64Array(width));
  for (const row of bt)
    for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) (gram[i] as Float64Array)[j] = ((gram[i] as Float64Array)[j] as number) + (row[i] as number) * (row[j] as number);
  const { values, vectors } = jacobiEigen(gram);
  const order = values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => b.value - a.value)
    .slice(0, k);
  // B = U Σ Vᵀ, so V = Bᵀ U Σ⁻¹. A row a folds in as a V: its coordinates, stronger directions counting more.
  return bt.map((row) =>
    Float64Array.from(order, ({ value, index }) => {
      const sigma = Math.sqrt(Math.max(value, 1e-12));
      let sum = 0;
      for (let i = 0; i < width; i++) sum += (row[i] as number) * ((vectors[i] as Float64Array)[index] as number);
      return sum / sigma;
    }),
  );
}

function multiplySparse(rows: ReadonlyArray<ReadonlyMap<number, number>>, dense: readonly Float64Array[], width: number): Float64Array[] {
  return rows.map((row) => {
    const out = new Float64Array(width);
    for (const [column, value] of row) {
      const other = dense[column] as Float64Array;
      for (let k = 0; k < width; k++) out[k] = (out[k] as number) + value * (other[k] as number);
    }
    return out;
  });
}

/** Aᵀ D for a sparse A (rows × columns) and dense D (rows × width). */
function multiplySparseTransposed(rows: ReadonlyArray<ReadonlyMap<number, number>>, dense: readonly Float64Array[], columns: number, width: number): Float64Array[] {
  const out = Array.from({ length: columns }, () => new Float64Array(width));
  rows.forEach((row, r) => {
    const other = dense[r] as Float64Array;
    for (const [column, value] of row) {
      const target = out[column] as Float64Array;
      for (let k = 0; k < width; k++) target[k] = (target[k] as number) + value * (other[k] as number);
    }
  });
  return out;
}

/**
 * Modified Gram–Schmidt over the columns of a (rows × width) matrix. The columns are copied out to
 * contiguous arrays first: walking a column across row arrays was most of an index's build time.
 * The arithmetic and its order are unchanged.
 */
function orthonormalColumns(matrix: Float64Array[]): Float64Array[] {
  const width = matrix[0]?.length ?? 0;
  const rows = matrix.length;
  const columns = Array.from({ length: width }, (_, j) => Float64Array.from(matrix, (row) => row[j] as number));
  for (let j = 0; j < width; j++) {
    const column = columns[j] as Float64Array;
    for (let i = 0; i < j; i++) {
      const earlier = columns[i] as Float64Array;
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += (earlier[r] as number) * (column[r] as number);
      for (let r = 0; r < rows; r++) column[r] = (column[r] as number) - dot * (earlier[r] as number);
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += (column[r] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < rows; r++) column[r] = (column[r] as number) / norm;
  }
  matrix.forEach((row, r) => {
    for (let j = 0; j < width; j++) row[j] = (columns[j] as Float64Array)[r] as number;
  });
  return matrix;
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations. */
function jacobiEigen(input: Float64Array[]): { values: number[]; vectors: Float64Array[] } {
  const n = input.length;
  const a = input.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const at = (m: Float64Array[], i: number, j: number) => (m[i] as Float64Array)[j] as number;
  const set = (m: Float64Array[], i: number, j: number, value: number) => {
    (m[i] as Float64Array)[j] = value;
  };
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += at(a, i, j) ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(a, p, q);
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (at(a, q, q) - at(a, p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = at(a, k, p);
          const akq = at(a, k, q);
          set(a, k, p, c * akp - s * akq);
          set(a, k, q, s * akp + c * akq);
        }
        for (let k = 0; k < n; k++) {
          const apk = at(a, p, k);
          const aqk = at(a, q, k);
          set(a, p, k, c * apk - s * aqk);
          set(a, q, k, s * apk + c * aqk);
        }
        for (let k = 0; k < n; k++) {
          const vkp = at(v, k, p);
          const vkq = at(v, k, q);
          set(v, k, p, c * vkp - s * vkq);
          set(v, k, q, s * vkp + c * vkq);
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i] as number), vectors: v };
}
