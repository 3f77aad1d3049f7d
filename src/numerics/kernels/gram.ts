/**
 * The Gram-matrix GD step of the two-layer FC (d > n, full batch), with all
 * elementwise work fused into two passes over host Float32Arrays and only
 * the (n×n)·(n×m) product left to a matMul.
 *
 * Why: on the wasm backend each elementwise tensor op over n×m costs about
 * as much as a whole pass of plain JS, and the tensor formulation needs a
 * dozen of them per step (activation, mask, cast, products, reductions).
 * With q = 1/√m, A = A0 + A1, s1 = σ'(A0), s2 = σ''(A0), h0 = σ(A0):
 *
 *   net:  f = q Σ_k σ(A)·v,                 ∂f/∂A = q σ'(A) v,               ∂f/∂v = q σ(A)
 *   lin:  f = q Σ_k (h0 v + s1 A1 v0),       ∂f/∂A = q s1 v0,                 ∂f/∂v = q h0
 *   quad: f = q Σ_k (h0 v + s1 A1 v + ½ s2 A1² v0),
 *                                            ∂f/∂A = q (s1 v + s2 A1 v0),     ∂f/∂v = q (h0 + s1 A1)
 *
 * (the tensor path's jets, rewritten). For a piecewise-linear σ
 * (σ(a) = μ(a)·a, slopes a₊/a₋) s1 = μ(A0) is read off the sign of A0 and
 * s2 = 0, so nothing but A0 is stored; smooth σ (tanh, swish) keep σ(A0),
 * σ'(A0), σ''(A0) for lin/quad and call σ per element for net.
 *
 * With r = 2c(f − y) and dA = r ⊙ ∂f/∂A (row-wise), the step is
 * A1 ← A1 − η·G·dA, C ← C + η·dA, v ← v − η·Σ_i r_i ∂f_i/∂v, G = XXᵀ/d.
 *
 * Layout: every n×m array is stored unit-major, i.e. transposed ([m, n],
 * written xT), so the product is dAᵀ·G with the *fixed* G as the matMul's
 * right operand: XNNPACK packs G once and runs 2× faster than G·dA, whose
 * right operand changes every step (measured 1.9 vs 4.0 ms at n=128,
 * m=1024). Other inputs (test points) are evaluated from C through
 * A1_x = −G_x C, transposed: A1_xᵀ = −Cᵀ·G_xᵀ with G_xᵀ = X X_xᵀ/d fixed.
 * The A1 update of one step is folded into the first pass of the next.
 */
import type { Variant } from '../../config/types.js';
import type { ScalarActivation } from '../ops.js';

/** dAᵀ [m, n] ↦ dAᵀ·G [m, n]; provided by the caller (the tensor backend's matMul). */
export type GramProduct = (dAT: Float32Array) => Float32Array;

export interface GramConfig {
  variant: Variant;
  /** (a₊, a₋) of a piecewise-linear σ, or null for a smooth one (then `act` is used). */
  slopes: [number, number] | null;
  act: ScalarActivation;
  n: number;
  m: number;
  /** Pre-activations at w0 on the bound training inputs, transposed: [m, n]. */
  a0T: Float32Array;
  v0: Float32Array;
  /** dAᵀ ↦ dAᵀ·G. */
  product: GramProduct;
}

/** σ(A0), σ'(A0), σ''(A0) of a smooth σ, same layout as A0. */
interface Order0 {
  h0: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

function order0(act: ScalarActivation, a0: Float32Array): Order0 {
  const h0 = new Float32Array(a0.length);
  const s1 = new Float32Array(a0.length);
  const s2 = new Float32Array(a0.length);
  for (let i = 0; i < a0.length; i++) {
    const a = a0[i]!;
    h0[i] = act.f(a);
    s1[i] = act.d1(a);
    s2[i] = act.d2(a);
  }
  return { h0, s1, s2 };
}

/**
 * q·Σ_k over units of the variant's output, for inputs with pre-activations
 * a0T [m, nx] and first-order change a1T (same layout), accumulated into f.
 * `sign` multiplies a1T (−1 when a1T holds Cᵀ·G_xᵀ = −A1_xᵀ).
 */
function outputsInto(
  f: Float64Array,
  cfg: GramConfig,
  v: Float32Array,
  a0T: Float32Array,
  a1T: Float32Array,
  sign: number,
  nx: number,
  o0: Order0 | null,
  pending: Float32Array | null = null,
  eta = 0,
): void {
  const { m, v0, variant, slopes, act } = cfg;
  const ap = slopes ? slopes[0] : 0;
  const am = slopes ? slopes[1] : 0;
  // branch-free slope: the signs are data, so a branch mispredicts half the time
  const dm = ap - am;
  f.fill(0);
  for (let k = 0; k < m; k++) {
    const o = k * nx;
    const vk = v[k]!;
    const v0k = v0[k]!;
    // settle the pending A1 update of this row while it is hot in cache (training inputs only)
    if (pending) for (let i = o; i < o + nx; i++) a1T[i] = a1T[i]! - eta * pending[i]!;
    if (slopes) {
      if (variant === 'net') {
        for (let i = 0; i < nx; i++) {
          const a = a0T[o + i]! + sign * a1T[o + i]!;
          f[i] = f[i]! + (am + dm * +(a >= 0)) * a * vk;
        }
      } else if (variant === 'quad') {
        for (let i = 0; i < nx; i++) {
          const a0 = a0T[o + i]!;
          f[i] = f[i]! + (am + dm * +(a0 >= 0)) * (a0 + sign * a1T[o + i]!) * vk;
        }
      } else {
        for (let i = 0; i < nx; i++) {
          const a0 = a0T[o + i]!;
          f[i] = f[i]! + (am + dm * +(a0 >= 0)) * (a0 * vk + sign * a1T[o + i]! * v0k);
        }
      }
    } else if (variant === 'net') {
      for (let i = 0; i < nx; i++) f[i] = f[i]! + act.f(a0T[o + i]! + sign * a1T[o + i]!) * vk;
    } else {
      const { h0, s1, s2 } = o0!;
      if (variant === 'lin') {
        for (let i = 0; i < nx; i++) f[i] = f[i]! + h0[o + i]! * vk + s1[o + i]! * sign * a1T[o + i]! * v0k;
      } else {
        for (let i = 0; i < nx; i++) {
          const a1 = sign * a1T[o + i]!;
          f[i] = f[i]! + h0[o + i]! * vk + s1[o + i]! * a1 * vk + 0.5 * s2[o + i]! * a1 * a1 * v0k;
        }
      }
    }
  }
  const q = 1 / Math.sqrt(m);
  for (let i = 0; i < nx; i++) f[i] = Math.fround(f[i]! * q);
}

export class GramFc2 {
  /** A1ᵀ, Cᵀ [m, n] and v [m]: the state. */
  readonly A1T: Float32Array;
  readonly CT: Float32Array;
  readonly v: Float32Array;
  private readonly o0: Order0 | null;
  private readonly dAT: Float32Array;
  private readonly f: Float64Array;
  private readonly rq: Float64Array;
  /** G·dA of the last step (transposed) and its η, not yet subtracted from A1. */
  private pending: Float32Array | null = null;
  private pendingEta = 0;
  /** σ(A0), σ'(A0), σ''(A0) of the last other input (smooth σ, lin/quad), keyed by its a0T. */
  private otherO0: { key: Float32Array; o0: Order0 } | null = null;

  constructor(private readonly cfg: GramConfig) {
    const { n, m } = cfg;
    this.A1T = new Float32Array(n * m);
    this.CT = new Float32Array(n * m);
    this.v = Float32Array.from(cfg.v0);
    this.dAT = new Float32Array(n * m);
    this.f = new Float64Array(n);
    this.rq = new Float64Array(n);
    this.o0 = !cfg.slopes && cfg.variant !== 'net' ? order0(cfg.act, cfg.a0T) : null;
  }

  /** Replace the state (after the variables were assigned from outside); A1 and C row-major [n, m]. */
  load(A1: ArrayLike<number>, C: ArrayLike<number>, v: ArrayLike<number>): void {
    this.pending = null;
    transposeInto(this.A1T, A1, this.cfg.n, this.cfg.m);
    transposeInto(this.CT, C, this.cfg.n, this.cfg.m);
    this.v.set(v);
  }

  /** Apply the pending A1 update (before the state is read from outside). */
  settle(): void {
    const p = this.pending;
    if (!p) return;
    const e = this.pendingEta;
    const A1 = this.A1T;
    for (let i = 0; i < A1.length; i++) A1[i] = A1[i]! - e * p[i]!;
    this.pending = null;
  }

  /** A1 and C row-major [n, m] (settled), for the tf.Variables. */
  state(): { A1: Float32Array; C: Float32Array } {
    this.settle();
    const { n, m } = this.cfg;
    const A1 = new Float32Array(n * m);
    const C = new Float32Array(n * m);
    transposeInto(A1, this.A1T, m, n);
    transposeInto(C, this.CT, m, n);
    return { A1, C };
  }

  /** f on the bound inputs, settling A1 on the way (row k of A1ᵀ while it is hot in cache). */
  private forward(): Float64Array {
    outputsInto(this.f, this.cfg, this.v, this.cfg.a0T, this.A1T, 1, this.cfg.n, this.o0, this.pending, this.pendingEta);
    this.pending = null;
    return this.f;
  }

  /** Outputs f on the bound inputs at the current state (float32-rounded). */
  outputs(): Float32Array {
    return Float32Array.from(this.forward());
  }

  /**
   * Outputs on other inputs with pre-activations a0xT [m, nx], given
   * Cᵀ·G_xᵀ [m, nx] (= −A1_xᵀ) from the caller's matMul.
   */
  outputsAt(a0xT: Float32Array, ctgx: Float32Array, nx: number): Float32Array {
    let o0: Order0 | null = null;
    if (!this.cfg.slopes && this.cfg.variant !== 'net') {
      if (this.otherO0?.key !== a0xT) this.otherO0 = { key: a0xT, o0: order0(this.cfg.act, a0xT) };
      o0 = this.otherO0.o0;
    }
    const f = new Float64Array(nx);
    outputsInto(f, this.cfg, this.v, a0xT, ctgx, -1, nx, o0);
    return Float32Array.from(f);
  }

  /** One GD step on L = c·Σ(f − y)²; returns L before the step. */
  step(y: ArrayLike<number>, eta: number, c: number): number {
    const { n, m, a0T, v0, variant, slopes, act } = this.cfg;
    const ap = slopes ? slopes[0] : 0;
    const am = slopes ? slopes[1] : 0;
    const dm = ap - am;
    const q = 1 / Math.sqrt(m);
    const f = this.forward();
    const { A1T, CT, v, dAT, rq } = this;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const res = f[i]! - y[i]!;
      loss += res * res;
      rq[i] = 2 * c * res * q;
    }
    for (let k = 0; k < m; k++) {
      const o = k * n;
      const vk = v[k]!;
      const v0k = v0[k]!;
      let dv = 0;
      if (slopes) {
        if (variant === 'net') {
          for (let i = 0; i < n; i++) {
            const a = a0T[o + i]! + A1T[o + i]!;
            const mu = rq[i]! * (am + dm * +(a >= 0));
            const d = Math.fround(mu * vk);
            dAT[o + i] = d;
            CT[o + i] = CT[o + i]! + eta * d;
            dv += mu * a;
          }
        } else if (variant === 'quad') {
          for (let i = 0; i < n; i++) {
            const a0 = a0T[o + i]!;
            const mu = rq[i]! * (am + dm * +(a0 >= 0));
            const d = Math.fround(mu * vk);
            dAT[o + i] = d;
            CT[o + i] = CT[o + i]! + eta * d;
            dv += mu * (a0 + A1T[o + i]!);
          }
        } else {
          for (let i = 0; i < n; i++) {
            const a0 = a0T[o + i]!;
            const mu = rq[i]! * (am + dm * +(a0 >= 0));
            const d = Math.fround(mu * v0k);
            dAT[o + i] = d;
            CT[o + i] = CT[o + i]! + eta * d;
            dv += mu * a0;
          }
        }
      } else if (variant === 'net') {
        for (let i = 0; i < n; i++) {
          const a = a0T[o + i]! + A1T[o + i]!;
          const d = Math.fround(rq[i]! * act.d1(a) * vk);
          dAT[o + i] = d;
          CT[o + i] = CT[o + i]! + eta * d;
          dv += rq[i]! * act.f(a);
        }
      } else {
        const { h0, s1, s2 } = this.o0!;
        if (variant === 'lin') {
          for (let i = 0; i < n; i++) {
            const d = Math.fround(rq[i]! * s1[o + i]! * v0k);
            dAT[o + i] = d;
            CT[o + i] = CT[o + i]! + eta * d;
            dv += rq[i]! * h0[o + i]!;
          }
        } else {
          for (let i = 0; i < n; i++) {
            const a1 = A1T[o + i]!;
            const d = Math.fround(rq[i]! * (s1[o + i]! * vk + s2[o + i]! * a1 * v0k));
            dAT[o + i] = d;
            CT[o + i] = CT[o + i]! + eta * d;
            dv += rq[i]! * (h0[o + i]! + s1[o + i]! * a1);
          }
        }
      }
      // dv_k does not involve v, so v_k can be updated as soon as its row is done
      v[k] = vk - eta * dv;
    }
    this.pending = this.cfg.product(dAT);
    this.pendingEta = eta;
    return c * loss;
  }
}

/** out[j, i] = a[i, j] for a [rows, cols] row-major (blocked for cache reuse). */
export function transposeInto(out: Float32Array, a: ArrayLike<number>, rows: number, cols: number): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = a[i * cols + j]!;
    }
  }
}
