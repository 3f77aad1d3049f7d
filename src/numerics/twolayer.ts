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
 *
 * Fast paths (option `fast`, default on; CATAPULT_FAST_KERNELS=0 forces the
 * tensor path): d = 1 with piecewise-linear σ → kernels/rank1.ts (O(n+m));
 * Gram mode → kernels/gram.ts (state resident in the backend, unit-major,
 * any σ), except `lin`, which runs in example space (kernels/linspace.ts:
 * u ← u − η K0 r, O(n²) per step; test outputs f0(x) − K0(x, X)·R) until
 * its variables are handed out, when it materialises θ = θ0 − J0ᵀR and
 * continues in the Gram engine. Pre-activations at w0 (X·W0/√d, 61 GFLOP
 * for a CIFAR-2 test set at width 5000) and G_x are memoised process-wide
 * by content (kernels/memo.ts), so net/lin/quad and init share them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Variant } from '../config/types.js';
import type { TrainableModel } from './model.js';
import { type Activation, mm, mv, vm } from './ops.js';
import { denseLambdaMax } from './eig.js';
import { Rank1Fc2 } from './kernels/rank1.js';
import { GramFc2 } from './kernels/gram.js';
import { OrtGramFc2, type OrtOtherSet } from './kernels/gram-ort.js';
import { loadOrt, type OrtRuntime } from './ort/runtime.js';
import { ortMatMul } from './ort/matmul.js';
import { LinSpace } from './kernels/linspace.js';
import { digest, preactMemo } from './kernels/memo.js';

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
  /**
   * Run the Gram fast path on onnxruntime (kernels/gram-ort.ts) when it
   * loads (default true; CATAPULT_ORT=0 switches it off): false keeps the
   * engine in the tfjs heap (kernels/gram.ts), which tests compare against.
   */
  ort?: boolean;
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

/** Another input set evaluated by a fast Gram path: X_x·W0/√d transposed [m, nx] and G_xᵀ = X·X_xᵀ/d [n, nx]. */
interface OtherX {
  nx: number;
  a0T: Float32Array;
  /** a0T as a kept tensor, made on first use by the Gram engine. */
  a0Tt?: tf.Tensor2D;
  gxT: tf.Tensor2D;
  /** The same constants on the host, for the onnxruntime engine (also its cache key for this set). */
  host: OrtOtherSet;
  /** lin in example space: f0 on x and K0(X, x) [n, nx]. */
  lin?: { f0: Float64Array; kxT: Float32Array };
}

/** Host constants of `lin` run in example space (kernels/linspace.ts). */
interface LinConsts {
  engine: LinSpace;
  /** q·σ'(A0)⊙v0 and q·σ(A0) on the training inputs, [n, m] (kept tensors). */
  gA: tf.Tensor2D;
  P: tf.Tensor2D;
  k0: Float64Array;
  lambdaMax?: number;
}

/** Per-x scalars q·Σ_k h[k,i]·w_k of a unit-major [m, nx] array h. */
function unitSum(h: Float32Array, w: ArrayLike<number>, m: number, nx: number): Float64Array {
  const out = new Float64Array(nx);
  for (let k = 0; k < m; k++) {
    const wk = w[k]!;
    const o = k * nx;
    for (let i = 0; i < nx; i++) out[i] = out[i]! + h[o + i]! * wk;
  }
  return out;
}

/**
 * Digests of initial weights by array identity: the init memo hands every
 * run of an experiment the same w0 array (never written to), and hashing
 * 15 M floats per model costs ~70 ms.
 */
const w0Digests = new WeakMap<Float32Array, string>();
function weightDigest(w0: Float32Array): string {
  let d = w0Digests.get(w0);
  if (!d) w0Digests.set(w0, (d = digest(w0)));
  return d;
}

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
  /** W0 as a tensor, made on first use (the Gram fast paths never need it: 61 MB into the wasm heap at CIFAR scale). */
  private W0t: tf.Tensor2D | null = null;
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
  private w0sqMemo: number | null = null;
  /**
   * Fast path for the FC on 1-D inputs with a piecewise-linear σ
   * (kernels/rank1.ts). Its host arrays and the tf.Variables are mirrors:
   * `tfStale` = the variables lag the host state (flush before tensor work),
   * `hostStale` = the variables may have been changed from outside (reload
   * before host work; set whenever `variables` is handed out).
   */
  private readonly rank1: Rank1Fc2 | null;
  /** Fast path of the Gram-matrix mode (kernels/gram.ts or, when it loads, kernels/gram-ort.ts), built on first step; same mirroring. */
  private gram: GramEngine | null = null;
  private readonly gramFast: boolean;
  /** `lin` in Gram mode runs in example space (O(n²) per step) until the variables are handed out. */
  private lin: LinConsts | null = null;
  private linFast: boolean;
  /** Test sets etc. evaluated by the fast Gram paths. */
  private readonly others = new Map<tf.Tensor, OtherX>();
  private readonly digests = new WeakMap<tf.Tensor, string>();
  private w0Digest: string | null = null;
  private readonly fast: boolean;
  private tfStale = false;
  private hostStale = false;
  private readonly host = new HostCache();

  constructor(private readonly cfg: TwoLayerConfig) {
    this.units = cfg.positions * cfg.width;
    this.sqrtFan = Math.sqrt(cfg.fan);
    this.sqrtU = Math.sqrt(this.units);
    this.v0 = tf.keep(tf.tensor1d(cfg.v0));
    this.v = tf.variable(this.v0, true, undefined, 'float32');
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
    this.fast = fast;
    this.gramFast = fast && this.gramX !== null;
    this.linFast = this.gramFast && cfg.variant === 'lin';
  }

  private get W0(): tf.Tensor2D {
    return (this.W0t ??= tf.keep(tf.tensor2d(this.cfg.w0, [this.cfg.fan, this.cfg.width])));
  }

  /** ‖W0‖², computed on first use (a pass over fan·width floats). */
  private get w0sq(): number {
    if (this.w0sqMemo === null) {
      const w0 = this.cfg.w0;
      let s = 0;
      for (let i = 0; i < w0.length; i++) s += w0[i]! * w0[i]!;
      this.w0sqMemo = s;
    }
    return this.w0sqMemo;
  }

  /** Trainable parameters. Handing them out means they may be assigned: the host mirrors reload before their next use. */
  get variables(): readonly tf.Variable[] {
    this.flush();
    if (this.rank1 || this.gramFast) this.hostStale = true;
    return this.vars;
  }

  /** Bring the tf.Variables up to date with the host state. */
  private flush(): void {
    if (!this.tfStale) return;
    const r = this.rank1;
    const g = this.gram;
    const l = this.linActive() ? this.lin : null;
    tf.tidy(() => {
      if (r) {
        this.W!.assign(tf.tensor2d(r.w, [1, r.m]));
        this.v.assign(tf.tensor1d(r.v));
      } else if (l) {
        // θ − θ0 = −J0ᵀR: C = diag(R)·gA, A1 = −G·C, v = v0 − PᵀR
        const R = tf.tensor2d(Float32Array.from(l.engine.R), [l.engine.R.length, 1]);
        const C = tf.mul(l.gA, R) as tf.Tensor2D;
        this.C!.assign(C);
        this.A1!.assign(tf.neg(tf.matMul(this.Gs!, C)));
        this.v.assign(tf.sub(this.v0, vm(tf.reshape(R, [-1]) as tf.Tensor1D, l.P)));
      } else if (g) {
        const s = g.state();
        this.A1!.assign(s.A1);
        this.C!.assign(s.C);
        this.v.assign(s.v);
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

  /** Content digest of an input tensor (memo keys), computed once per tensor. */
  private digestOf(x: tf.Tensor): string {
    let d = this.digests.get(x);
    if (!d) {
      d = digest(this.host.get(x));
      this.digests.set(x, d);
    }
    return d;
  }

  /**
   * FC: pre-activations at w0, X_x·W0/√d, transposed to [m, nx]; memoised
   * process-wide by content, so the net/lin/quad runs and the init stage of
   * one experiment compute them once.
   */
  private a0T(x: tf.Tensor): Float32Array {
    this.w0Digest ??= weightDigest(this.cfg.w0);
    const key = `fc2/a0T|${this.w0Digest}|${this.digestOf(x)}|${this.cfg.fan}|${this.cfg.width}`;
    return preactMemo.get(key, () => {
      const rt = this.ort();
      if (rt) return ortMatMul(rt, this.host.get(x), this.cfg.w0, this.host.get(x).length / this.cfg.fan, this.cfg.fan, this.cfg.width, 1 / this.sqrtFan, { transOut: true });
      // (never return a typed array from tf.tidy: it walks the result looking for tensors)
      const t = tf.tidy(() => tf.transpose(tf.div(tf.matMul(this.cfg.rows(x), this.W0), this.sqrtFan)));
      const a = t.dataSync() as Float32Array;
      t.dispose();
      return a;
    });
  }

  /** Another input set for the fast Gram paths: its a0ᵀ and G_xᵀ (and lin's constants), cached per tensor. */
  private other(x: tf.Tensor): OtherX {
    const hit = this.others.get(x);
    if (hit) return hit;
    if (this.others.size >= CACHE_MAX) {
      const [k, old] = this.others.entries().next().value as [tf.Tensor, OtherX];
      this.others.delete(k);
      old.gxT.dispose();
      old.a0Tt?.dispose();
    }
    const a0T = this.a0T(x);
    const nx = a0T.length / this.cfg.width;
    const gramX = this.gramX!;
    const key = `fc2/gxT|${this.digestOf(gramX)}|${this.digestOf(x)}`;
    const gx = preactMemo.get(key, () => {
      const rt = this.ort();
      if (rt) {
        const xs = this.host.get(x);
        return ortMatMul(rt, this.host.get(gramX), xs, gramX.shape[0], this.cfg.fan, xs.length / this.cfg.fan, 1 / this.cfg.fan, { transB: true });
      }
      const t = tf.tidy(() => tf.div(tf.matMul(gramX, tf.transpose(this.cfg.rows(x))), this.cfg.fan));
      const a = t.dataSync() as Float32Array;
      t.dispose();
      return a;
    });
    const o: OtherX = { nx, a0T, gxT: tf.keep(tf.tensor2d(gx, [gramX.shape[0], nx])), host: { nx, a0T, gxT: gx } };
    this.others.set(x, o);
    return o;
  }

  /** onnxruntime for the FC's large host products, when allowed (`ort` option, environment) and loadable. */
  private ort(): OrtRuntime | null {
    if (this.cfg.kind !== 'fc2' || this.cfg.ort === false) return null;
    const rt = loadOrt();
    return rt.ok ? rt.value : null;
  }

  /** Whether `lin` still runs in example space (it stops for good once the variables may have been assigned). */
  private linActive(): boolean {
    if (!this.linFast) return false;
    if (this.hostStale) {
      this.linFast = false;
      return false;
    }
    return true;
  }

  /** q·σ(A0) and q·σ'(A0)⊙v0 for pre-activations a0T [m, nx], unit-major. */
  private linFactors(a0T: Float32Array, nx: number): { hT: Float32Array; gT: Float32Array } {
    const m = this.cfg.width;
    const q = 1 / this.sqrtU;
    const act = this.cfg.act.scalar;
    const v0 = this.cfg.v0;
    const hT = new Float32Array(m * nx);
    const gT = new Float32Array(m * nx);
    for (let k = 0; k < m; k++) {
      const o = k * nx;
      const qv = q * v0[k]!;
      for (let i = 0; i < nx; i++) {
        const a = a0T[o + i]!;
        hT[o + i] = q * act.f(a);
        gT[o + i] = qv * act.d1(a);
      }
    }
    return { hT, gT };
  }

  /** The example-space engine of `lin` (kernels/linspace.ts), built on first use. */
  private pullLin(): LinConsts {
    if (this.lin) return this.lin;
    const gramX = this.gramX!;
    const a0T = this.a0T(gramX);
    const n = gramX.shape[0];
    const m = this.cfg.width;
    const { hT, gT } = this.linFactors(a0T, n);
    const gAT = tf.tensor2d(gT, [m, n]);
    const PT = tf.tensor2d(hT, [m, n]);
    const gA = tf.keep(tf.transpose(gAT)) as tf.Tensor2D;
    const P = tf.keep(tf.transpose(PT)) as tf.Tensor2D;
    const kt = tf.tidy(() => tf.add(tf.mul(tf.matMul(gA, gAT), this.Gs!), tf.matMul(P, PT)));
    const k0 = Float64Array.from(kt.dataSync());
    tf.dispose([kt, gAT, PT]);
    // f0 = q Σ σ(A0) v0; J0θ0 = q Σ (σ'(A0)⊙A0 + σ(A0)) v0 (W-part: A is linear in W, so ∂f/∂W·W0 = q Σ σ'(A0) A0 v0)
    const f0 = unitSum(hT, this.cfg.v0, m, n);
    const j0theta0 = new Float64Array(n);
    for (let k = 0; k < m; k++) {
      const o = k * n;
      for (let i = 0; i < n; i++) j0theta0[i] = j0theta0[i]! + gT[o + i]! * a0T[o + i]! + hT[o + i]! * this.cfg.v0[k]!;
    }
    let v0sq = 0;
    for (const v of this.cfg.v0) v0sq += v * v;
    this.lin = { engine: new LinSpace({ n, k0, f0, j0theta0, theta0sq: this.w0sq + v0sq }), gA, P, k0 };
    return this.lin;
  }

  /** lin in example space on another input set: f0(x) and K0(X, x). */
  private linOther(x: tf.Tensor): { f0: Float64Array; kxT: Float32Array; nx: number } {
    const o = this.other(x);
    if (!o.lin) {
      const l = this.pullLin();
      const m = this.cfg.width;
      const { hT, gT } = this.linFactors(o.a0T, o.nx);
      const kt = tf.tidy(() => {
        const gx = tf.tensor2d(gT, [m, o.nx]);
        const px = tf.tensor2d(hT, [m, o.nx]);
        return tf.add(tf.mul(tf.matMul(l.gA, gx), o.gxT), tf.matMul(l.P, px));
      });
      const kxT = kt.dataSync() as Float32Array;
      kt.dispose();
      o.lin = { f0: unitSum(hT, this.cfg.v0, m, o.nx), kxT };
    }
    return { ...o.lin, nx: o.nx };
  }

  /** The Gram fast path's engine, built on first use and reloaded when the variables may have changed. */
  private pullGram(): GramEngine {
    if (!this.gram) {
      const gramX = this.gramX!;
      const a0T = this.a0T(gramX);
      const n = gramX.shape[0];
      const m = this.cfg.width;
      const cfg = { variant: this.cfg.variant, act: this.cfg.act, n, m, a0T, v0: this.cfg.v0 };
      const rt = this.ort();
      const ort = rt ? OrtGramFc2.create(rt, { ...cfg, G: this.Gs!.dataSync() as Float32Array }) : null;
      this.gram = ort?.ok ? ortEngine(ort.value, n, m) : tfEngine(new GramFc2({ ...cfg, G: this.Gs! }));
      // a fresh engine starts at w0 (A1 = C = 0, v = v0), as the variables do unless they were handed out (then hostStale is set)
    }
    const g = this.gram;
    if (this.hostStale) {
      g.load(this.A1!, this.C!, this.v);
      this.hostStale = false;
    }
    return g;
  }

  /** Which engine runs the Gram fast path ('onnxruntime' or 'tfjs'), or null before its first use / off the fast path. */
  get gramEngine(): 'onnxruntime' | 'tfjs' | null {
    return this.gram?.kind ?? null;
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
    // FC with the fast kernels on: share the memoised pre-activations (tensor-path runs stay independent)
    const a0T = this.fast && this.cfg.kind === 'fc2' ? this.a0T(x) : null;
    const e = tf.tidy(() => {
      const rows = this.cfg.rows(x);
      const n = rows.shape[0] / this.cfg.positions;
      const a0 = a0T
        ? (tf.transpose(tf.tensor2d(a0T, [this.units, n])) as tf.Tensor2D)
        : (tf.reshape(tf.div(tf.matMul(rows, this.W0), this.sqrtFan), [n, this.units]) as tf.Tensor2D);
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
    if (this.linActive()) {
      const l = this.pullLin().engine;
      if (x === this.gramX) return tf.tensor1d(l.outputs());
      const o = this.linOther(x);
      return tf.tensor1d(l.outputsAt(o.f0, o.kxT, o.nx));
    }
    if (this.gramFast) {
      const g = this.pullGram();
      if (x === this.gramX) return tf.tensor1d(g.outputs());
      return tf.tensor1d(g.outputsAt(this.other(x), this.cfg.width));
    }
    this.flush();
    const { a0, a1, e } = this.preacts(x);
    return this.outputs(a0, a1, false, e).f;
  }

  gdChain(x: tf.Tensor): number {
    if (x !== this.gramX || this.rank1 || !this.gramFast || this.linActive()) return 1;
    return this.pullGram().chunk;
  }

  gdSteps(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number, count: number): Float64Array {
    const chain = this.gdChain(x);
    if (count > chain) throw new RangeError(`TwoLayerModel.gdSteps: count must be at most gdChain(x) = ${chain}, got ${count}`);
    const losses = this.pullGram().steps(this.host.get(y), eta, lossScale, count);
    this.tfStale = true;
    return losses;
  }

  gdUndo(): void {
    this.pullGram().undo();
    this.tfStale = true;
  }

  gdStep(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number): number {
    if (this.gramX && x !== this.gramX) throw new Error('TwoLayerModel: Gram mode steps only on its bound training inputs');
    if (this.rank1) {
      const loss = this.pull().step(this.host.get(x), this.host.get(y), eta, lossScale);
      this.tfStale = true;
      return loss;
    }
    if (this.linActive()) {
      const loss = this.pullLin().engine.step(this.host.get(y), eta, lossScale);
      this.tfStale = true;
      return loss;
    }
    if (this.gramFast) {
      const loss = this.pullGram().steps(this.host.get(y), eta, lossScale, 1)[0]!;
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
    if (x === this.gramX && this.linActive()) {
      const n = this.gramX.shape[0];
      return tf.tensor2d(Float32Array.from(this.pullLin().k0), [n, n]);
    }
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
    if (x === this.gramX && this.linActive()) {
      // lin's tangent kernel is K0 at every step
      const l = this.pullLin();
      return (l.lambdaMax ??= denseLambdaMax(l.k0, this.gramX.shape[0]));
    }
    const k = this.kernel(x);
    const n = k.shape[0];
    const data = k.dataSync();
    k.dispose();
    return denseLambdaMax(data, n);
  }

  theta2(): number {
    if (this.linActive()) return this.pullLin().engine.theta2();
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
    if (this.linActive()) return this.pullLin().engine.distance();
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
    for (const o of this.others.values()) tf.dispose([o.gxT, ...(o.a0Tt ? [o.a0Tt] : [])]);
    this.gram?.dispose();
    this.others.clear();
    if (this.lin) tf.dispose([this.lin.gA, this.lin.P]);
    tf.dispose([this.v0, this.v]);
    if (this.W0t) this.W0t.dispose();
    if (this.W) this.W.dispose();
    if (this.A1) this.A1.dispose();
    if (this.C) this.C.dispose();
    if (this.Gs) this.Gs.dispose();
  }
}

/** The Gram fast path as TwoLayerModel drives it, whichever engine runs it (state row-major [n, m] in tensors). */
interface GramEngine {
  readonly kind: 'onnxruntime' | 'tfjs';
  load(A1: tf.Tensor, C: tf.Tensor, v: tf.Tensor): void;
  /** New tensors, the caller's to dispose. */
  state(): { A1: tf.Tensor2D; C: tf.Tensor2D; v: tf.Tensor1D };
  outputs(): Float32Array;
  outputsAt(o: OtherX, m: number): Float32Array;
  /** Steps one chained `steps` call takes (1: the engine does not chain). */
  readonly chunk: number;
  /** `count` ≤ chunk steps, the loss before each (chained when `count` = chunk). */
  steps(y: ArrayLike<number>, eta: number, c: number, count: number): Float64Array;
  /** Back to the state before the last chained `steps`. */
  undo(): void;
  dispose(): void;
}

function tfEngine(g: GramFc2): GramEngine {
  return {
    kind: 'tfjs',
    load: (A1, C, v) => g.load(A1, C, v),
    state: () => g.state(),
    outputs: () => g.outputs(),
    outputsAt: (o, m) => {
      o.a0Tt ??= tf.keep(tf.tensor2d(o.a0T, [m, o.nx]));
      return g.outputsAt(o.a0Tt, o.gxT);
    },
    // chunk 1: TwoLayerModel.gdSteps never asks for more than one step
    chunk: 1,
    steps: (y, eta, c) => Float64Array.of(g.step(y, eta, c)),
    undo: () => {
      throw new Error('the tfjs Gram engine cannot undo a step');
    },
    dispose: () => g.dispose(),
  };
}

function ortEngine(g: OrtGramFc2, n: number, m: number): GramEngine {
  /** Unit-major host copy [m, n] of a row-major [n, m] tensor. */
  const hostT = (t: tf.Tensor): Float32Array => {
    const tt = tf.transpose(t);
    const a = tt.dataSync() as Float32Array;
    tt.dispose();
    return a;
  };
  return {
    kind: 'onnxruntime',
    load: (A1, C, v) => g.load(hostT(A1), hostT(C), v.dataSync()),
    state: () => {
      const s = g.state();
      return tf.tidy(() => ({
        A1: tf.transpose(tf.tensor2d(s.A1T, [m, n])) as tf.Tensor2D,
        C: tf.transpose(tf.tensor2d(s.CT, [m, n])) as tf.Tensor2D,
        v: tf.tensor1d(s.v),
      }));
    },
    outputs: () => g.outputs(),
    outputsAt: (o) => g.outputsAt(o.host),
    get chunk() {
      return g.chunk;
    },
    steps: (y, eta, c, count) => g.steps(y, eta, c, count),
    undo: () => g.undo(),
    dispose: () => g.dispose(),
  };
}
