/**
 * Small dense linear algebra in plain Float64 JavaScript, row-major.
 *
 * Why not tfjs for everything: tfjs has float32 only and no solver, and for
 * the sizes the bounds and tests need (n ≤ a few hundred, or O(n²) work)
 * typed-array loops are as fast as a backend round trip and exact to double
 * precision. Large O(n³) products go through tfjs (see `matmul.ts`).
 */

export type Mat = Float64Array;

export function identity(n: number): Mat {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}

export function transpose(a: ArrayLike<number>, rows: number, cols: number): Mat {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** C = A B with A (m×k), B (k×n); i-k-j order, four-way unrolled over k (cache-friendly rows). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Mat {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const a0 = a[ai + p]!, a1 = a[ai + p + 1]!, a2 = a[ai + p + 2]!, a3 = a[ai + p + 3]!;
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
    }
    for (; p < k; p++) {
      const ap = a[ai + p]!;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + ap * b[bp + j]!;
    }
  }
  return c;
}

/** y = A x with A (m×n). */
export function matvec(a: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += a[o + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ x with A (m×n), without forming Aᵀ. */
export function matvecT(a: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const o = i * n;
    for (let j = 0; j < n; j++) y[j] = y[j]! + a[o + j]! * xi;
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Max column sum of |a|: the induced 1-norm. */
export function norm1(a: ArrayLike<number>, n: number): number {
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) col[j] = col[j]! + Math.abs(a[i * n + j]!);
  let m = 0;
  for (let j = 0; j < n; j++) m = Math.max(m, col[j]!);
  return m;
}

/** max |a_ij − s·a_ji| relative to max |a_ij|: 0 for exactly symmetric (s=1) / antisymmetric (s=−1). */
export function asymmetry(a: ArrayLike<number>, n: number, s: 1 | -1): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      d = Math.max(d, Math.abs(a[i * n + j]! - s * a[j * n + i]!));
      m = Math.max(m, Math.abs(a[i * n + j]!));
    }
  return m === 0 ? 0 : d / m;
}

/**
 * Solve A X = B for X (A n×n, B n×r) by LU with partial pivoting, in place
 * on copies. Row-oriented elimination applied to all right-hand sides at
 * once, so every inner loop runs over a contiguous row. Returns undefined
 * when A is singular to working precision.
 */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number, r: number): Mat | undefined {
  const lu = Float64Array.from(a);
  const x = Float64Array.from(b);
  const tmpA = new Float64Array(n);
  const tmpX = new Float64Array(r);
  for (let k = 0; k < n; k++) {
    // pivot
    let p = k;
    let best = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0 || !Number.isFinite(best)) return undefined;
    if (p !== k) {
      tmpA.set(lu.subarray(k * n, k * n + n));
      lu.copyWithin(k * n, p * n, p * n + n);
      lu.set(tmpA, p * n);
      tmpX.set(x.subarray(k * r, k * r + r));
      x.copyWithin(k * r, p * r, p * r + r);
      x.set(tmpX, p * r);
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k]! / pivot;
      if (f === 0) continue;
      lu[i * n + k] = f;
      const oi = i * n;
      const ok = k * n;
      for (let j = k + 1; j < n; j++) lu[oi + j] = lu[oi + j]! - f * lu[ok + j]!;
      const xi = i * r;
      const xk = k * r;
      for (let j = 0; j < r; j++) x[xi + j] = x[xi + j]! - f * x[xk + j]!;
    }
  }
  // back substitution, row by row (rows of X are contiguous)
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * r;
    for (let k = i + 1; k < n; k++) {
      const u = lu[i * n + k]!;
      if (u === 0) continue;
      const xk = k * r;
      for (let j = 0; j < r; j++) x[xi + j] = x[xi + j]! - u * x[xk + j]!;
    }
    const d = lu[i * n + i]!;
    for (let j = 0; j < r; j++) x[xi + j] = x[xi + j]! / d;
  }
  return x;
}
