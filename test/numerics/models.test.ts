import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec, Variant } from '../../src/config/types.js';
import { initBackend } from '../../src/numerics/backend.js';
import { type NetworkSpec, buildNetwork } from '../../src/numerics/build.js';
import type { TrainableModel } from '../../src/numerics/model.js';
import { Rng } from '../../src/numerics/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function build(spec: NetworkSpec, variant: Variant, shape: number[], seed = 1, gramX?: tf.Tensor2D): TrainableModel {
  const r = buildNetwork(spec, variant, shape, seed, gramX ? { gramX } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Move every variable by t·Δ (Δ from the RNG, fixed per variable index). */
function shift(model: TrainableModel, t: number, seed = 9): void {
  model.variables.forEach((v, i) => {
    const d = tf.tensor(new Rng(seed, `delta/${i}`).normal32(v.size), v.shape);
    v.assign(tf.add(v, tf.mul(d, t)));
    d.dispose();
  });
}

const out = (m: TrainableModel, x: tf.Tensor): Float32Array => tf.tidy(() => m.predict(x).dataSync() as Float32Array);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]! - b[i]!));
  return s;
};

describe('two-layer FC: lin/quad equal Zhu Appendix A closed form', () => {
  const d = 6;
  const m = 50;
  const n = 7;
  const xs = new Rng(3, 'x').normal32(n * d);
  for (const variant of ['lin', 'quad'] as const) {
    it(`${variant}`, () => {
      const spec: ModelSpec = { arch: 'fc2', width: m, activation: 'relu' };
      const model = build(spec, variant, [d]);
      const x = tf.tensor2d(xs, [n, d]);
      shift(model, 0.3);
      const got = out(model, x);
      // closed form in float64: u0 = W1 columns, v0; Δu, Δv
      const W0 = new Rng(1, 'init').fork('W1').normal(d * m);
      const v0 = new Rng(1, 'init').fork('v').normal(m);
      const dW = new Rng(9, 'delta/0').normal32(d * m).map((z) => z * 0.3);
      const dv = new Rng(9, 'delta/1').normal32(m).map((z) => z * 0.3);
      for (let k = 0; k < n; k++) {
        let f = 0;
        for (let i = 0; i < m; i++) {
          let u0x = 0;
          let dux = 0;
          for (let j = 0; j < d; j++) {
            // weights are [d, m]: column i is unit i
            u0x += W0[j * m + i]! * xs[k * d + j]!;
            dux += dW[j * m + i]! * xs[k * d + j]!;
          }
          const on = u0x >= 0 ? 1 : 0;
          f += (v0[i]! * Math.max(u0x, 0)) / Math.sqrt(m * d); // f(u0, v0; x)
          f += (v0[i]! * dux * on) / Math.sqrt(m * d);
          f += (dv[i]! * Math.max(u0x / Math.sqrt(d), 0)) / Math.sqrt(m);
          if (variant === 'quad') f += (dux * on * dv[i]!) / Math.sqrt(m * d);
        }
        expect(Math.abs(got[k]! - f)).toBeLessThan(2e-5 * Math.max(1, Math.abs(f)));
      }
      x.dispose();
      model.dispose();
    });
  }
});

/**
 * Taylor check: with w = w0 + tΔ, |f(w) − f_lin(w)| = O(t²) and
 * |f(w) − f_quad(w)| = O(t³); halving t divides the errors by ~4 and ~8.
 */
function taylorRatios(spec: NetworkSpec, shape: number[], n: number): { lin: number; quad: number } {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(new Rng(5, 'x').normal32(n * size), [n, ...shape]);
  const err = (variant: Variant, t: number): number => {
    const net = build(spec, 'net', shape);
    const mod = build(spec, variant, shape);
    shift(net, t);
    shift(mod, t);
    const e = maxAbs(out(net, x), out(mod, x));
    net.dispose();
    mod.dispose();
    return e;
  };
  const t = 0.2;
  const r = { lin: err('lin', t) / err('lin', t / 2), quad: err('quad', t) / err('quad', t / 2) };
  x.dispose();
  return r;
}

describe('jets agree with the Taylor expansion of the network', () => {
  const cases: Array<[string, NetworkSpec, number[]]> = [
    ['fc2 tanh', { arch: 'fc2', width: 16, activation: 'tanh' }, [4]],
    ['fc2 swish', { arch: 'fc2', width: 16, activation: 'swish' }, [4]],
    ['fc3 tanh', { arch: 'fc3', width: 12, activation: 'tanh' }, [4]],
    ['fc3 swish', { arch: 'fc3', width: 12, activation: 'swish' }, [4]],
    ['cnn2 tanh', { arch: 'cnn2', channels: 3, kernel: 3, activation: 'tanh' }, [4, 4, 2]],
    ['cnn2 swish', { arch: 'cnn2', channels: 3, kernel: 3, activation: 'swish' }, [4, 4, 2]],
  ];
  for (const [name, spec, shape] of cases) {
    it(name, () => {
      const r = taylorRatios(spec, shape, 5);
      expect(r.lin).toBeGreaterThan(3.2);
      expect(r.lin).toBeLessThan(5);
      expect(r.quad).toBeGreaterThan(6);
      expect(r.quad).toBeLessThan(10.5);
    });
  }

  it('for ReLU with frozen masks the quad model of a 3-layer net is exact for a first-layer-only or readout-only move (no O(t³) left)', () => {
    // along Δ only in v, f is linear in v: net = lin = quad exactly
    const spec: NetworkSpec = { arch: 'fc3', width: 10, activation: 'relu' };
    const x = tf.tensor(new Rng(5, 'x').normal32(3 * 4), [3, 4]);
    const net = build(spec, 'net', [4]);
    const quad = build(spec, 'quad', [4]);
    for (const mdl of [net, quad]) {
      const v = mdl.variables[2]!;
      v.assign(tf.add(v, tf.tensor(new Rng(2, 'dv').normal32(v.size))));
    }
    expect(maxAbs(out(net, x), out(quad, x))).toBeLessThan(1e-5);
    net.dispose();
    quad.dispose();
    x.dispose();
  });
});

/** J Jᵀ with J from reverse-mode autodiff, one example at a time. */
function autodiffKernel(model: TrainableModel, x: tf.Tensor, n: number): number[][] {
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.slice(model.predict(x), [i], [1])) as tf.Scalar, model.variables as tf.Variable[]);
      return tf.concat(model.variables.map((v) => tf.reshape(grads[v.name]!, [-1])));
    });
    rows.push(g.dataSync() as Float32Array);
    g.dispose();
  }
  return rows.map((a) => rows.map((b) => a.reduce((s, ai, k) => s + ai * b[k]!, 0)));
}

describe('closed-form tangent kernels equal J Jᵀ from autodiff', () => {
  const cases: Array<[string, NetworkSpec, number[], Variant]> = [
    ['fc2 relu net', { arch: 'fc2', width: 20, activation: 'relu' }, [5], 'net'],
    ['fc2 tanh quad', { arch: 'fc2', width: 20, activation: 'tanh' }, [5], 'quad'],
    ['fc2 swish lin', { arch: 'fc2', width: 20, activation: 'swish' }, [5], 'lin'],
    ['fc3 relu net', { arch: 'fc3', width: 12, activation: 'relu' }, [5], 'net'],
    ['fc3 tanh lin', { arch: 'fc3', width: 12, activation: 'tanh' }, [5], 'lin'],
    ['fc3 swish quad', { arch: 'fc3', width: 12, activation: 'swish' }, [5], 'quad'],
    ['cnn2 relu net', { arch: 'cnn2', channels: 3, kernel: 3, activation: 'relu' }, [4, 4, 2], 'net'],
    ['cnn2 tanh quad', { arch: 'cnn2', channels: 3, kernel: 3, activation: 'tanh' }, [4, 4, 2], 'quad'],
  ];
  for (const [name, spec, shape, variant] of cases) {
    it(name, () => {
      const n = 4;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(new Rng(6, 'x').normal32(n * size), [n, ...shape]);
      const model = build(spec, variant, shape);
      shift(model, 0.3); // away from w0 so lin/quad/net kernels differ
      const K = model.kernel!(x);
      const kc = K.arraySync() as number[][];
      K.dispose();
      const ka = autodiffKernel(model, x, n);
      const scale = Math.max(...ka.flat().map(Math.abs));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(kc[i]![j]! - ka[i]![j]!)).toBeLessThan(1e-4 * scale);
      // λmax of the kernel
      const lm = model.kernelMax(x);
      expect(lm).toBeGreaterThan(0);
      expect(lm).toBeLessThanOrEqual(kc.reduce((s, r, i) => s + r[i]!, 0) * (1 + 1e-6));
      model.dispose();
      x.dispose();
    });
  }
});

describe('hand-derived GD step equals the reverse-mode gradient step', () => {
  for (const [spec, variant, shape] of [
    [{ arch: 'fc2', width: 16, activation: 'tanh' }, 'quad', [5]],
    [{ arch: 'fc2', width: 16, activation: 'relu' }, 'net', [5]],
    [{ arch: 'cnn2', channels: 2, kernel: 3, activation: 'swish' }, 'quad', [3, 3, 2]],
  ] as Array<[NetworkSpec, Variant, number[]]>) {
    it(`${spec.arch} ${spec.activation} ${variant}`, () => {
      const n = 6;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(new Rng(2, 'x').normal32(n * size), [n, ...shape]);
      const y = tf.tensor1d(new Rng(2, 'y').normal32(n));
      const a = build(spec, variant, shape);
      const b = build(spec, variant, shape);
      shift(a, 0.2);
      shift(b, 0.2);
      const c = 0.25;
      const eta = 0.1;
      const la = a.gdStep!(x, y, eta, c);
      const lb = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mul(tf.sum(tf.square(tf.sub(b.predict(x), y))), c) as tf.Scalar,
          b.variables as tf.Variable[],
        );
        for (const v of b.variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, eta)));
        return value.dataSync()[0]!;
      });
      expect(la).toBeCloseTo(lb, 4);
      a.variables.forEach((va, i) => {
        expect(maxAbs(va.dataSync(), b.variables[i]!.dataSync())).toBeLessThan(1e-5);
      });
      tf.dispose([x, y]);
      a.dispose();
      b.dispose();
    });
  }
});

describe('Gram-matrix update (FC2, d > n) equals the naive update', () => {
  for (const variant of ['net', 'lin', 'quad'] as const) {
    it(variant, () => {
      const n = 8;
      const d = 40;
      const spec: NetworkSpec = { arch: 'fc2', width: 30, activation: 'relu' };
      const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
      const xt = tf.tensor2d(new Rng(4, 'xt').normal32(5 * d), [5, d]);
      const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
      const naive = build(spec, variant, [d]);
      const gram = build(spec, variant, [d], 1, x);
      const eta = 2;
      for (let t = 0; t < 30; t++) {
        const l1 = naive.gdStep!(x, y, eta, 1 / n);
        const l2 = gram.gdStep!(x, y, eta, 1 / n);
        expect(Math.abs(l1 - l2)).toBeLessThan(1e-5 * Math.max(1, l1));
      }
      expect(maxAbs(out(naive, xt), out(gram, xt))).toBeLessThan(1e-4);
      expect(gram.theta2!()).toBeCloseTo(naive.theta2!(), 0);
      expect(Math.abs(gram.theta2!() - naive.theta2!()) / naive.theta2!()).toBeLessThan(1e-5);
      expect(Math.abs(gram.distance!() - naive.distance!()) / naive.distance!()).toBeLessThan(1e-4);
      expect(naive.distance!()).toBeGreaterThan(0.01);
      const k1 = naive.kernelMax(x);
      expect(Math.abs(gram.kernelMax(x) - k1) / k1).toBeLessThan(1e-4);
      naive.dispose();
      gram.dispose();
      tf.dispose([x, xt, y]);
    });
  }
});
