/**
 * Small dense symmetric eigenproblems in float64 JavaScript.
 *
 * Why here and not on the tensor backend: kernels are n×n with n ≤ a few
 * thousand, the answer must not depend on the backend's float32 kernels, and
 * tfjs has no eigensolver.
 */
import { matvec } from './linalg/dense.js';
import { symEig } from './linalg/eigen.js';

/** All eigenvalues of a symmetric n×n matrix (row-major), ascending (cyclic Jacobi, see linalg/eigen.ts). */
export function symEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  return Float64Array.from(symEig(a, n).values).sort();
}

/**
 * Largest eigenvalue of a symmetric operator given only its action, by
 * Lanczos with full reorthogonalisation (k steps, default min(n, 80)); the
 * Ritz values come from a Jacobi solve of the k×k tridiagonal matrix.
 * Deterministic start vector (all ones plus a fixed ramp), so results are
 * reproducible.
 */
export function lanczosMax(matvec: (x: Float64Array) => Float64Array, n: number, k = Math.min(n, 80)): number {
  if (n === 0) return 0;
  const Q: Float64Array[] = [];
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = 1 + (0.5 * ((i * 7919) % 101)) / 101;
  let nrm = 0;
  for (let i = 0; i < n; i++) nrm += q[i]! * q[i]!;
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < n; i++) q[i]! /= nrm;
  const alpha: number[] = [];
  const beta: number[] = [];
  let ritz = -Infinity;
  let stable = 0;
  for (let j = 0; j < k; j++) {
    Q.push(q);
    const w = matvec(q);
    let a = 0;
    for (let i = 0; i < n; i++) a += w[i]! * q[i]!;
    alpha.push(a);
    // full reorthogonalisation (twice is enough)
    for (let pass = 0; pass < 2; pass++) {
      for (const u of Q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += w[i]! * u[i]!;
        for (let i = 0; i < n; i++) w[i]! -= d * u[i]!;
      }
    }
    nrm = 0;
    for (let i = 0; i < n; i++) nrm += w[i]! * w[i]!;
    nrm = Math.sqrt(nrm);
    if (j === k - 1 || nrm < 1e-12 * Math.max(Math.abs(a), 1e-300)) break;
    // Early exit: the top Ritz value increases monotonically to λmax; stop once it is stable
    // to ~1e-13 for three consecutive steps (this runs at every recorded training step).
    const r = tridiagMax(alpha, beta);
    stable = Math.abs(r - ritz) <= 1e-13 * Math.abs(r) ? stable + 1 : 0;
    ritz = r;
    if (stable >= 3) break;
    beta.push(nrm);
    q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = w[i]! / nrm;
  }
  return tridiagMax(alpha, beta.slice(0, alpha.length - 1));
}

/**
 * Largest eigenvalue of the symmetric tridiagonal matrix with diagonal
 * `alpha` and off-diagonal `beta` (length ≥ alpha.length − 1), by Sturm-sequence
 * bisection inside the Gershgorin interval: O(m) per bisection step, to
 * float64 resolution.
 */
export function tridiagMax(alpha: readonly number[], beta: readonly number[]): number {
  const m = alpha.length;
  if (m === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < m; i++) {
    const r = (i > 0 ? Math.abs(beta[i - 1]!) : 0) + (i + 1 < m ? Math.abs(beta[i]!) : 0);
    lo = Math.min(lo, alpha[i]! - r);
    hi = Math.max(hi, alpha[i]! + r);
  }
  // Number of eigenvalues < x (Sturm count of the LDLᵀ pivots).
  const below = (x: number): number => {
    let c = 0;
    let d = 1;
    for (let i = 0; i < m; i++) {
      const b2 = i > 0 ? beta[i - 1]! * beta[i - 1]! : 0;
      d = alpha[i]! - x - (i > 0 ? b2 / d : 0);
      if (d === 0) d = -1e-300;
      if (d < 0) c++;
    }
    return c;
  };
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (below(mid) < m) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** λmax of a dense symmetric matrix: exact Jacobi for n ≤ 64, Lanczos above. */
export function denseLambdaMax(a: ArrayLike<number>, n: number): number {
  if (n <= 64) {
    const ev = symEigenvalues(a, n);
    return ev[n - 1] ?? 0;
  }
  const A = Float64Array.from(a as ArrayLike<number>);
  return lanczosMax((x) => matvec(A, x, n, n), n);
}

/** Rayleigh quotient pᵀKp/‖p‖² (0 when p = 0); Zhu's λ1/λ2 along p1/p2. */
export function rayleigh(a: ArrayLike<number>, n: number, p: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += p[i]! * p[i]!;
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * p[j]!;
    num += p[i]! * s;
  }
  return den === 0 ? 0 : num / den;
}
