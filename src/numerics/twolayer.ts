/**
 * Two-layer networks — the fully connected `f(x) = v·σ(W x/√d)/√m` and the
 * CNN `f(x) = v·σ(conv(x, K)/√(k²C_in))/√(HWC)` — with their linearisation
 * and quadratic Taylor model around w0, and exact hand-derived gradients.
 *
 * Both are "one linear map of the data, an activation, a linear read-out":
 * with the data fixed, the conv is a matMul of im2col rows, so one class
 * serves both. Everything is written in terms of the pre-activations
 * A = A0 + A1 (A0 at w0, A1 = rows·(W − W0)/√fan) and the read-out
 * v = v0 + Δv. The jets (FIGURES.md) give, with s1 = σ'(A0), s2 = σ''(A0):
 *
 *   net:  f = σ(A)·v/√U                       ∂f/∂A = σ'(A)⊙v/√U,            ∂f/∂v = σ(A)/√U
 *   lin:  f = [σ(A0)·v + (s1⊙A1)·v0]/√U       ∂f/∂A = s1⊙v0/√U,              ∂f/∂v = σ(A0)/√U
 *   quad: f = lin + [½ s2⊙A1²·v0 + (s1⊙A1)·Δv]/√U
 *                                              ∂f/∂A = (s1⊙v + s2⊙A1⊙v0)/√U,  ∂f/∂v = (σ(A0) + s1⊙A1)/√U
 *
 * (exact Taylor models: f_lin = f0 + f1, f_quad = f0 + f1 + f2; for ReLU
 * s2 = 0 and the masks stay frozen at w0, which is Zhu's Appendix A NQM).
 * The weight gradient is rowsᵀ·dA/√fan with an explicit transpose (fast on
 * wasm); `predict` is also differentiable by reverse mode for checking.
 *
 * Gram-matrix mode (FC with d > n, full batch): the model depends on W only
 * through A1 = X ΔW/√d, and a GD step changes ΔW by −η Xᵀ dA/√d, so
 * A1 ← A1 − η (XXᵀ/d) dA exactly; the sum C = Σ η dA gives ΔW = −XᵀC/√d for
 * test points (A1_test = −(X_test Xᵀ/d) C) and the norms. The cost per step
 * drops from 2·n·d·m to n²·m.
 */
import * as tf from '@tensorflow/tfjs';
import type { Variant } from '../config/types.js';
import type { TrainableModel } from './model.js';
import { type Activation, mm, mv, vm } from './ops.js';
import { denseLambdaMax } from './eig.js';
import { Rank1Fc2 } from './kernels/rank1.js';
import { GramFc2 } from './kernels/gram.js';

export interface TwoLayerConfig {
  kind: 'fc2' | 'cnn2';
  act: Activation;
  variant: Variant;
  /** First-layer weights at init, [fan, width] row-major. */
  w0: Float32Array;
  fan: number;
  /** Hidden width (FC) or channels (CNN). */
  width: number;
  /** Read-out weights at init, one per unit (positions × width). */
  v0: Float32Array;
  /** Spatial positions per example (1 for the FC, H·W for the CNN). */
  positions: number;
  /** Data → im2col rows [n·positions, fan] (the identity reshape for the FC). */
  rows: (x: tf.Tensor) => tf.Tensor2D;
  /** FC only: bind to these full-batch training inputs and use the Gram-matrix update. */
  gramX?: tf.Tensor2D;
  /**
   * Use the fast CPU kernels of ./kernels where they apply (default true
   * unless the environment sets CATAPULT_FAST_KERNELS=0); false forces the
   * tensor path (tests and benchmarks compare the two).
   */
  fast?: boolean;
}

interface XCache {
  rows: tf.Tensor2D;
  rowsT?: tf.Tensor2D;
  a0: tf.Tensor2D;
  /** Gram mode: rows·X_trainᵀ/fan. */
  gx?: tf.Tensor2D;
  /** Order-0 constants of the jets (lin/quad): σ(A0), σ'(A0), σ''(A0). */
  h0?: tf.Tensor2D;
  s1?: tf.Tensor2D;
  s2?: tf.Tensor2D;
}

const cacheTensors = (c: XCache): tf.Tensor[] =>
  [c.rows, c.a0, c.rowsT, c.gx, c.h0, c.s1, c.s2].filter((t): t is tf.Tensor2D => t !== undefined);

const CACHE_MAX = 4;

/** Small LRU of host copies of input tensors (tensors are immutable, so identity is a safe key). */
class HostCache {
  private readonly map = new Map<tf.Tensor, Float32Array>();
  get(t: tf.Tensor): Float32Array {
    let a = this.map.get(t);
    if (!a) {
      if (this.map.size >= CACHE_MAX) this.map.delete(this.map.keys().next().value as tf.Tensor);
      a = t.dataSync() as Float32Array;
      this.map.set(t, a);
    }
    return a;
  }
  clear(): void {
    this.map.clear();
  }
}

export class TwoLayerModel implements TrainableModel {
  private readonly vars: readonly tf.Variable[];
  private readonly W: tf.Variable | null;
  private readonly v: tf.Variable;
  private readonly W0: tf.Tensor2D;
  private readonly v0: tf.Tensor1D;
  private readonly units: number;
  private readonly sqrtFan: number;
  private readonly sqrtU: number;
  private readonly cache = new Map<tf.Tensor, XCache>();
  // Gram mode state
  private readonly gramX: tf.Tensor2D | null;
  private readonly A1: tf.Variable | null;
  private readonly C: tf.Variable | null;
  private readonly Gs: tf.Tensor2D | null;
  private readonly w0sq: number;
  /**
   * Fast path for the FC on 1-D inputs with a piecewise-linear σ
   * (kernels/rank1.ts). Its host arrays and the tf.Variables are mirrors:
   * `tfStale` = the variables lag the host state (flush before tensor work),
   * `hostStale` = the variables may have been changed from outside (reload
   * before host work; set whenever `variables` is handed out).
   */
  private readonly rank1: Rank1Fc2 | null;
  /** Fast path of the Gram-matrix mode with a piecewise-linear σ (kernels/gram.ts), built on first step; same mirroring. */
  private gram: GramFc2 | null = null;
  private readonly gramFast: boolean;
  private tfStale = false;
  private hostStale = false;
  private readonly host = new HostCache();

  constructor(private readonly cfg: TwoLayerConfig) {
    this.units = cfg.positions * cfg.width;
    this.sqrtFan = Math.sqrt(cfg.fan);
    this.sqrtU = Math.sqrt(this.units);
    this.W0 = tf.keep(tf.tensor2d(cfg.w0, [cfg.fan, cfg.width]));
    this.v0 = tf.keep(tf.tensor1d(cfg.v0));
    this.v = tf.variable(this.v0, true, undefined, 'float32');
    let w0sq = 0;
    for (const w of cfg.w0) w0sq += w * w;
    this.w0sq = w0sq;
    if (cfg.gramX) {
      if (cfg.kind !== 'fc2') throw new Error('TwoLayerModel: the Gram-matrix mode applies to the FC only');
      this.gramX = cfg.gramX;
      const n = cfg.gramX.shape[0];
      this.W = null;
      this.A1 = tf.variable(tf.zeros([n, cfg.width]), true);
      this.C = tf.variable(tf.zeros([n, cfg.width]), false);
      this.Gs = tf.keep(tf.tidy(() => tf.div(tf.matMul(cfg.gramX!, tf.transpose(cfg.gramX!)), cfg.fan) as tf.Tensor2D));
      this.vars = [this.A1, this.v];
    } else {
      this.gramX = null;
      this.A1 = null;
      this.C = null;
      this.Gs = null;
      this.W = tf.variable(this.W0, true, undefined, 'float32');
      this.vars = [this.W, this.v];
    }
    // CATAPULT_FAST_KERNELS=0 forces the tensor path everywhere (benchmark A/B).
    const fast = cfg.fast ?? process.env.CATAPULT_FAST_KERNELS !== '0';
    this.rank1 =
      fast && cfg.kind === 'fc2' && cfg.fan === 1 && cfg.act.slopes && !cfg.gramX
        ? new Rank1Fc2({ variant: cfg.variant, slopes: cfg.act.slopes, w0: cfg.w0, v0: cfg.v0, fan: cfg.fan })
        : null;
    this.gramFast = fast && this.gramX !== null && cfg.act.slopes !== null;
  }

  /** Trainable parameters. Handing them out means they may be assigned: the host mirrors reload before their next use. */
  get variables(): readonly tf.Variable[] {
    this.flush();
    if (this.rank1 || this.gram) this.hostStale = true;
    return this.vars;
  }

  /** Bring the tf.Variables up to date with the host state. */
  private flush(): void {
    if (!this.tfStale) return;
    const r = this.rank1;
    const g = this.gram;
    tf.tidy(() => {
      if (r) {
        this.W!.assign(tf.tensor2d(r.w, [1, r.m]));
        this.v.assign(tf.tensor1d(r.v));
      } else if (g) {
        g.settle();
        this.A1!.assign(tf.tensor2d(g.A1, this.A1!.shape as [number, number]));
        this.C!.assign(tf.tensor2d(g.C, this.C!.shape as [number, number]));
        this.v.assign(tf.tensor1d(g.v));
      }
    });
    this.tfStale = false;
  }

  /** Bring the host state up to date with the tf.Variables. */
  private pull(): Rank1Fc2 {
    const r = this.rank1!;
    if (this.hostStale) {
      r.load(this.W!.dataSync(), this.v.dataSync());
      this.hostStale = false;
    }
    return r;
  }

  /** The Gram fast path's engine, built on first use and reloaded when the variables may have changed. */
  private pullGram(): GramFc2 {
    if (!this.gram) {
      const e = this.entry(this.gramX!);
      const [n, m] = e.a0.shape;
      const Gs = this.Gs!;
      this.gram = new GramFc2({
        variant: this.cfg.variant,
        slopes: this.cfg.act.slopes!,
        n,
        m,
        a0: e.a0.dataSync() as Float32Array,
        v0: this.cfg.v0,
        // (never return a typed array from tf.tidy: it walks the result looking for tensors)
        product: (dA) => {
          const t = tf.tensor2d(dA, [n, m]);
          const p = tf.matMul(Gs, t);
          const out = p.dataSync() as Float32Array;
          tf.dispose([t, p]);
          return out;
        },
      });
      this.hostStale = true;
    }
    const g = this.gram;
    if (this.hostStale) {
      g.load(this.A1!.dataSync(), this.C!.dataSync(), this.v.dataSync());
      this.hostStale = false;
    }
    return g;
  }

  get gramMode(): boolean {
    return this.gramX !== null;
  }

  private entry(x: tf.Tensor): XCache {
    const hit = this.cache.get(x);
    if (hit) {
      this.cache.delete(x);
      this.cache.set(x, hit);
      return hit;
    }
    if (this.cache.size >= CACHE_MAX) {
      const [k, old] = this.cache.entries().next().value as [tf.Tensor, XCache];
      this.cache.delete(k);
      tf.dispose(cacheTensors(old));
    }
    const e = tf.tidy(() => {
      const rows = this.cfg.rows(x);
      const n = rows.shape[0] / this.cfg.positions;
      const a0 = tf.reshape(tf.div(tf.matMul(rows, this.W0), this.sqrtFan), [n, this.units]) as tf.Tensor2D;
      const gx =
        this.gramX && x !== this.gramX
          ? (tf.div(tf.matMul(rows, tf.transpose(this.gramX)), this.cfg.fan) as tf.Tensor2D)
          : undefined;
      return { rows, a0, ...(gx ? { gx } : {}) };
    });
    tf.keep(e.rows);
    tf.keep(e.a0);
    if (e.gx) tf.keep(e.gx);
    const c: XCache = e;
    this.cache.set(x, c);
    return c;
  }

  private rowsT(e: XCache): tf.Tensor2D {
    if (!e.rowsT) e.rowsT = tf.keep(tf.transpose(e.rows));
    return e.rowsT;
  }

  /** Pre-activations at w0 and their first-order change, both [n, units]. */
  private preacts(x: tf.Tensor): { a0: tf.Tensor2D; a1: tf.Tensor2D; e: XCache } {
    const e = this.entry(x);
    const n = e.a0.shape[0];
    if (this.gramX) {
      if (x === this.gramX) return { a0: e.a0, a1: this.A1 as unknown as tf.Tensor2D, e };
      return { a0: e.a0, a1: tf.neg(tf.matMul(e.gx!, this.C as unknown as tf.Tensor2D)), e };
    }
    const dW = tf.sub(this.W!, this.W0) as tf.Tensor2D;
    const a1 = tf.reshape(tf.div(mm(e.rows, dW), this.sqrtFan), [n, this.units]) as tf.Tensor2D;
    return { a0: e.a0, a1, e };
  }

  /** σ(A0), σ'(A0), σ''(A0): constants of the jets, computed once per input tensor (elementwise ops dominate on wasm). */
  private order0(e: XCache): { h0: tf.Tensor2D; s1: tf.Tensor2D; s2: tf.Tensor2D | null } {
    const { act } = this.cfg;
    if (!e.h0) {
      e.h0 = tf.keep(act.f(e.a0) as tf.Tensor2D);
      e.s1 = tf.keep(act.d1(e.a0) as tf.Tensor2D);
      if (act.d2) e.s2 = tf.keep(act.d2(e.a0) as tf.Tensor2D);
    }
    return { h0: e.h0, s1: e.s1!, s2: e.s2 ?? null };
  }

  /** f, and optionally ∂f/∂A (gA) and ∂f/∂v (P), per the variant's jet formulas. */
  private outputs(a0: tf.Tensor2D, a1: tf.Tensor2D, withGrads: boolean, e: XCache): { f: tf.Tensor1D; gA?: tf.Tensor2D; P?: tf.Tensor2D } {
    const { act, variant } = this.cfg;
    const v = this.v as unknown as tf.Tensor1D;
    const s = 1 / this.sqrtU;
    if (variant === 'net') {
      const a = tf.add(a0, a1) as tf.Tensor2D;
      const h = act.f(a) as tf.Tensor2D;
      const f = tf.mul(mv(h, v), s) as tf.Tensor1D;
      if (!withGrads) return { f };
      return { f, gA: tf.mul(act.d1(a), tf.mul(v, s)) as tf.Tensor2D, P: tf.mul(h, s) as tf.Tensor2D };
    }
    const { h0, s1, s2 } = this.order0(e);
    const s1a1 = tf.mul(s1, a1) as tf.Tensor2D;
    let pre = tf.add(mv(h0, v), mv(s1a1, this.v0)) as tf.Tensor1D;
    if (variant === 'lin') {
      const f = tf.mul(pre, s) as tf.Tensor1D;
      if (!withGrads) return { f };
      return { f, gA: tf.mul(s1, tf.mul(this.v0, s)) as tf.Tensor2D, P: tf.mul(h0, s) as tf.Tensor2D };
    }
    const dv = tf.sub(v, this.v0) as tf.Tensor1D;
    pre = tf.add(pre, mv(s1a1, dv)) as tf.Tensor1D;
    let s2a1: tf.Tensor2D | null = null;
    if (s2) {
      s2a1 = tf.mul(s2, a1) as tf.Tensor2D;
      pre = tf.add(pre, tf.mul(mv(tf.mul(s2a1, a1) as tf.Tensor2D, this.v0), 0.5)) as tf.Tensor1D;
    }
    const f = tf.mul(pre, s) as tf.Tensor1D;
    if (!withGrads) return { f };
    let gA = tf.mul(s1, v) as tf.Tensor2D;
    if (s2a1) gA = tf.add(gA, tf.mul(s2a1, this.v0)) as tf.Tensor2D;
    return { f, gA: tf.mul(gA, s) as tf.Tensor2D, P: tf.mul(tf.add(h0, s1a1), s) as tf.Tensor2D };
  }

  predict(x: tf.Tensor): tf.Tensor1D {
    if (this.rank1) return tf.tensor1d(this.pull().predict(this.host.get(x)));
    if (this.gramFast && x === this.gramX && this.gram) return tf.tensor1d(this.pullGram().outputs());
    this.flush();
    const { a0, a1, e } = this.preacts(x);
    return this.outputs(a0, a1, false, e).f;
  }

  gdStep(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number): number {
    if (this.gramX && x !== this.gramX) throw new Error('TwoLayerModel: Gram mode steps only on its bound training inputs');
    if (this.rank1) {
      const loss = this.pull().step(this.host.get(x), this.host.get(y), eta, lossScale);
      this.tfStale = true;
      return loss;
    }
    if (this.gramFast) {
      const loss = this.pullGram().step(this.host.get(y), eta, lossScale);
      this.tfStale = true;
      return loss;
    }
    this.flush();
    const e = this.entry(x);
    const lossT = tf.tidy(() => {
      const { a0, a1, e: ex } = this.preacts(x);
      const { f, gA, P } = this.outputs(a0, a1, true, ex);
      const res = tf.sub(f, y);
      const loss = tf.mul(tf.sum(tf.square(res)), lossScale);
      const r = tf.mul(res, 2 * lossScale) as tf.Tensor1D;
      const dA = tf.mul(gA!, tf.reshape(r, [-1, 1])) as tf.Tensor2D;
      const dv = vm(r, P!);
      if (this.gramX) {
        this.A1!.assign(tf.sub(this.A1!, tf.mul(tf.matMul(this.Gs!, dA), eta)));
        this.C!.assign(tf.add(this.C!, tf.mul(dA, eta)));
      } else {
        const dAr = tf.reshape(dA, [-1, this.cfg.width]) as tf.Tensor2D;
        const dW = tf.matMul(this.rowsT(e), dAr);
        this.W!.assign(tf.sub(this.W!, tf.mul(dW, eta / this.sqrtFan)));
      }
      this.v.assign(tf.sub(this.v, tf.mul(dv, eta)));
      return loss;
    });
    const out = lossT.dataSync()[0]!;
    lossT.dispose();
    return out;
  }

  kernel(x: tf.Tensor): tf.Tensor2D {
    if (this.rank1) {
      const xs = this.host.get(x);
      return tf.tensor2d(Float32Array.from(this.pull().kernel(xs)), [xs.length, xs.length]);
    }
    this.flush();
    return tf.tidy(() => {
      const e = this.entry(x);
      const { a0, a1 } = this.preacts(x);
      const { gA, P } = this.outputs(a0, a1, true, e);
      const n = a0.shape[0];
      const kv = tf.matMul(P!, tf.transpose(P!));
      if (this.cfg.kind === 'fc2') {
        const gs = this.gramX && x === this.gramX ? this.Gs! : tf.div(tf.matMul(e.rows, this.rowsT(e)), this.cfg.fan);
        return tf.add(tf.mul(tf.matMul(gA!, tf.transpose(gA!)), gs), kv) as tf.Tensor2D;
      }
      // CNN: per-example filter Jacobian J_i = rows_iᵀ·gA_i/√fan, [fan·width]
      const r3 = tf.transpose(tf.reshape(e.rows, [n, this.cfg.positions, this.cfg.fan]), [0, 2, 1]) as tf.Tensor3D;
      const g3 = tf.reshape(gA!, [n, this.cfg.positions, this.cfg.width]) as tf.Tensor3D;
      const jk = tf.reshape(tf.div(tf.matMul(r3, g3), this.sqrtFan), [n, -1]) as tf.Tensor2D;
      return tf.add(tf.matMul(jk, tf.transpose(jk)), kv) as tf.Tensor2D;
    });
  }

  kernelMax(x: tf.Tensor): number {
    if (this.rank1) return this.pull().kernelMax(this.host.get(x));
    const k = this.kernel(x);
    const n = k.shape[0];
    const data = k.dataSync();
    k.dispose();
    return denseLambdaMax(data, n);
  }

  theta2(): number {
    this.flush();
    return tf.tidy(() => {
      const vv = tf.sum(tf.square(this.v));
      if (!this.gramX) return tf.add(tf.sum(tf.square(this.W!)), vv).dataSync()[0]!;
      const e = this.entry(this.gramX);
      const C = this.C as unknown as tf.Tensor2D;
      const cross = tf.sum(tf.mul(e.a0, C));
      const dw2 = tf.sum(tf.mul(C, tf.matMul(this.Gs!, C)));
      const rest = tf.add(tf.sub(dw2, tf.mul(cross, 2)), vv).dataSync()[0]!;
      return this.w0sq + rest;
    });
  }

  distance(): number {
    this.flush();
    return tf.tidy(() => {
      const dv2 = tf.sum(tf.square(tf.sub(this.v, this.v0)));
      const dw2 = this.gramX
        ? tf.sum(tf.mul(this.C!, tf.matMul(this.Gs!, this.C as unknown as tf.Tensor2D)))
        : tf.sum(tf.square(tf.sub(this.W!, this.W0)));
      return Math.sqrt(Math.max(0, tf.add(dw2, dv2).dataSync()[0]!));
    });
  }

  sparsity(x: tf.Tensor): number[] {
    if (!this.cfg.act.piecewiseLinear) return [];
    this.flush();
    return tf.tidy(() => {
      const { a0, a1 } = this.preacts(x);
      return [tf.mean(tf.cast(tf.less(tf.add(a0, a1), 0), 'float32')).dataSync()[0]!];
    });
  }

  dispose(): void {
    for (const c of this.cache.values()) tf.dispose(cacheTensors(c));
    this.cache.clear();
    this.host.clear();
    tf.dispose([this.W0, this.v0, this.v]);
    if (this.W) this.W.dispose();
    if (this.A1) this.A1.dispose();
    if (this.C) this.C.dispose();
    if (this.Gs) this.Gs.dispose();
  }
}
