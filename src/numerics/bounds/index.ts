/**
 * Meltzer & Liu's sufficient conditions for the catapult phase, computed from
 * the actual initialisation and expressed in units of η·λmax(H0), where
 * H = (1/D) J Jᵀ is their NTK (eq. 4) — the x-axis of every Meltzer figure
 * (the authors set η = ratio/λmax(H0)). So a bound `b` is drawn as a dashed
 * line at ηλmax(H0) = b; the linear-stability edge is always 2.
 *
 * These units equal the pipeline's `etaLambda` only under Meltzer's loss
 * convention L = 1/(2D) Σ (z − y)² ({reduction: mean, half: true}), whose
 * Gauss–Newton matrix has the spectrum of H.
 *
 * Keys of the returned record (absent when the equation does not apply):
 *  - `critical`       2 (η = 2/λmax(H0), the linear-model edge)
 *  - `eq60`           pure quadratic, one datapoint: 4/(ζ²θ0²λmax(ψ²)) (Table 1 row 1; eq. 60)
 *  - `eq77`           with bias, one datapoint: 4/(2φ² + ζ²λmax(ψ²)(θ0² + (φᵀθ0)²/φ²)) (Table 1 row 2; eq. 77)
 *  - `eq95`           homogeneous two-layer net, one datapoint: 4n/(a₊²θ0²) (Table 1 row 3; eq. 95)
 *  - `eq124`          ReLU two-layer net, one datapoint: 4n/(x²θ₊0²) = 4/H0 (Table 1 row 4; eq. 124/130)
 *  - `eq138`          pure quadratic, method 1: 4/(λmax(Ω)θ0²), Ω = (ζ²/D)[ψ_αψ_β] (eqs. 138, 143)
 *  - `eq154`          pure quadratic, method 2: 4/(ζ²θ0²λmax(ψ_eff²)), ψ_eff = D^{-1/2} Σ e_α ψ_α (eqs. 154, 155)
 *  - `eq163`          with bias, effective features (eqs. 163–165)
 *  - `eq180`          homogeneous two-layer net, D points: 4nD/(a₊²λmax(x_αᵀx_β)θ0²) (eq. 180; the x² factor for one point)
 *  - `table1-upper`   the Table 1 row of this model when D = 1
 */
import type { ModelSpec } from '../../config/types.js';
import { matvec } from '../linalg/dense.js';
import { lanczosExtremes, symTop } from '../linalg/eigen.js';
import { type QuadraticFeatures, phiAt, psiAt } from '../quadratic/features.js';

/** What the quadratic bounds need: the model's features, θ0 in the model's coordinates, and the training inputs. */
export interface QuadraticBoundsState {
  features: QuadraticFeatures;
  /** θ0, ψ block first then φ block (as `QuadraticModel.theta0`). */
  theta0: ArrayLike<number>;
  /** Training inputs, row-major, `features.d` columns. */
  x: ArrayLike<number>;
}

/** What the two-layer bounds need: plain weights of z = n^{-1/2} vᵀσ(s·W x). */
export interface TwoLayerBoundsState {
  /** First layer, width×d row-major. */
  W: ArrayLike<number>;
  /** Read-out, length width. */
  v: ArrayLike<number>;
  /** Training inputs, row-major, d columns. */
  x: ArrayLike<number>;
  /** Input dimension d. */
  d: number;
  /** Input scaling s of the forward pass (NTK 1/√fan_in); default 1/√d (= 1 for Meltzer's 1-D data). */
  inputScale?: number;
}

export type BoundsState = QuadraticBoundsState | TwoLayerBoundsState;

/** Slopes (a₊, a₋) of the homogeneous activation σ(h) = a₊h (h ≥ 0), a₋h (h < 0); ReLU = (1, 0). */
export function slopesOf(spec: Extract<ModelSpec, { arch: 'fc2' }>): [number, number] {
  if (spec.activation === 'relu') return [1, 0];
  if (spec.activation === 'identity') return [1, 1];
  const s = spec.slopes ?? [1, 0.5];
  return [s[0], s[1]];
}

/**
 * Bounds for `spec` at the initialisation in `state`. Quadratic specs take a
 * `QuadraticBoundsState`, `fc2` with activation relu/homogeneous/identity a
 * `TwoLayerBoundsState`; anything else gets `{critical: 2}`.
 */
export function boundsFor(spec: ModelSpec, state: BoundsState): Record<string, number> {
  if ((spec.arch === 'pure-quadratic' || spec.arch === 'quadratic-bias') && 'features' in state) return quadraticBounds(state);
  if (spec.arch === 'fc2' && 'W' in state && (spec.activation === 'relu' || spec.activation === 'homogeneous' || spec.activation === 'identity')) {
    const [ap, am] = slopesOf(spec);
    return twoLayerBounds(state, ap, am);
  }
  return { critical: 2 };
}

/** λmax of ψ² for a symmetric ψ given as a dense n×n matrix: max |eigenvalue|². */
function lambdaMaxSquare(psi: Float64Array, n: number): number {
  const r = lanczosExtremes((v) => symMatvec(psi, v, n), n, Math.min(n, 80));
  return Math.max(r.max * r.max, r.min * r.min);
}

const symMatvec = (a: Float64Array, v: Float64Array, n: number): Float64Array => matvec(a, v, n, n);

/** Quadratic-model bounds (eqs. 60, 77, 138, 154, 163). */
export function quadraticBounds(state: QuadraticBoundsState): Record<string, number> {
  const f = state.features;
  const n = f.nPsi;
  const D = state.x.length / f.d;
  const th = Float64Array.from(state.theta0);
  const thPsi = th.subarray(0, n);
  const thPhi = th.subarray(n);
  const theta2 = th.reduce((s, v) => s + v * v, 0);
  const zeta2 = f.zeta * f.zeta;
  const xs = Float64Array.from(state.x);
  const rows = (a: number) => xs.subarray(a * f.d, a * f.d + f.d);

  // Jacobian rows J_α = (ζ ψ_α θ_ψ, φ_α) and H0 = (1/D) J Jᵀ.
  const psis: Float64Array[] = [];
  const phis: Float64Array[] = [];
  const J: Float64Array[] = [];
  for (let a = 0; a < D; a++) {
    const psi = psiAt(f, rows(a));
    psis.push(psi);
    const phi = phiAt(f, rows(a));
    phis.push(phi);
    const ja = new Float64Array(n + f.nPhi);
    ja.set(symMatvec(psi, thPsi, n).map((v) => f.zeta * v), 0);
    ja.set(phi, n);
    J.push(ja);
  }
  const H = new Float64Array(D * D);
  for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) H[a * D + b] = J[a]!.reduce((s, v, k) => s + v * J[b]![k]!, 0) / D;
  const top = symTop(H, D);
  const lamH = top.value;
  const e = top.vector;
  const out: Record<string, number> = { critical: 2 };

  // Effective features (eqs. 155, 164, 165).
  const psiEff = new Float64Array(n * n);
  const phiEff = new Float64Array(f.nPhi);
  for (let a = 0; a < D; a++) {
    const w = e[a]! / Math.sqrt(D);
    const p = psis[a]!;
    for (let k = 0; k < psiEff.length; k++) psiEff[k] = psiEff[k]! + w * p[k]!;
    for (let k = 0; k < f.nPhi; k++) phiEff[k] = phiEff[k]! + w * phis[a]![k]!;
  }
  const lamPsiEff2 = f.eigen ? psiEff.reduce((m, v, k) => (k % (n + 1) === 0 ? Math.max(m, v * v) : m), 0) : lambdaMaxSquare(psiEff, n);

  if (f.nPhi === 0) {
    // Method 1: λmax(Ω) = (ζ²/D) λmax(Σ_α ψ_α²)  (Ω = (ζ²/D) GᵀG with G = [ψ_1 … ψ_D]).
    const sumSq = (v: Float64Array) => {
      const y = new Float64Array(n);
      for (const p of psis) {
        const t = symMatvec(p, symMatvec(p, v, n), n);
        for (let i = 0; i < n; i++) y[i] = y[i]! + t[i]!;
      }
      return y;
    };
    let lamSum: number;
    if (f.eigen) {
      const x2 = xs.reduce((s, v) => s + v * v, 0);
      lamSum = x2 * f.eigen.reduce((m, l) => Math.max(m, l * l), 0);
    } else lamSum = lanczosExtremes(sumSq, n, Math.min(n, 60)).max;
    const lamOmega = (zeta2 / D) * lamSum;
    out.eq138 = (4 / (lamOmega * theta2)) * lamH;
    out.eq154 = (4 / (zeta2 * theta2 * lamPsiEff2)) * lamH;
    if (D === 1) {
      // Table 1 row 1 (eq. 60): with one datapoint ψ_eff = ±ψ, so this equals eq138 = eq154.
      const lamPsi2 = f.eigen ? f.eigen.reduce((m, l) => Math.max(m, l * l * xs[0]! * xs[0]!), 0) : lambdaMaxSquare(psis[0]!, n);
      out.eq60 = (4 / (zeta2 * theta2 * lamPsi2)) * lamH;
      out['table1-upper'] = out.eq60;
    }
    return out;
  }
  // With bias: eq. 163 (effective features), eq. 77 for one datapoint.
  const phiEff2 = phiEff.reduce((s, v) => s + v * v, 0);
  const phiEffTh = phiEff.reduce((s, v, k) => s + v * thPhi[k]!, 0);
  out.eq163 = (4 / (2 * phiEff2 + zeta2 * lamPsiEff2 * (theta2 + (phiEffTh * phiEffTh) / phiEff2))) * lamH;
  if (D === 1) {
    const phi = phis[0]!;
    const phi2 = phi.reduce((s, v) => s + v * v, 0);
    const phiTh = phi.reduce((s, v, k) => s + v * thPhi[k]!, 0);
    const lamPsi2 = f.eigen ? f.eigen.reduce((m, l) => Math.max(m, l * l * xs[0]! * xs[0]!), 0) : lambdaMaxSquare(psis[0]!, n);
    out.eq77 = (4 / (2 * phi2 + zeta2 * lamPsi2 * (theta2 + (phiTh * phiTh) / phi2))) * lamH;
    out['table1-upper'] = out.eq77;
  }
  return out;
}

/** The Meltzer NTK H = (1/(nD))[σ(h_α)ᵀσ(h_β) + s²x_αᵀx_β (v∘σ'(h_α))ᵀ(v∘σ'(h_β))] (eq. 54) with σ'(0) = (a₊+a₋)/2 (eq. 9). */
export function twoLayerKernel(state: TwoLayerBoundsState, aPlus: number, aMinus: number): Float64Array {
  const { d } = state;
  const m = state.v.length;
  const D = state.x.length / d;
  const s = state.inputScale ?? 1 / Math.sqrt(d);
  const act = new Float64Array(D * m);
  const der = new Float64Array(D * m);
  for (let a = 0; a < D; a++)
    for (let k = 0; k < m; k++) {
      let h = 0;
      for (let i = 0; i < d; i++) h += state.W[k * d + i]! * state.x[a * d + i]!;
      h *= s;
      act[a * m + k] = h >= 0 ? aPlus * h : aMinus * h;
      const dv = h > 0 ? aPlus : h < 0 ? aMinus : (aPlus + aMinus) / 2;
      der[a * m + k] = state.v[k]! * dv;
    }
  const H = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) {
      let xx = 0;
      for (let i = 0; i < d; i++) xx += state.x[a * d + i]! * state.x[b * d + i]!;
      let s1 = 0;
      let s2 = 0;
      for (let k = 0; k < m; k++) {
        s1 += act[a * m + k]! * act[b * m + k]!;
        s2 += der[a * m + k]! * der[b * m + k]!;
      }
      H[a * D + b] = (s1 + s * s * xx * s2) / (m * D);
    }
  return H;
}

/** Two-layer homogeneous / ReLU bounds (eqs. 95, 124, 180). */
export function twoLayerBounds(state: TwoLayerBoundsState, aPlus: number, aMinus: number): Record<string, number> {
  const { d } = state;
  const m = state.v.length;
  const D = state.x.length / d;
  const s = state.inputScale ?? 1 / Math.sqrt(d);
  const H = twoLayerKernel(state, aPlus, aMinus);
  const lamH = symTop(H, D).value;
  let theta2 = 0;
  for (let i = 0; i < state.W.length; i++) theta2 += state.W[i]! * state.W[i]!;
  for (let i = 0; i < m; i++) theta2 += state.v[i]! * state.v[i]!;
  // λmax of the (scaled) input Gram matrix x_αᵀx_β.
  const G = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) {
      let xx = 0;
      for (let i = 0; i < d; i++) xx += state.x[a * d + i]! * state.x[b * d + i]!;
      G[a * D + b] = s * s * xx;
    }
  const lamX = symTop(G, D).value;
  const out: Record<string, number> = { critical: 2 };
  out.eq180 = ((4 * m * D) / (aPlus * aPlus * lamX * theta2)) * lamH;
  if (D === 1) {
    if (aMinus > 0) {
      out.eq95 = ((4 * m) / (aPlus * aPlus * lamX * theta2)) * lamH;
      out['table1-upper'] = out.eq95;
    }
    if (aMinus === 0) {
      // Reduced norm over the units active at init (eqs. 107–124): θ₊² = Σ_{k: h_k > 0} (u_k² + v_k²).
      let plus = 0;
      for (let k = 0; k < m; k++) {
        let h = 0;
        let w2 = 0;
        for (let i = 0; i < d; i++) {
          h += state.W[k * d + i]! * state.x[i]!;
          w2 += state.W[k * d + i]! * state.W[k * d + i]!;
        }
        if (h > 0) plus += w2 + state.v[k]! * state.v[k]!;
      }
      out.eq124 = ((4 * m) / (aPlus * aPlus * lamX * plus)) * lamH;
      out['table1-upper'] = out.eq124;
    }
  }
  return out;
}
