/**
 * Matrix exponential by scaling and squaring with a diagonal Padé
 * approximant (Higham 2005, "The scaling and squaring method for the matrix
 * exponential revisited", Algorithm 2.3: degrees 3, 5, 7, 9, 13 with the
 * θ_m thresholds of its Table 2.3).
 *
 * Why: Meltzer & Liu draw the eigenvectors of the meta-feature matrices as
 * q = expm(B) for an antisymmetric Gaussian B (their eq. 187), so the
 * quadratic models need an expm that is exact (orthogonal output) and fast at
 * n = 1000. Products are pluggable: exact Float64 JavaScript for small n
 * (tests, bounds) and tfjs float32 `matMul` (no transpose flags — they are
 * 10–40× slower on wasm) for large n. The Padé denominator solve is done by
 * LU with partial pivoting in Float64 either way (tfjs has no solver).
 *
 * For a normal input (symmetric or antisymmetric — the only case the models
 * use) the Padé error is governed by the spectral radius, so the scaling uses
 * the 2-norm (power iteration on AᵀA); otherwise the 1-norm, as in Higham.
 */
import * as tf from '@tensorflow/tfjs';
import { asymmetry, identity, matmul, norm1, solve } from './dense.js';

const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
    670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};
/** Higham (2005) Table 2.3: largest ‖A‖ for which r_m has backward error ≤ 2⁻⁵³. */
const THETA: [number, number][] = [
  [3, 1.495585217958292e-2],
  [5, 2.539398330063230e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068],
  [13, 5.371920351148152],
];

export interface ExpmOptions {
  /**
   * 'js': Float64 products in JavaScript (exact to double precision; O(n³) in JS).
   * 'tf': float32 products on the current tfjs backend (fast for large n).
   * 'auto' (default): 'tf' for n ≥ 160, else 'js'.
   */
  engine?: 'js' | 'tf' | 'auto';
}

export interface ExpmInfo {
  /** Padé degree m used. */
  degree: number;
  /** Number of squarings s (the input was scaled by 2^−s). */
  squarings: number;
  /** The norm estimate that chose (m, s). */
  norm: number;
  engine: 'js' | 'tf';
}

/** Operations the algorithm needs; implemented on Float64Array and on tf tensors. */
interface Ops<M> {
  mul(a: M, b: M): M;
  /** Σ c_i M_i + c_I · I. */
  comb(terms: [number, M][], cI: number): M;
  toF64(a: M): Float64Array;
  fromF64(a: Float64Array): M;
  free(a: M): void;
  /** Q⁻¹P by block Schur complements (no pivoting); undefined when the residual check fails. */
  solveInverse?(q: M, p: M): M | undefined;
}

function jsOps(n: number): Ops<Float64Array> {
  return {
    mul: (a, b) => matmul(a, b, n, n, n),
    comb: (terms, cI) => {
      const out = new Float64Array(n * n);
      for (const [c, m] of terms) if (c !== 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! + c * m[i]!;
      if (cI !== 0) for (let i = 0; i < n; i++) out[i * n + i] = out[i * n + i]! + cI;
      return out;
    },
    toF64: (a) => a,
    fromF64: (a) => a,
    free: () => undefined,
  };
}

function tfOps(n: number): Ops<tf.Tensor2D> {
  return {
    mul: (a, b) => tf.matMul(a, b),
    comb: (terms, cI) =>
      tf.tidy(() => {
        let acc: tf.Tensor2D | undefined;
        for (const [c, m] of terms) {
          if (c === 0) continue;
          const t = tf.mul(m, c) as tf.Tensor2D;
          acc = acc === undefined ? t : (tf.add(acc, t) as tf.Tensor2D);
        }
        if (cI !== 0) {
          const e = tf.mul(tf.eye(n), cI) as tf.Tensor2D;
          acc = acc === undefined ? e : (tf.add(acc, e) as tf.Tensor2D);
        }
        return acc ?? tf.zeros([n, n]);
      }),
    toF64: (a) => Float64Array.from(a.dataSync()),
    fromF64: (a) => tf.tensor2d(Float32Array.from(a), [n, n]),
    free: (a) => a.dispose(),
    solveInverse: (q, p) => tfSolveInverse(q, p, n),
  };
}

/** Inverse of a matrix with positive definite symmetric part by recursive 2×2 block Schur complements (matMul only). */
function tfInverse(m: tf.Tensor2D, n: number): tf.Tensor2D {
  if (n <= 128) {
    const inv = solve(Float64Array.from(m.dataSync()), identity(n), n, n);
    if (inv === undefined) throw new Error('expm: singular diagonal block');
    return tf.tensor2d(Float32Array.from(inv), [n, n]);
  }
  return tf.tidy(() => {
    const h = n >> 1;
    const k = n - h;
    const a11 = m.slice([0, 0], [h, h]);
    const a12 = m.slice([0, h], [h, k]);
    const a21 = m.slice([h, 0], [k, h]);
    const a22 = m.slice([h, h], [k, k]);
    const x11 = tfInverse(a11, h);
    const y = tf.matMul(x11, a12); // h×k
    const z = tf.matMul(a21, x11); // k×h
    const sch = tf.sub(a22, tf.matMul(a21, y)) as tf.Tensor2D;
    const xs = tfInverse(sch, k);
    const b12 = tf.neg(tf.matMul(y, xs)) as tf.Tensor2D;
    const b21 = tf.neg(tf.matMul(xs, z)) as tf.Tensor2D;
    const b11 = tf.sub(x11, tf.matMul(b12, z)) as tf.Tensor2D;
    return tf.concat([tf.concat([b11, b12], 1), tf.concat([b21, xs], 1)], 0) as tf.Tensor2D;
  });
}

function tfSolveInverse(q: tf.Tensor2D, p: tf.Tensor2D, n: number): tf.Tensor2D | undefined {
  const x = tf.tidy(() => tf.matMul(tfInverse(q, n), p)) as tf.Tensor2D;
  // Residual check on a fixed probe vector: ‖Q(Xv) − Pv‖ ≤ 1e-4 ‖Pv‖.
  const [rn, pn] = tf.tidy(() => {
    const v = tf.linspace(-1, 1, n).reshape([n, 1]);
    const pv = tf.matMul(p, v);
    const r = tf.sub(tf.matMul(q, tf.matMul(x, v)), pv);
    return [tf.norm(r), tf.norm(pv)];
  });
  const ok = Number.isFinite(rn.dataSync()[0]!) && rn.dataSync()[0]! <= 1e-4 * pn.dataSync()[0]!;
  rn.dispose();
  pn.dispose();
  if (ok) return x;
  x.dispose();
  return undefined;
}

/** ‖A‖₂ of a normal matrix by power iteration on AᵀA (= −A² for antisymmetric, A² for symmetric), slightly inflated. */
function spectralNormNormal(a: ArrayLike<number>, n: number): number {
  let v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 1 + ((i * 7919) % 13) / 13; // deterministic, not orthogonal to anything structured
  let est = 0;
  for (let it = 0; it < 30; it++) {
    // w = A v ; est = ‖w‖/‖v‖
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) s += a[o + j]! * v[j]!;
      w[i] = s;
    }
    let nv = 0;
    let nw = 0;
    for (let i = 0; i < n; i++) {
      nv += v[i]! * v[i]!;
      nw += w[i]! * w[i]!;
    }
    if (nw === 0) return 0;
    const next = Math.sqrt(nw / nv);
    const done = Math.abs(next - est) <= 1e-3 * next;
    est = next;
    const inv = 1 / Math.sqrt(nw);
    for (let i = 0; i < n; i++) w[i] = w[i]! * inv;
    v = w;
    if (done && it > 4) break;
  }
  // Power iteration approaches ‖A‖ from below; Padé at θ13 has ample slack for float32, inflate a little anyway.
  return est * 1.1;
}

function padeUV<M>(ops: Ops<M>, a: M, m: number): [M, M] {
  const b = PADE[m]!;
  if (m === 13) {
    const a2 = ops.mul(a, a);
    const a4 = ops.mul(a2, a2);
    const a6 = ops.mul(a4, a2);
    const u1 = ops.comb([[b[13]!, a6], [b[11]!, a4], [b[9]!, a2]], 0);
    const u2 = ops.mul(a6, u1);
    ops.free(u1);
    const u3 = ops.comb([[1, u2], [b[7]!, a6], [b[5]!, a4], [b[3]!, a2]], b[1]!);
    ops.free(u2);
    const u = ops.mul(a, u3);
    ops.free(u3);
    const v1 = ops.comb([[b[12]!, a6], [b[10]!, a4], [b[8]!, a2]], 0);
    const v2 = ops.mul(a6, v1);
    ops.free(v1);
    const v = ops.comb([[1, v2], [b[6]!, a6], [b[4]!, a4], [b[2]!, a2]], b[0]!);
    ops.free(v2);
    ops.free(a2);
    ops.free(a4);
    ops.free(a6);
    return [u, v];
  }
  // m ∈ {3,5,7,9}: even powers A², A⁴, …, A^(m−1).
  const pows: M[] = [];
  const a2 = ops.mul(a, a);
  pows.push(a2);
  for (let k = 2; 2 * k <= m - 1; k++) pows.push(ops.mul(pows[pows.length - 1]!, a2));
  const uTerms: [number, M][] = pows.map((p, i) => [b[2 * (i + 1) + 1]!, p]);
  const vTerms: [number, M][] = pows.map((p, i) => [b[2 * (i + 1)]!, p]);
  const uIn = ops.comb(uTerms, b[1]!);
  const u = ops.mul(a, uIn);
  ops.free(uIn);
  const v = ops.comb(vTerms, b[0]!);
  for (const p of pows) ops.free(p);
  return [u, v];
}

function run<M>(
  ops: Ops<M>,
  a64: Float64Array,
  n: number,
  norm: number,
  normal: boolean,
): { out: Float64Array; degree: number; squarings: number } {
  let degree = 13;
  let s = 0;
  const small = THETA.find(([, th]) => norm <= th);
  if (small) degree = small[0];
  else s = Math.max(0, Math.ceil(Math.log2(norm / THETA[THETA.length - 1]![1])));
  // Normal input on the tf engine: scale a little further, to ‖A‖₂ ≤ 3 < π, so
  // that the symmetric part of the Padé denominator Q (≈ |q|·cos(ω/2) on the
  // spectrum iω) is positive definite; then Q can be inverted by block Schur
  // complements without pivoting, entirely in matMul.
  const blockInverse = normal && ops.solveInverse !== undefined && n > 128;
  if (blockInverse && norm > 3) {
    degree = 13;
    s = Math.max(s, Math.ceil(Math.log2(norm / 3)));
  }
  const scale = 2 ** -s;
  const scaled = s === 0 ? a64 : a64.map((v) => v * scale);
  const a = ops.fromF64(scaled);
  const [u, v] = padeUV(ops, a, degree);
  ops.free(a);
  let x: M | undefined;
  if (blockInverse) {
    const pm = ops.comb([[1, v], [1, u]], 0);
    const qm = ops.comb([[1, v], [-1, u]], 0);
    x = ops.solveInverse!(qm, pm);
    ops.free(pm);
    ops.free(qm);
  }
  if (x === undefined) {
    const u64 = ops.toF64(u);
    const v64 = ops.toF64(v);
    const p = new Float64Array(n * n);
    const q = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      p[i] = v64[i]! + u64[i]!;
      q[i] = v64[i]! - u64[i]!;
    }
    const r = solve(q, p, n, n);
    if (r === undefined) throw new Error('expm: Padé denominator is singular (input not finite?)');
    x = ops.fromF64(r);
  }
  ops.free(u);
  ops.free(v);
  for (let k = 0; k < s; k++) {
    const y = ops.mul(x, x);
    ops.free(x);
    x = y;
  }
  const out = Float64Array.from(ops.toF64(x));
  ops.free(x);
  return { out, degree, squarings: s };
}

/**
 * e^A for a square n×n matrix A (row-major). Throws only on programmer
 * error (wrong length, non-finite input).
 */
export function expm(a: ArrayLike<number>, n: number, options: ExpmOptions = {}): { value: Float64Array; info: ExpmInfo } {
  if (a.length !== n * n) throw new RangeError(`expm: expected ${n * n} entries, got ${a.length}`);
  const a64 = Float64Array.from(a);
  for (const v of a64) if (!Number.isFinite(v)) throw new RangeError('expm: input has non-finite entries');
  if (n === 0) return { value: new Float64Array(0), info: { degree: 0, squarings: 0, norm: 0, engine: 'js' } };
  const normal = asymmetry(a64, n, -1) === 0 || asymmetry(a64, n, 1) === 0;
  const norm = normal ? spectralNormNormal(a64, n) : norm1(a64, n);
  if (norm === 0) return { value: identity(n), info: { degree: 0, squarings: 0, norm: 0, engine: 'js' } };
  const engine = options.engine === 'js' || options.engine === 'tf' ? options.engine : n >= 160 ? 'tf' : 'js';
  const r = engine === 'tf' ? run(tfOps(n), a64, n, norm, normal) : run(jsOps(n), a64, n, norm, normal);
  return { value: r.out, info: { degree: r.degree, squarings: r.squarings, norm, engine } };
}

/**
 * e^A v without forming e^A: truncated Taylor series on A/2^s applied 2^s
 * times (each term one matrix–vector product), stopping when a term falls
 * below 2⁻⁵³ of the running sum. Cost O(n² · ‖A‖ · few), e.g. ≈ 150
 * matrix–vector products for the 1000×1000 Gaussian antisymmetric B of
 * Meltzer Fig. 1 — far cheaper than the full expm when only q·θ0 is needed.
 */
export function expmAction(a: ArrayLike<number>, n: number, v: ArrayLike<number>): Float64Array {
  if (a.length !== n * n || v.length !== n) throw new RangeError('expmAction: shape mismatch');
  const a64 = Float64Array.from(a);
  const normal = asymmetry(a64, n, -1) === 0 || asymmetry(a64, n, 1) === 0;
  const norm = normal ? spectralNormNormal(a64, n) : norm1(a64, n);
  // Steps of norm ≤ 4: each Taylor series converges in ≲ 35 terms and the
  // largest term is ≤ 4⁴/4! ≈ 11× the result, so cancellation costs one digit.
  const steps = Math.max(1, Math.ceil(norm / 4));
  const h = 1 / steps;
  let x = Float64Array.from(v);
  const term = new Float64Array(n);
  for (let s = 0; s < steps; s++) {
    const sum = Float64Array.from(x);
    term.set(x);
    for (let k = 1; k < 60; k++) {
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        const o = i * n;
        for (let j = 0; j < n; j++) acc += a64[o + j]! * term[j]!;
        next[i] = (acc * h) / k;
      }
      term.set(next);
      let tn = 0;
      let sn = 0;
      for (let i = 0; i < n; i++) {
        sum[i] = sum[i]! + next[i]!;
        tn = Math.max(tn, Math.abs(next[i]!));
        sn = Math.max(sn, Math.abs(sum[i]!));
      }
      if (tn <= 1.1e-16 * sn) break;
    }
    x = sum;
  }
  return x;
}
