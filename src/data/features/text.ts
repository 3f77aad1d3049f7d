/**
 * Hashed TF-IDF bag of words (the hashing trick of scikit-learn's
 * HashingVectorizer followed by its TfidfTransformer defaults), so AG NEWS
 * needs no vocabulary file: tokens → bucket = FNV-1a(token) mod buckets;
 * tf = raw count; idf = ln((1 + n) / (1 + df)) + 1 over the *training*
 * documents only (smooth idf); each row is then L2-normalised (to 1, or to √d).
 * Tokenisation: lower case; the corpus's escaped sequences (`\n`, `\$`) and
 * HTML entity remnants (`#36;`) become spaces; tokens are runs of [a-z0-9].
 */

export function tokenize(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/&?#\d+;/g, ' ')
      .replace(/\\./g, ' ')
      .match(/[a-z0-9]+/g) ?? []
  );
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function counts(text: string, buckets: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of tokenize(text)) {
    const b = fnv1a(t) % buckets;
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

/**
 * TF-IDF rows for train and test documents; idf from `train` only. `norm`:
 * `l2` gives unit rows (scikit-learn's default); `sqrt-d` scales them to
 * ‖x‖² = d, the per-coordinate O(1) scale that NTK-parameterised networks
 * (with their 1/√d input factor) assume and standardised images have — with
 * unit rows the first layer sees inputs 1/√d too small.
 */
export function tfidf(
  train: string[],
  test: string[],
  buckets: number,
  norm: 'l2' | 'sqrt-d' = 'l2',
): { xTrain: Float32Array; xTest: Float32Array; idf: Float64Array } {
  const target = norm === 'sqrt-d' ? Math.sqrt(buckets) : 1;
  const trainCounts = train.map((t) => counts(t, buckets));
  const df = new Float64Array(buckets);
  for (const c of trainCounts) for (const b of c.keys()) df[b]! += 1;
  const idf = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) idf[b] = Math.log((1 + train.length) / (1 + df[b]!)) + 1;
  const rows = (cs: Map<number, number>[]) => {
    const out = new Float32Array(cs.length * buckets);
    cs.forEach((c, i) => {
      let norm = 0;
      for (const [b, n] of c) norm += (n * idf[b]!) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (const [b, n] of c) out[i * buckets + b] = (target * n * idf[b]!) / norm;
    });
    return out;
  };
  return { xTrain: rows(trainCounts), xTest: rows(test.map((t) => counts(t, buckets))), idf };
}
