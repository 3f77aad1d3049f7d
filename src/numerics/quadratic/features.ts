/**
 * The fixed (non-trainable) feature and meta-feature functions of Meltzer &
 * Liu's quadratic models and Zhu et al.'s general quadratic model, generated
 * from a seed in plain Float64 JavaScript (backend-independent).
 *
 * Meltzer & Liu (Appendix D.1.1):
 *   z_α = φ(x_α)ᵀθ + (ζ/2) θᵀψ(x_α)θ,  φ(x) = U x (U ~ N(0,1)),
 *   ψ(x) = g(Σ_i x_i W^i),  W^i = (q^i)ᵀ diag(λ^i) q^i  (eq. 18/186: W_μν = Σ_σ λ_σ q_σμ q_σν),
 *   q^i = expm(B^i) with B^i antisymmetric, independent entries N(0,1) (eq. 187).
 * ψφ = 0 is imposed by disjoint index blocks: θ = (θ_ψ ∈ R^{nψ}, θ_φ ∈ R^{nφ}).
 * g is applied elementwise (as torch.tanh would be; see the report for why).
 *
 * Teacher–student (eqs. 188–191): the student's features are the teacher's
 * projected by Q = [I | 0], i.e. ψ_student = top-left block of ψ_teacher and
 * φ_student = leading rows of φ_teacher. Because g is elementwise,
 * Q g(Σ x_i W^i) Qᵀ = g(Σ x_i Q W^i Qᵀ), so the student keeps the blocks of W^i.
 */
import type { ModelSpec } from '../../config/types.js';
import { Rng } from '../rng.js';
import { expm, expmAction } from '../linalg/expm.js';
import { matmul } from '../linalg/dense.js';

export type QuadraticSpec = Extract<ModelSpec, { arch: 'pure-quadratic' | 'quadratic-bias' }>;
export type GqmSpec = Extract<ModelSpec, { arch: 'gqm' }>;

/**
 * The features of one quadratic model, already restricted to the student
 * when the spec asks for a projection. Two representations of ψ:
 *  - `eigen`: d = 1, g = identity, no projection. Then ψ(x) = x·qᵀΛq, and
 *    the model is trained in the rotated coordinates a = qθ_ψ (an isometry:
 *    GD commutes with it, and z, H, θ², ‖θ−θ0‖ are unchanged), so W is never
 *    formed and only q·θ0 is needed.
 *  - `dense`: W^i explicitly (nψ×nψ each).
 */
export interface QuadraticFeatures {
  arch: 'pure-quadratic' | 'quadratic-bias';
  /** Input dimension d. */
  d: number;
  nPsi: number;
  nPhi: number;
  zeta: number;
  g: 'identity' | 'tanh';
  /** eigen mode: eigenvalues λ of W¹ (length nψ), in the rotated basis. */
  eigen?: Float64Array;
  /** dense mode: W^i, i = 0…d−1, each nψ×nψ row-major. */
  W?: Float64Array[];
  /** U (nφ×d) row-major; φ(x) = U x. Empty for the pure model. */
  U: Float64Array;
  /** The rotation q applied to θ0 in eigen mode (needed to rotate θ0 to a0); undefined in dense mode. */
  rotate?: (v: Float64Array) => Float64Array;
}

/** Eigenvalues of one W^i: ⌊n/2⌋ positive values and their exact negatives (a trailing 0 when n is odd). */
export function eigenvalues(kind: 'half-uniform' | 'pm-uniform' | 'pm-one', n: number, rng: Rng, low?: number, high?: number): Float64Array {
  const half = Math.floor(n / 2);
  const lo = low ?? (kind === 'half-uniform' ? 1 : kind === 'pm-uniform' ? 0.9 : 1);
  const hi = high ?? (kind === 'half-uniform' ? 2 : kind === 'pm-uniform' ? 1.1 : 1);
  const pos = kind === 'pm-one' ? new Float64Array(half).fill(1) : rng.uniform(half, lo, hi);
  const out = new Float64Array(n);
  for (let k = 0; k < half; k++) {
    out[k] = pos[k]!;
    out[half + k] = -pos[k]!;
  }
  return out;
}

/** Antisymmetric B with independent upper-triangle entries N(0,1). */
export function antisymmetricGaussian(n: number, rng: Rng): Float64Array {
  const g = rng.normal(n * n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      b[i * n + j] = g[i * n + j]!;
      b[j * n + i] = -g[i * n + j]!;
    }
  return b;
}

/** W = qᵀ diag(λ) q (row σ of q is the eigenvector of λ_σ). */
export function metaFeatureMatrix(q: Float64Array, lambda: Float64Array, n: number): Float64Array {
  const lq = new Float64Array(n * n);
  for (let s = 0; s < n; s++) for (let m = 0; m < n; m++) lq[s * n + m] = lambda[s]! * q[s * n + m]!;
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qt[j * n + i] = q[i * n + j]!;
  return matmul(qt, lq, n, n, n);
}

/** Sizes of the teacher (full) and the model actually built (student when projected). */
export function quadraticSizes(spec: QuadraticSpec): { teacherPsi: number; teacherPhi: number; psi: number; phi: number; projected: boolean } {
  if (spec.arch === 'pure-quadratic') {
    const psi = spec.rank ?? spec.n;
    return { teacherPsi: spec.n, teacherPhi: 0, psi, phi: 0, projected: psi !== spec.n };
  }
  const psi = spec.student?.nPsi ?? spec.nPsi;
  const phi = spec.student?.nPhi ?? spec.nPhi;
  return { teacherPsi: spec.nPsi, teacherPhi: spec.nPhi, psi, phi, projected: psi !== spec.nPsi || phi !== spec.nPhi };
}

/**
 * Generate the features. `role: 'teacher'` ignores any projection (the full
 * model that labels a teacher–student dataset). Streams under `featureSeed`:
 * `quadratic/B/i`, `quadratic/eigen/i`, `quadratic/U`.
 */
export function quadraticFeatures(spec: QuadraticSpec, d: number, featureSeed: number, role: 'student' | 'teacher' = 'student'): QuadraticFeatures {
  const sizes = quadraticSizes(spec);
  const teacher = role === 'teacher';
  const nPsi = teacher ? sizes.teacherPsi : sizes.psi;
  const nPhi = teacher ? sizes.teacherPhi : sizes.phi;
  const project = !teacher && sizes.projected;
  const zeta2 = teacher ? (spec.teacherZeta2 ?? 1 / sizes.teacherPsi) : (spec.zeta2 ?? 1 / nPsi);
  const rng = new Rng(featureSeed, 'quadratic');
  const N = sizes.teacherPsi; // W^i live in the teacher's space; the student takes the leading block
  const Ufull = rng.fork('U').normal(sizes.teacherPhi * d);
  const U = Ufull.slice(0, nPhi * d);
  const base = { arch: spec.arch, d, nPsi, nPhi, zeta: Math.sqrt(zeta2), g: spec.g, U } as const;

  if (d === 1 && spec.g === 'identity' && !project) {
    const lambda = eigenvalues(spec.eigen.kind, N, rng.fork('eigen/0'), spec.eigen.low, spec.eigen.high);
    const b = antisymmetricGaussian(N, rng.fork('B/0'));
    // a = q θ with q = expm(B): computed as the action of expm on θ0, never forming q.
    return { ...base, eigen: lambda, rotate: (v) => expmAction(b, N, v) };
  }
  const W: Float64Array[] = [];
  for (let i = 0; i < d; i++) {
    const lambda = eigenvalues(spec.eigen.kind, N, rng.fork(`eigen/${i}`), spec.eigen.low, spec.eigen.high);
    const q = expm(antisymmetricGaussian(N, rng.fork(`B/${i}`)), N).value;
    const w = metaFeatureMatrix(q, lambda, N);
    if (nPsi === N) W.push(w);
    else {
      const blk = new Float64Array(nPsi * nPsi);
      for (let r = 0; r < nPsi; r++) blk.set(w.subarray(r * N, r * N + nPsi), r * nPsi);
      W.push(blk);
    }
  }
  return { ...base, W };
}

/** ψ(x) for one input x (length d) as a dense nψ×nψ matrix. */
export function psiAt(f: QuadraticFeatures, x: ArrayLike<number>): Float64Array {
  const n = f.nPsi;
  const out = new Float64Array(n * n);
  if (f.eigen) {
    for (let i = 0; i < n; i++) out[i * n + i] = x[0]! * f.eigen[i]!;
    return out; // in the rotated basis
  }
  for (let i = 0; i < f.d; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const w = f.W![i]!;
    for (let k = 0; k < out.length; k++) out[k] = out[k]! + xi * w[k]!;
  }
  if (f.g === 'tanh') for (let k = 0; k < out.length; k++) out[k] = Math.tanh(out[k]!);
  return out;
}

/** φ(x) = U x (length nφ). */
export function phiAt(f: QuadraticFeatures, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(f.nPhi);
  for (let r = 0; r < f.nPhi; r++) {
    let s = 0;
    for (let i = 0; i < f.d; i++) s += f.U[r * f.d + i]! * x[i]!;
    out[r] = s;
  }
  return out;
}

/** θ0 of the model in the coordinates the model trains (rotated ψ block in eigen mode), ψ block first. */
export function initialTheta(f: QuadraticFeatures, seed: number, stream = 'quadratic/theta'): Float64Array {
  const theta = new Rng(seed, stream).normal(f.nPsi + f.nPhi);
  if (f.rotate) theta.set(f.rotate(theta.slice(0, f.nPsi)), 0);
  return theta;
}

/** Σ(x) diagonal ±1 for the GQM: independent per distinct input, a pure function of (featureSeed, bits of x). */
export function gqmSigma(x: Float32Array, d: number, featureSeed: number): Float64Array {
  const rows = x.length / d;
  const out = new Float64Array(x.length);
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const rng = new Rng(featureSeed, 'gqm/sigma');
  for (let r = 0; r < rows; r++) {
    let h = 0x811c9dc5;
    for (let i = 0; i < d; i++) {
      h ^= bits[r * d + i]!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    const s = rng.fork(h.toString(16)).rademacher(d);
    out.set(s, r * d);
  }
  return out;
}
