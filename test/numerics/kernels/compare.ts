/** Relative differences for comparing a fast path with the reference tensor path. */
export const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** max |a − b| over max |b| (elementwise arrays). */
export const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    s = Math.max(s, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return s / Math.max(scale, 1e-12);
};
