/**
 * Tensor building blocks shared by the models: activations with their first
 * two derivatives (the jets need σ, σ', σ''), and a matMul whose gradient uses
 * explicit transposes.
 *
 * Why a custom matMul gradient: on the wasm backend `matMul` with
 * transposeA/transposeB is 10–40× slower than transposing first, and the
 * built-in matMul gradient takes exactly that slow path.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName } from '../config/types.js';

export interface Activation {
  name: ActivationName;
  f(x: tf.Tensor): tf.Tensor;
  /** σ'(x). For ReLU the convention is 1 at x = 0 (Zhu's 1{uᵀx ≥ 0}). */
  d1(x: tf.Tensor): tf.Tensor;
  /** σ''(x), or null when it vanishes identically (piecewise linear σ): the jets then skip the term. */
  d2: ((x: tf.Tensor) => tf.Tensor) | null;
  /** Whether "inactive unit" (pre-activation < 0) is meaningful for sparsity. */
  piecewiseLinear: boolean;
  /**
   * (a₊, a₋) when σ(x) = a₊x for x ≥ 0 and a₋x below (ReLU, homogeneous,
   * identity), else null. The fast kernels (./kernels) use it: such σ is
   * fixed by two numbers, σ(x) = σ'(x)·x, and σ'' = 0.
   */
  slopes: [number, number] | null;
  /**
   * σ, σ', σ'' on plain numbers, for the host kernels (./kernels), which fuse
   * the elementwise work of a step into a few loops over Float32Arrays
   * instead of a dozen tensor ops.
   */
  scalar: ScalarActivation;
}

/** σ and its first two derivatives on plain numbers. */
export interface ScalarActivation {
  f(x: number): number;
  d1(x: number): number;
  d2(x: number): number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The scalar σ of a piecewise-linear activation with slopes (a₊, a₋); σ'(0) = a₊ as in `mask`. */
const piecewise = (ap: number, am: number): ScalarActivation => ({
  f: (x) => (x >= 0 ? ap : am) * x,
  d1: (x) => (x >= 0 ? ap : am),
  d2: () => 0,
});

const TANH: ScalarActivation = {
  f: Math.tanh,
  d1: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
  d2: (x) => {
    const t = Math.tanh(x);
    return -2 * t * (1 - t * t);
  },
};

const SWISH: ScalarActivation = {
  f: (x) => x * sigmoid(x),
  d1: (x) => {
    const s = sigmoid(x);
    return s + x * s * (1 - s);
  },
  d2: (x) => {
    const s = sigmoid(x);
    return s * (1 - s) * (2 + x * (1 - 2 * s));
  },
};

const mask = (x: tf.Tensor): tf.Tensor => tf.cast(tf.greaterEqual(x, 0), 'float32');

export function activation(name: ActivationName, slopes?: [number, number]): Activation {
  switch (name) {
    case 'relu':
      return { name, f: (x) => tf.relu(x), d1: mask, d2: null, piecewiseLinear: true, slopes: [1, 0], scalar: piecewise(1, 0) };
    case 'homogeneous': {
      const [ap, am] = slopes ?? [1, 1];
      const d1 = (x: tf.Tensor): tf.Tensor => tf.add(tf.mul(mask(x), ap - am), am);
      return { name, f: (x) => tf.mul(x, d1(x)), d1, d2: null, piecewiseLinear: true, slopes: [ap, am], scalar: piecewise(ap, am) };
    }
    case 'identity':
      return { name, f: (x) => tf.clone(x), d1: (x) => tf.onesLike(x), d2: null, piecewiseLinear: false, slopes: [1, 1], scalar: piecewise(1, 1) };
    case 'tanh':
      return {
        name,
        f: (x) => tf.tanh(x),
        d1: (x) => tf.sub(1, tf.square(tf.tanh(x))),
        d2: (x) => {
          const t = tf.tanh(x);
          return tf.mul(tf.mul(t, -2), tf.sub(1, tf.square(t)));
        },
        piecewiseLinear: false,
        slopes: null,
        scalar: TANH,
      };
    case 'swish':
      return {
        name,
        f: (x) => tf.mul(x, tf.sigmoid(x)),
        d1: (x) => {
          const s = tf.sigmoid(x);
          return tf.add(s, tf.mul(tf.mul(x, s), tf.sub(1, s)));
        },
        d2: (x) => {
          const s = tf.sigmoid(x);
          return tf.mul(tf.mul(s, tf.sub(1, s)), tf.add(2, tf.mul(x, tf.sub(1, tf.mul(s, 2)))));
        },
        piecewiseLinear: false,
        slopes: null,
        scalar: SWISH,
      };
  }
}

/** a @ b with a reverse-mode gradient that transposes explicitly (fast on wasm). */
export const mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
}) as never) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Matrix–vector product h[n,u]·v[u] → [n] without transposes. */
export function mv(h: tf.Tensor2D, v: tf.Tensor1D): tf.Tensor1D {
  return tf.reshape(mm(h, tf.reshape(v, [-1, 1]) as tf.Tensor2D), [-1]) as tf.Tensor1D;
}

/** rᵀ·P for r[n], P[n,u] → [u] without transposes. */
export function vm(r: tf.Tensor1D, p: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.reshape(r, [1, -1]) as tf.Tensor2D, p), [-1]) as tf.Tensor1D;
}

/**
 * im2col for a k×k 'same' convolution with stride 1: x [n,H,W,C] →
 * rows [n·H·W, k·k·C], column order (a, b, c) matching a filter of shape
 * [k, k, C, Cout] reshaped to [k·k·C, Cout]. With the data fixed, the
 * convolution becomes a matMul whose weight gradient is rowsᵀ·dA — no
 * Conv2DBackpropFilter (which wasm lacks) needed.
 */
export function im2col(x: tf.Tensor4D, k: number): tf.Tensor2D {
  const [n, H, W, C] = x.shape;
  const p = (k - 1) / 2;
  const xp = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
  const slices: tf.Tensor[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) slices.push(tf.slice(xp, [0, a, b, 0], [n, H, W, C]));
  return tf.reshape(tf.stack(slices, 3), [n * H * W, k * k * C]) as tf.Tensor2D;
}
