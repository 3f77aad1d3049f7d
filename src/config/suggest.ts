/**
 * "Did you mean" suggestions. Kept tiny and deterministic: the closest
 * candidate by Levenshtein distance (≤ 2), or one that the input is a prefix
 * of (or that is a prefix of the input), compared case-insensitively.
 */

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The best candidate for a misspelt `input`, or undefined when none is close. */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === input) continue;
    const hay = c.toLowerCase();
    const d = levenshtein(needle, hay);
    // A transposition ("dropuot") counts as one edit, as people perceive it.
    const score = Math.min(d, transpositions(needle, hay));
    const shorter = Math.min(needle.length, hay.length);
    const prefix = shorter >= 3 && (hay.startsWith(needle) || needle.startsWith(hay)) ? 2.5 : Infinity;
    // Two edits, but never a complete rewrite of a short word (`n` is no typo for `d`).
    const close = score <= 2 && score < Math.max(needle.length, hay.length) ? score : Infinity;
    const s = Math.min(close, prefix);
    if (s < bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}

/** 1 when `a` and `b` differ by one swap of adjacent characters, else Infinity. */
function transpositions(a: string, b: string): number {
  if (a.length !== b.length) return Infinity;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  if (diff.length === 2 && diff[1] === (diff[0] ?? 0) + 1) {
    const i = diff[0] ?? 0;
    if (a[i] === b[i + 1] && a[i + 1] === b[i]) return 1;
  }
  return Infinity;
}
