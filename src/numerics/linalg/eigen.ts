/**
 * Symmetric eigenproblems in Float64.
 *
 * Why: the bounds need λmax of small kernels (D×D, D ≤ a few hundred) with
 * their top eigenvector (the e_max of Meltzer & Liu eq. 155), and λmax / λmin
 * of large meta-feature operators (n = 500–1000) given only as
 * matrix–vector products. Cyclic Jacobi is exact and simple for the first;
 * Lanczos with full reorthogonalisation gives both ends of the spectrum of
 * the second to near machine precision in ≲ 100 products.
 */
import { Rng } from '../rng.js';

export interface SymEig {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows, vectors[k*n … k*n+n) ↔ values[k]. */
  vectors: Float64Array;
}

/** Full eigendecomposition of a symmetric n×n matrix by cyclic Jacobi rotations. */
export function symEig(a: ArrayLike<number>, n: number): SymEig {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let tot = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = m[i * n + j]! * m[i * n + j]!;
        tot += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-30 * tot || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vpk = v[p * n + k]!;
          const vqk = v[q * n + k]!;
          v[p * n + k] = c * vpk - s * vqk;
          v[q * n + k] = s * vpk + c * vqk;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src]!;
    vectors.set(v.subarray(src * n, src * n + n), k * n);
  });
  return { values, vectors };
}

/** Largest eigenvalue and its unit eigenvector of a symmetric matrix (Jacobi; exact). */
export function symTop(a: ArrayLike<number>, n: number): { value: number; vector: Float64Array } {
  const e = symEig(a, n);
  return { value: e.values[0]!, vector: e.vectors.slice(0, n) };
}

/**
 * Extreme eigenvalues of a symmetric operator given by `matvec`, by Lanczos
 * with full reorthogonalisation (k steps, k ≤ n), then Jacobi on the k×k
 * tridiagonal. The start vector comes from a named RNG stream so results are
 * reproducible.
 */
export function lanczosExtremes(
  matvec: (v: Float64Array) => Float64Array,
  n: number,
  steps = 80,
  seed = 0,
): { max: number; min: number } {
  const k = Math.min(steps, n);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Rng(seed, 'linalg/lanczos').normal(n);
  let nq = Math.hypot(...q);
  q = q.map((x) => x / nq);
  for (let j = 0; j < k; j++) {
    basis.push(q);
    const w = matvec(q);
    let a = 0;
    for (let i = 0; i < n; i++) a += w[i]! * q[i]!;
    alpha.push(a);
    // full reorthogonalisation (twice is enough)
    for (let pass = 0; pass < 2; pass++)
      for (const b of basis) {
        let c = 0;
        for (let i = 0; i < n; i++) c += w[i]! * b[i]!;
        for (let i = 0; i < n; i++) w[i] = w[i]! - c * b[i]!;
      }
    let nb = 0;
    for (let i = 0; i < n; i++) nb += w[i]! * w[i]!;
    nb = Math.sqrt(nb);
    if (j === k - 1 || nb < 1e-12 * Math.max(1, Math.abs(a))) break;
    beta.push(nb);
    nq = nb;
    q = w.map((x) => x / nq);
  }
  const m = alpha.length;
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = alpha[i]!;
    if (i + 1 < m) {
      t[i * m + i + 1] = beta[i]!;
      t[(i + 1) * m + i] = beta[i]!;
    }
  }
  const e = symEig(t, m);
  return { max: e.values[0]!, min: e.values[m - 1]! };
}
