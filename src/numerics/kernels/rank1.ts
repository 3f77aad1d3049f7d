/**
 * The two-layer FC on one-dimensional inputs (d = 1) with a piecewise-linear
 * activation through the origin (ReLU, the homogeneous family, identity), in
 * O(n + m) per GD step instead of O(n·m).
 *
 * Why: Zhu's Figure 3 setting (128 points on a line, width 5000) is the
 * workhorse of the catapult figures, and every pre-activation there is a
 * product a_ik = x_i·w_k/√fan. For σ(a) = μ(a)·a with the slope μ = a₊ for
 * a ≥ 0 and a₋ below, the slope of unit k on example i depends only on the
 * sign of x_i: for x_i > 0 it is μ(w_k), for x_i < 0 it is μ(−w_k). So with
 * q = 1/(√fan·√m) and the "group" g(i) ∈ {+, −} of x_i,
 *
 *   net, quad: f_i = x_i·q·Σ_k μ_g(k)·w_k·v_k,     ∂f_i/∂w_k = x_i q μ_g(k) v_k,   ∂f_i/∂v_k = x_i q μ_g(k) w_k
 *   lin:       f_i = x_i·q·Σ_k μ_g(k)·(w v0 + w0 v − w0 v0)_k,
 *                                                 ∂f_i/∂w_k = x_i q μ_g(k) v0_k,  ∂f_i/∂v_k = x_i q μ_g(k) w0_k
 *
 * where μ_g(k) takes the slope at the current w for `net` and at w0 for
 * `lin`/`quad` (masks frozen at w0 — Zhu's NQM; for these activations σ'' = 0,
 * so the quadratic model is exactly the bilinear form above). The GD step
 * needs only the two residual moments ρ_± = Σ_{i∈±} r_i x_i, and the tangent
 * kernel is K_ij = x_i x_j M_{g(i)g(j)} with a 2×2 matrix M — whose nonzero
 * eigenvalues are those of the 2×2 matrix ‖x_g‖‖x_h‖M_gh. Examples with
 * x_i = 0 have f_i = 0 and no gradient.
 *
 * State is kept in float32 (like the tensor path); sums run in float64.
 */
import type { Variant } from '../../config/types.js';

export interface Rank1Config {
  variant: Variant;
  /** Slopes (a₊, a₋) of σ: σ(a) = a₊a for a ≥ 0, a₋a below. */
  slopes: [number, number];
  w0: Float32Array;
  v0: Float32Array;
  /** Fan-in of the first layer (1 for the FC on 1-D data). */
  fan: number;
}

/** One symmetric 2×2 block M over the groups (+, −) plus the group norms ‖x_±‖². */
export interface Rank1Kernel {
  mPP: number;
  mPN: number;
  mNN: number;
}

export class Rank1Fc2 {
  readonly m: number;
  /** Current weights (mirrors of the model's variables). */
  readonly w: Float32Array;
  readonly v: Float32Array;
  private readonly q: number;
  private readonly ap: number;
  private readonly am: number;

  constructor(private readonly cfg: Rank1Config) {
    this.m = cfg.w0.length;
    this.w = Float32Array.from(cfg.w0);
    this.v = Float32Array.from(cfg.v0);
    this.q = 1 / (Math.sqrt(cfg.fan) * Math.sqrt(this.m));
    [this.ap, this.am] = cfg.slopes;
  }

  /** Replace the state (e.g. after the variables were assigned from outside). */
  load(w: ArrayLike<number>, v: ArrayLike<number>): void {
    this.w.set(w);
    this.v.set(v);
  }

  /** The masks follow w (net) or stay at w0 (lin, quad). */
  private maskW(): Float32Array {
    return this.cfg.variant === 'net' ? this.w : this.cfg.w0;
  }

  /** c_± = Σ_k μ_±(k)·(coefficient of f)_k, so that f_i = x_i·q·c_g(i). */
  private outputMoments(): [number, number] {
    const { w0, v0, variant } = this.cfg;
    const { w, v, ap, am, m } = this;
    const mw = this.maskW();
    let cP = 0;
    let cN = 0;
    if (variant === 'lin') {
      for (let k = 0; k < m; k++) {
        const t = w[k]! * v0[k]! + w0[k]! * v[k]! - w0[k]! * v0[k]!;
        const z = mw[k]!;
        cP += (z >= 0 ? ap : am) * t;
        cN += (z <= 0 ? ap : am) * t;
      }
    } else {
      for (let k = 0; k < m; k++) {
        const t = w[k]! * v[k]!;
        const z = mw[k]!;
        cP += (z >= 0 ? ap : am) * t;
        cN += (z <= 0 ? ap : am) * t;
      }
    }
    return [cP, cN];
  }

  /** f(x) for 1-D inputs x. */
  predict(x: ArrayLike<number>): Float32Array {
    const [cP, cN] = this.outputMoments();
    const f = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      f[i] = xi > 0 ? xi * this.q * cP : xi < 0 ? xi * this.q * cN : 0;
    }
    return f;
  }

  /**
   * One GD step on L = c·Σ(f − y)²; returns L before the step. Exactly the
   * tensor path's update (W ← W − η·∂L/∂W, v ← v − η·∂L/∂v, both from w_t).
   */
  step(x: ArrayLike<number>, y: ArrayLike<number>, eta: number, c: number): number {
    const [cP, cN] = this.outputMoments();
    const { q, ap, am, m, w, v } = this;
    let loss = 0;
    let rhoP = 0;
    let rhoN = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const f = Math.fround(xi > 0 ? xi * q * cP : xi < 0 ? xi * q * cN : 0);
      const res = f - y[i]!;
      loss += res * res;
      const ri = 2 * c * res;
      if (xi > 0) rhoP += ri * xi;
      else if (xi < 0) rhoN += ri * xi;
    }
    const mw = this.maskW();
    const lin = this.cfg.variant === 'lin';
    const a = lin ? this.cfg.v0 : v; // ∂f/∂w ∝ a
    const b = lin ? this.cfg.w0 : w; // ∂f/∂v ∝ b
    const eq = eta * q;
    for (let k = 0; k < m; k++) {
      const z = mw[k]!;
      const t = eq * ((z >= 0 ? ap : am) * rhoP + (z <= 0 ? ap : am) * rhoN);
      const ak = a[k]!;
      const bk = b[k]!;
      w[k] = w[k]! - t * ak;
      v[k] = v[k]! - t * bk;
    }
    return c * loss;
  }

  /** The 2×2 block M of the tangent kernel K_ij = x_i x_j M_{g(i)g(j)} at the current weights. */
  kernelBlock(): Rank1Kernel {
    const lin = this.cfg.variant === 'lin';
    const a = lin ? this.cfg.v0 : this.v;
    const b = lin ? this.cfg.w0 : this.w;
    const mw = this.maskW();
    const { ap, am, m, q } = this;
    let pp = 0;
    let pn = 0;
    let nn = 0;
    for (let k = 0; k < m; k++) {
      const z = mw[k]!;
      const mp = z >= 0 ? ap : am;
      const mn = z <= 0 ? ap : am;
      const s = a[k]! * a[k]! + b[k]! * b[k]!;
      pp += mp * mp * s;
      pn += mp * mn * s;
      nn += mn * mn * s;
    }
    const q2 = q * q;
    return { mPP: pp * q2, mPN: pn * q2, mNN: nn * q2 };
  }

  /** The full n×n kernel on x (row-major, float64). */
  kernel(x: ArrayLike<number>): Float64Array {
    const M = this.kernelBlock();
    const n = x.length;
    const K = new Float64Array(n * n);
    const g = (xi: number): number => (xi > 0 ? 0 : xi < 0 ? 1 : 2);
    const tab = [M.mPP, M.mPN, 0, M.mPN, M.mNN, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const gi = g(xi);
      for (let j = 0; j < n; j++) {
        const xj = x[j]!;
        K[i * n + j] = xi * xj * tab[gi * 3 + g(xj)]!;
      }
    }
    return K;
  }

  /** λmax of K on x: the top eigenvalue of the 2×2 matrix ‖x_g‖‖x_h‖M_gh. */
  kernelMax(x: ArrayLike<number>): number {
    const M = this.kernelBlock();
    let nP = 0;
    let nN = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      if (xi > 0) nP += xi * xi;
      else if (xi < 0) nN += xi * xi;
    }
    const a = nP * M.mPP;
    const d = nN * M.mNN;
    const b = Math.sqrt(nP * nN) * M.mPN;
    return (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
  }
}
