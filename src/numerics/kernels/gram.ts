/**
 * The Gram-matrix GD step of the two-layer FC (d > n, full batch) for a
 * piecewise-linear σ (σ(a) = μ(a)·a, μ = a₊ for a ≥ 0, a₋ below), with all
 * elementwise work fused into two passes over host Float32Arrays and only
 * the (n×n)·(n×m) product left to a matMul.
 *
 * Why: on the wasm backend each elementwise tensor op over n×m costs about
 * as much as a whole pass of plain JS, and the tensor formulation needs a
 * dozen of them per step (activation, mask, cast, products, reductions).
 * Here, with q = 1/√m, S1 = μ(A0) and A = A0 + A1:
 *
 *   net:  f = q Σ_k μ(A)·A·v,      ∂f/∂A = q μ(A) v,   ∂f/∂v = q μ(A)·A
 *   lin:  f = q Σ_k S1·(A0 v + A1 v0),  ∂f/∂A = q S1 v0,  ∂f/∂v = q S1·A0
 *   quad: f = q Σ_k S1·A·v,        ∂f/∂A = q S1 v,     ∂f/∂v = q S1·A
 *
 * (σ'' = 0, so these are exactly the tensor path's jets.) With
 * r = 2c(f − y) and dA = r ⊙ ∂f/∂A (row-wise), the step is
 * A1 ← A1 − η·G·dA, C ← C + η·dA, v ← v − η·Σ_i r_i ∂f_i/∂v, G = XXᵀ/d.
 * The A1 update of one step is folded into the first pass of the next.
 */
import type { Variant } from '../../config/types.js';

/** (n×n)·(n×m) product, row-major; provided by the caller (the tensor backend's matMul). */
export type GramProduct = (dA: Float32Array) => Float32Array;

export interface GramConfig {
  variant: Variant;
  slopes: [number, number];
  n: number;
  m: number;
  /** Pre-activations at w0 on the bound training inputs, [n, m]. */
  a0: Float32Array;
  v0: Float32Array;
  /** dA ↦ G·dA. */
  product: GramProduct;
}

export class GramFc2 {
  readonly A1: Float32Array;
  readonly C: Float32Array;
  readonly v: Float32Array;
  private readonly s1: Float32Array | null;
  private readonly dA: Float32Array;
  private readonly dv: Float64Array;
  private readonly f: Float64Array;
  /** G·dA of the last step and its η, not yet subtracted from A1. */
  private pending: Float32Array | null = null;
  private pendingEta = 0;

  constructor(private readonly cfg: GramConfig) {
    const { n, m, a0, variant } = cfg;
    this.A1 = new Float32Array(n * m);
    this.C = new Float32Array(n * m);
    this.v = Float32Array.from(cfg.v0);
    this.dA = new Float32Array(n * m);
    this.dv = new Float64Array(m);
    this.f = new Float64Array(n);
    if (variant === 'net') {
      this.s1 = null;
    } else {
      const [ap, am] = cfg.slopes;
      this.s1 = new Float32Array(n * m);
      for (let i = 0; i < n * m; i++) this.s1[i] = a0[i]! >= 0 ? ap : am;
    }
  }

  /** Replace the state (after the variables were assigned from outside). */
  load(A1: ArrayLike<number>, C: ArrayLike<number>, v: ArrayLike<number>): void {
    this.pending = null;
    this.A1.set(A1);
    this.C.set(C);
    this.v.set(v);
  }

  /** Apply the pending A1 update (before the state is read from outside). */
  settle(): void {
    const p = this.pending;
    if (!p) return;
    const e = this.pendingEta;
    const A1 = this.A1;
    for (let i = 0; i < A1.length; i++) A1[i] = A1[i]! - e * p[i]!;
    this.pending = null;
  }

  /** f on the bound inputs, settling A1 on the way. */
  private forward(): Float64Array {
    const { n, m, a0, v0, variant } = this.cfg;
    const [ap, am] = this.cfg.slopes;
    const dm = ap - am;
    const q = 1 / Math.sqrt(m);
    const { A1, v, s1, f } = this;
    const p = this.pending;
    const e = this.pendingEta;
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let s = 0;
      // settle this row while it is hot in cache
      if (p) for (let k = o; k < o + m; k++) A1[k] = A1[k]! - e * p[k]!;
      if (variant === 'net') {
        for (let k = 0; k < m; k++) {
          const a = a0[o + k]! + A1[o + k]!;
          s += (am + dm * +(a >= 0)) * a * v[k]!;
        }
      } else if (variant === 'quad') {
        const S = s1!;
        for (let k = 0; k < m; k++) s += S[o + k]! * (a0[o + k]! + A1[o + k]!) * v[k]!;
      } else {
        const S = s1!;
        for (let k = 0; k < m; k++) s += S[o + k]! * (a0[o + k]! * v[k]! + A1[o + k]! * v0[k]!);
      }
      f[i] = Math.fround(s * q);
    }
    this.pending = null;
    return f;
  }

  /** Outputs f on the bound inputs at the current state (float32-rounded). */
  outputs(): Float32Array {
    return Float32Array.from(this.forward());
  }

  /** One GD step on L = c·Σ(f − y)²; returns L before the step. */
  step(y: ArrayLike<number>, eta: number, c: number): number {
    const { n, m, a0, v0, variant } = this.cfg;
    const [ap, am] = this.cfg.slopes;
    const dm = ap - am;
    const q = 1 / Math.sqrt(m);
    const f = this.forward();
    const { A1, C, v, s1, dA, dv } = this;
    dv.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const res = f[i]! - y[i]!;
      loss += res * res;
      const rq = 2 * c * res * q;
      const o = i * m;
      if (variant === 'net') {
        for (let k = 0; k < m; k++) {
          const a = a0[o + k]! + A1[o + k]!;
          const mu = rq * (am + dm * +(a >= 0));
          const d = Math.fround(mu * v[k]!);
          dA[o + k] = d;
          C[o + k] = C[o + k]! + eta * d;
          dv[k] = dv[k]! + mu * a;
        }
      } else if (variant === 'quad') {
        for (let k = 0; k < m; k++) {
          const mu = rq * s1![o + k]!;
          const d = Math.fround(mu * v[k]!);
          dA[o + k] = d;
          C[o + k] = C[o + k]! + eta * d;
          dv[k] = dv[k]! + mu * (a0[o + k]! + A1[o + k]!);
        }
      } else {
        for (let k = 0; k < m; k++) {
          const mu = rq * s1![o + k]!;
          const d = Math.fround(mu * v0[k]!);
          dA[o + k] = d;
          C[o + k] = C[o + k]! + eta * d;
          dv[k] = dv[k]! + mu * a0[o + k]!;
        }
      }
    }
    for (let k = 0; k < m; k++) v[k] = v[k]! - eta * dv[k]!;
    this.pending = this.cfg.product(dA);
    this.pendingEta = eta;
    return c * loss;
  }
}
