/**
 * Three-layer FC `f(x) = v·σ(W2ᵀσ(W1ᵀx/√d)/√m)/√m` (row convention: H1 =
 * σ(X W1/√d), H2 = σ(H1 W2/√m), f = H2 v/√m) and its lin/quad Taylor models
 * by order-0/1/2 jets through the forward pass (FIGURES.md):
 *
 *   linear layer W = W0 + Δ:  a0 = h0W0,  a1 = h1W0 + h0Δ,  a2 = h2W0 + h1Δ   (÷√fan)
 *   activation:               h0 = σ(a0), h1 = σ'(a0)a1,    h2 = σ'(a0)a2 + ½σ''(a0)a1²
 *
 * f_lin = f0 + f1, f_quad = f0 + f1 + f2 — never a Hessian. Order-0 terms
 * depend only on the data and w0 and are cached per input tensor. Gradients
 * are ordinary reverse mode through this forward pass (matMul with
 * explicit-transpose gradients); the tangent kernel comes in closed form
 * from "probe" gradients ∂f/∂a_{l,k} of the jets:
 *   K = Σ_l Σ_{j,k} (I_{l,j} I_{l,k}ᵀ) ⊙ (B_{l,j+1} B_{l,k+1}ᵀ) / fan_l,
 * where I_{l,j} is the order-j jet of layer l's input and B_{l,k} = ∂f/∂a_{l,k}
 * (for the net: K = Σ_l (B_l B_lᵀ) ⊙ (A_l A_lᵀ)).
 */
import * as tf from '@tensorflow/tfjs';
import type { Variant } from '../config/types.js';
import type { TrainableModel } from './model.js';
import { type Activation, mm, mv } from './ops.js';
import { denseLambdaMax } from './eig.js';

export interface ThreeLayerConfig {
  act: Activation;
  variant: Variant;
  d: number;
  m: number;
  w1: Float32Array;
  w2: Float32Array;
  v: Float32Array;
}

interface Order0 {
  x: tf.Tensor2D;
  h1: tf.Tensor2D;
  s1: tf.Tensor2D;
  q1: tf.Tensor2D | null;
  h2: tf.Tensor2D;
  s2: tf.Tensor2D;
  q2: tf.Tensor2D | null;
}

/** Layer inputs (jets) per layer, for the kernel. */
interface Inputs {
  /** [layer][order] — layer 0 = W1 (input x), 1 = W2, 2 = v. */
  I: tf.Tensor2D[][];
}

type Probes = [tf.Tensor2D, tf.Tensor2D | null, tf.Tensor2D, tf.Tensor2D | null];

export class ThreeLayerModel implements TrainableModel {
  readonly variables: readonly tf.Variable[];
  private readonly W1: tf.Variable;
  private readonly W2: tf.Variable;
  private readonly v: tf.Variable;
  private readonly W10: tf.Tensor2D;
  private readonly W20: tf.Tensor2D;
  private readonly v0: tf.Tensor1D;
  private readonly cache = new Map<tf.Tensor, Order0>();

  constructor(private readonly cfg: ThreeLayerConfig) {
    this.W10 = tf.keep(tf.tensor2d(cfg.w1, [cfg.d, cfg.m]));
    this.W20 = tf.keep(tf.tensor2d(cfg.w2, [cfg.m, cfg.m]));
    this.v0 = tf.keep(tf.tensor1d(cfg.v));
    this.W1 = tf.variable(this.W10, true);
    this.W2 = tf.variable(this.W20, true);
    this.v = tf.variable(this.v0, true);
    this.variables = [this.W1, this.W2, this.v];
  }

  private order0(x: tf.Tensor): Order0 {
    const hit = this.cache.get(x);
    if (hit) {
      this.cache.delete(x);
      this.cache.set(x, hit);
      return hit;
    }
    if (this.cache.size >= 4) {
      const [k, old] = this.cache.entries().next().value as [tf.Tensor, Order0];
      this.cache.delete(k);
      tf.dispose(Object.values(old).filter((t): t is tf.Tensor2D => t !== null));
    }
    const { act, d, m } = this.cfg;
    const o = tf.tidy((): tf.TensorContainer => {
      const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
      const a1 = tf.div(tf.matMul(x2, this.W10), Math.sqrt(d)) as tf.Tensor2D;
      const h1 = act.f(a1) as tf.Tensor2D;
      const a2 = tf.div(tf.matMul(h1, this.W20), Math.sqrt(m)) as tf.Tensor2D;
      return {
        x: x2,
        h1,
        s1: act.d1(a1) as tf.Tensor2D,
        q1: act.d2 ? (act.d2(a1) as tf.Tensor2D) : null,
        h2: act.f(a2) as tf.Tensor2D,
        s2: act.d1(a2) as tf.Tensor2D,
        q2: act.d2 ? (act.d2(a2) as tf.Tensor2D) : null,
      } as unknown as tf.TensorContainer;
    }) as unknown as Order0;
    for (const t of Object.values(o)) if (t) tf.keep(t as tf.Tensor);
    this.cache.set(x, o);
    return o;
  }

  /**
   * Forward pass of the variant; with `probes`, zero tensors added to the
   * pre-activation jets (net: a_l; lin/quad: a_{l,1}, a_{l,2}) so that
   * gradients with respect to them give ∂f/∂a.
   */
  private forward(x: tf.Tensor, probes?: Probes, inputs?: Inputs): tf.Tensor1D {
    const { act, d, m, variant } = this.cfg;
    const sd = Math.sqrt(d);
    const sm = Math.sqrt(m);
    const add = (a: tf.Tensor2D, p: tf.Tensor2D | null | undefined): tf.Tensor2D => (p ? (tf.add(a, p) as tf.Tensor2D) : a);
    const W1 = this.W1 as unknown as tf.Tensor2D;
    const W2 = this.W2 as unknown as tf.Tensor2D;
    const v = this.v as unknown as tf.Tensor1D;
    if (variant === 'net') {
      const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
      const a1 = add(tf.div(mm(x2, W1), sd) as tf.Tensor2D, probes?.[0]);
      const h1 = act.f(a1) as tf.Tensor2D;
      const a2 = add(tf.div(mm(h1, W2), sm) as tf.Tensor2D, probes?.[2]);
      const h2 = act.f(a2) as tf.Tensor2D;
      if (inputs) inputs.I = [[x2], [h1], [h2]];
      return tf.div(mv(h2, v), sm) as tf.Tensor1D;
    }
    const quad = variant === 'quad';
    const o = this.order0(x);
    const D1 = tf.sub(W1, this.W10) as tf.Tensor2D;
    const D2 = tf.sub(W2, this.W20) as tf.Tensor2D;
    const Dv = tf.sub(v, this.v0) as tf.Tensor1D;
    // layer 1: input x has no jet, so a1_2 = 0 (plus its probe)
    const a11 = add(tf.div(mm(o.x, D1), sd) as tf.Tensor2D, probes?.[0]);
    const h11 = tf.mul(o.s1, a11) as tf.Tensor2D;
    let h12: tf.Tensor2D | null = null;
    if (quad) {
      const a12 = probes?.[1] ?? null;
      h12 = a12 ? (tf.mul(o.s1, a12) as tf.Tensor2D) : null;
      if (o.q1) {
        const c = tf.mul(tf.mul(o.q1, tf.square(a11)), 0.5) as tf.Tensor2D;
        h12 = h12 ? (tf.add(h12, c) as tf.Tensor2D) : c;
      }
    }
    // layer 2
    const a21 = add(tf.div(tf.add(mm(h11, this.W20), mm(o.h1, D2)), sm) as tf.Tensor2D, probes?.[2]);
    let a22: tf.Tensor2D | null = null;
    if (quad) {
      let t = mm(h11, D2);
      if (h12) t = tf.add(t, mm(h12, this.W20)) as tf.Tensor2D;
      a22 = add(tf.div(t, sm) as tf.Tensor2D, probes?.[3]);
    }
    const h21 = tf.mul(o.s2, a21) as tf.Tensor2D;
    let h22: tf.Tensor2D | null = null;
    if (quad) {
      h22 = tf.mul(o.s2, a22!) as tf.Tensor2D;
      if (o.q2) h22 = tf.add(h22, tf.mul(tf.mul(o.q2, tf.square(a21)), 0.5)) as tf.Tensor2D;
    }
    if (inputs) inputs.I = [[o.x], [o.h1, h11], [o.h2, h21]];
    // output: f0 + f1 (+ f2)
    let f = tf.add(tf.add(mv(o.h2, this.v0), mv(h21, this.v0)), mv(o.h2, Dv));
    if (quad) f = tf.add(f, tf.add(mv(h22!, this.v0), mv(h21, Dv)));
    return tf.div(f, sm) as tf.Tensor1D;
  }

  predict(x: tf.Tensor): tf.Tensor1D {
    return this.forward(x);
  }

  kernel(x: tf.Tensor): tf.Tensor2D {
    const { d, m, variant } = this.cfg;
    return tf.tidy(() => {
      const n = (tf.reshape(x, [-1, d]) as tf.Tensor2D).shape[0];
      const inputs: Inputs = { I: [] };
      this.forward(x, undefined, inputs);
      const z = (): tf.Tensor2D => tf.zeros([n, m]);
      const quad = variant === 'quad';
      const net = variant === 'net';
      const probes: tf.Tensor2D[] = net || !quad ? [z(), z()] : [z(), z(), z(), z()];
      const g = tf.grads((...ps: tf.Tensor[]) => {
        const pr: Probes = net || !quad ? [ps[0] as tf.Tensor2D, null, ps[1] as tf.Tensor2D, null] : (ps as Probes);
        return tf.sum(this.forward(x, pr));
      })(probes) as tf.Tensor2D[];
      // B[l][k]: ∂f/∂a_{l, k+1}; the read-out "pre-activation" is f itself (B = 1).
      const B: tf.Tensor2D[][] = net || !quad ? [[g[0]!], [g[1]!]] : [[g[0]!, g[1]!], [g[2]!, g[3]!]];
      const ones = tf.ones([n, 1]) as tf.Tensor2D;
      B.push(quad ? [ones, ones] : [ones]);
      const fans = [d, m, m];
      const gram = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, tf.transpose(b));
      let K = tf.zeros([n, n]) as tf.Tensor2D;
      for (let l = 0; l < 3; l++) {
        const I = inputs.I[l]!;
        const Bl = B[l]!;
        for (let j = 0; j < I.length; j++) {
          for (let k = 0; k < I.length; k++) {
            if (j >= Bl.length || k >= Bl.length) continue;
            const term = tf.mul(gram(I[j]!, I[k]!), gram(Bl[j]!, Bl[k]!));
            K = tf.add(K, tf.div(term, fans[l]!)) as tf.Tensor2D;
          }
        }
      }
      return K;
    });
  }

  kernelMax(x: tf.Tensor): number {
    const k = this.kernel(x);
    const data = k.dataSync();
    const n = k.shape[0];
    k.dispose();
    return denseLambdaMax(data, n);
  }

  sparsity(x: tf.Tensor): number[] {
    if (!this.cfg.act.piecewiseLinear) return [];
    const { d, m } = this.cfg;
    return tf.tidy(() => {
      // pre-activations of the network at the current weights
      const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
      const a1 = tf.div(tf.matMul(x2, this.W1), Math.sqrt(d));
      const a2 = tf.div(tf.matMul(this.cfg.act.f(a1) as tf.Tensor2D, this.W2), Math.sqrt(m));
      const frac = (a: tf.Tensor): number => tf.mean(tf.cast(tf.less(a, 0), 'float32')).dataSync()[0]!;
      return [frac(a1), frac(a2)];
    });
  }

  dispose(): void {
    for (const o of this.cache.values()) tf.dispose(Object.values(o).filter((t): t is tf.Tensor2D => t !== null));
    this.cache.clear();
    tf.dispose([this.W10, this.W20, this.v0, this.W1, this.W2, this.v]);
  }
}
