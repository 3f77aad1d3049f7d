/**
 * The Gram-matrix GD step of the two-layer FC (d > n, full batch) with the
 * state resident in the tensor backend's heap, unit-major ([m, n]), and
 * only the n outputs crossing to the host each step.
 *
 * Why: measured on the wasm backend at 5000×256, a SIMD elementwise op
 * (add, mul, relu, step) takes ~0.8 ms where one plain-JS pass over the same
 * Float32Arrays takes ~6 ms, and a dataSync of the array ~4 ms; what is slow
 * on wasm is `greaterEqual`/`cast` (~12 ms) and reductions along an axis
 * (~5 ms) — so masks are built from `step` and every reduction is a matMul.
 * The formulas are those of ./gram.ts (the jets of twolayer.ts) with
 * q = 1/√m, r = 2c(f − y) and ρ = η·q·r:
 *
 *   net:  f = q vᵀσ(A),                       ηdA = σ'(A) ⊙ (v ρᵀ),                    ηdv = σ(A) ρ
 *   lin:  f = q (vᵀh0 + v0ᵀ(s1 ⊙ A1)),        ηdA = s1 ⊙ (v0 ρᵀ),                      ηdv = h0 ρ
 *   quad: f = q (vᵀ(h0 + s1⊙A1) + ½ v0ᵀ(s2⊙A1²)),
 *                                              ηdA = s1 ⊙ (v ρᵀ) + (s2⊙A1) ⊙ (v0 ρᵀ),   ηdv = (h0 + s1⊙A1) ρ
 *
 * (written unit-major: A, A1, C, dA are [m, n]; v, v0 columns [m, 1]; ρ a
 * row [1, n]), then C ← C + ηdA, A1 ← A1 − ηdA·G, v ← v − ηdv. The product
 * dAᵀ·G keeps the fixed G as the matMul's right operand: XNNPACK packs it
 * once and runs 2× faster than G·dA, whose right operand changes every step
 * (measured 1.9 vs 4.0 ms at n=128, m=1024).
 */
import * as tf from '@tensorflow/tfjs';
import type { Variant } from '../../config/types.js';
import type { Activation } from '../ops.js';

export interface GramConfig {
  variant: Variant;
  act: Activation;
  n: number;
  m: number;
  /** Pre-activations at w0 on the bound training inputs, unit-major [m, n]; the engine keeps a copy. */
  a0T: Float32Array;
  v0: Float32Array;
  /** G = XXᵀ/d [n, n]; owned by the caller, alive while the engine is. */
  G: tf.Tensor2D;
}

/** tf.tidy for results with null fields (tidy walks them for tensors, skipping nulls). */
const tidy = <T>(f: () => T): T => tf.tidy(f as never) as T;

/** x ≥ 0 as 1/0 without `greaterEqual`+`cast` (slow on wasm): 1 − step(−x). */
export const geZero = (x: tf.Tensor): tf.Tensor => tf.sub(1, tf.step(tf.neg(x)));

/** σ and σ' of a piecewise-linear σ from one mask, else the activation's own. */
function fd1(act: Activation, a: tf.Tensor): { h: tf.Tensor; d: tf.Tensor } {
  if (act.name === 'tanh') {
    // tanh = 2·sigmoid(2a) − 1: wasm's tanh kernel is ~15× slower than its sigmoid (28 vs 1.7 ms at 5000×256)
    const h = tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1);
    return { h, d: tf.sub(1, tf.square(h)) };
  }
  if (act.slopes) {
    const [ap, am] = act.slopes;
    const mask = geZero(a);
    const d = ap === 1 && am === 0 ? mask : tf.add(tf.mul(mask, ap - am), am);
    return { h: ap === 1 && am === 0 ? tf.relu(a) : tf.mul(d, a), d };
  }
  return { h: act.f(a), d: act.d1(a) };
}

export class GramFc2 {
  private A1T: tf.Tensor2D;
  private CT: tf.Tensor2D;
  /** Read-out weights as a column [m, 1]. */
  private v: tf.Tensor2D;
  private readonly a0T: tf.Tensor2D;
  private readonly v0: tf.Tensor2D;
  private readonly o0: { h0: tf.Tensor2D; s1: tf.Tensor2D; s2: tf.Tensor2D | null } | null;
  private readonly q: number;

  constructor(private readonly cfg: GramConfig) {
    const { n, m } = cfg;
    this.q = 1 / Math.sqrt(m);
    this.a0T = tf.keep(tf.tensor2d(cfg.a0T, [m, n]));
    this.v0 = tf.keep(tf.tensor2d(cfg.v0, [m, 1]));
    this.v = tf.keep(tf.clone(this.v0));
    this.A1T = tf.keep(tf.zeros([m, n]));
    this.CT = tf.keep(tf.zeros([m, n]));
    this.o0 = cfg.variant === 'net' ? null : tidy(() => this.order0(this.a0T));
    if (this.o0) for (const t of [this.o0.h0, this.o0.s1, this.o0.s2]) if (t) tf.keep(t);
  }

  private order0(a0: tf.Tensor2D): { h0: tf.Tensor2D; s1: tf.Tensor2D; s2: tf.Tensor2D | null } {
    const { act } = this.cfg;
    const { h, d } = fd1(act, a0);
    return { h0: h as tf.Tensor2D, s1: d as tf.Tensor2D, s2: act.d2 ? (act.d2(a0) as tf.Tensor2D) : null };
  }

  /** Replace the state; A1 and C row-major [n, m], v [m]. */
  load(A1: tf.Tensor, C: tf.Tensor, v: tf.Tensor): void {
    const next = tf.tidy(() => ({ A1T: tf.transpose(A1) as tf.Tensor2D, CT: tf.transpose(C) as tf.Tensor2D, v: tf.reshape(v, [-1, 1]) as tf.Tensor2D }));
    tf.dispose([this.A1T, this.CT, this.v]);
    this.A1T = tf.keep(next.A1T);
    this.CT = tf.keep(next.CT);
    this.v = tf.keep(next.v);
  }

  /** A1, C row-major [n, m] and v [m] (new tensors, the caller's to dispose). */
  state(): { A1: tf.Tensor2D; C: tf.Tensor2D; v: tf.Tensor1D } {
    return tf.tidy(() => ({ A1: tf.transpose(this.A1T) as tf.Tensor2D, C: tf.transpose(this.CT) as tf.Tensor2D, v: tf.reshape(this.v, [-1]) as tf.Tensor1D }));
  }

  /** Cᵀ [m, n] (for test points and norms); owned by the engine. */
  get cT(): tf.Tensor2D {
    return this.CT;
  }

  /**
   * f as a column [n, 1] for pre-activations a0 and change a1 (unit-major), plus
   * what the backward pass needs: ∂f/∂A's factors and ∂f/∂v/q (`hT`).
   */
  private forward(a0: tf.Tensor2D, a1: tf.Tensor2D, o0: { h0: tf.Tensor2D; s1: tf.Tensor2D; s2: tf.Tensor2D | null } | null): { f: tf.Tensor2D; hT: tf.Tensor2D; dT: tf.Tensor2D | null; s2a1: tf.Tensor2D | null } {
    const { variant, act } = this.cfg;
    // f as a column hᵀ·v: the transposed-A matvec (0.4 ms at 1024×128) beats vᵀ·h, which repacks h as the right operand (1.1 ms)
    const vdot = (h: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D => tf.matMul(h, w, true, false);
    if (variant === 'net') {
      const { h, d } = fd1(act, tf.add(a0, a1));
      return { f: tf.mul(vdot(h as tf.Tensor2D, this.v), this.q), hT: h as tf.Tensor2D, dT: d as tf.Tensor2D, s2a1: null };
    }
    const { h0, s1, s2 } = o0!;
    const s1a1 = tf.mul(s1, a1) as tf.Tensor2D;
    if (variant === 'lin') {
      const f = tf.add(vdot(h0, this.v), vdot(s1a1, this.v0));
      return { f: tf.mul(f, this.q), hT: h0, dT: null, s2a1: null };
    }
    const hT = tf.add(h0, s1a1) as tf.Tensor2D;
    let f = vdot(hT, this.v) as tf.Tensor;
    let s2a1: tf.Tensor2D | null = null;
    if (s2) {
      s2a1 = tf.mul(s2, a1) as tf.Tensor2D;
      f = tf.add(f, tf.mul(vdot(tf.mul(s2a1, a1) as tf.Tensor2D, this.v0), 0.5));
    }
    return { f: tf.mul(f, this.q) as tf.Tensor2D, hT, dT: null, s2a1 };
  }

  private syncRow(t: tf.Tensor): Float32Array {
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  }

  /** Outputs on the bound inputs. */
  outputs(): Float32Array {
    return this.syncRow(tf.tidy(() => this.forward(this.a0T, this.A1T, this.o0).f));
  }

  /**
   * Outputs on other inputs with pre-activations a0xT [m, nx] and
   * G_xᵀ = X·X_xᵀ/d [n, nx] (A1_x = −G_x C).
   */
  outputsAt(a0xT: tf.Tensor2D, gxT: tf.Tensor2D): Float32Array {
    return this.syncRow(
      tf.tidy(() => {
        const a1 = tf.neg(tf.matMul(this.CT, gxT)) as tf.Tensor2D;
        const o0 = this.cfg.variant === 'net' ? null : this.order0(a0xT);
        return this.forward(a0xT, a1, o0).f;
      }),
    );
  }

  /** One GD step on L = c·Σ(f − y)²; returns L before the step. */
  step(y: ArrayLike<number>, eta: number, c: number): number {
    const { n, variant, G } = this.cfg;
    const fw = tidy(() => this.forward(this.a0T, this.A1T, this.o0));
    const f = fw.f.dataSync();
    let loss = 0;
    const rho = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const res = f[i]! - y[i]!;
      loss += res * res;
      rho[i] = eta * this.q * 2 * c * res;
    }
    const next = tf.tidy(() => {
      const rRow = tf.tensor2d(rho, [1, n]);
      const outer = (col: tf.Tensor2D): tf.Tensor2D => tf.matMul(col, rRow);
      let dA: tf.Tensor2D;
      if (variant === 'net') dA = tf.mul(fw.dT!, outer(this.v)) as tf.Tensor2D;
      else if (variant === 'lin') dA = tf.mul(this.o0!.s1, outer(this.v0)) as tf.Tensor2D;
      else {
        dA = tf.mul(this.o0!.s1, outer(this.v)) as tf.Tensor2D;
        if (fw.s2a1) dA = tf.add(dA, tf.mul(fw.s2a1, outer(this.v0))) as tf.Tensor2D;
      }
      // a fresh column, not a reshape of rRow: wasm caches a matMul's packed right operand per data id
      const dv = tf.matMul(fw.hT, tf.tensor2d(rho, [n, 1]));
      return {
        A1T: tf.sub(this.A1T, tf.matMul(dA, G)) as tf.Tensor2D,
        CT: tf.add(this.CT, dA) as tf.Tensor2D,
        v: tf.sub(this.v, dv) as tf.Tensor2D,
      };
    });
    // forward intermediates that are not the engine's own constants
    const own = new Set<tf.Tensor>([this.a0T, this.A1T, this.CT, this.v, this.v0, ...(this.o0 ? [this.o0.h0, this.o0.s1] : [])]);
    tf.dispose([fw.f, fw.hT, fw.dT, fw.s2a1].filter((t): t is tf.Tensor2D => t !== null && !own.has(t)));
    tf.dispose([this.A1T, this.CT, this.v]);
    this.A1T = tf.keep(next.A1T);
    this.CT = tf.keep(next.CT);
    this.v = tf.keep(next.v);
    return c * loss;
  }

  dispose(): void {
    tf.dispose([this.A1T, this.CT, this.v, this.a0T, this.v0]);
    if (this.o0) tf.dispose([this.o0.h0, this.o0.s1, ...(this.o0.s2 ? [this.o0.s2] : [])]);
  }
}
