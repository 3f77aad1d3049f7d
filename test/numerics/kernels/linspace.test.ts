import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivationName } from '../../../src/config/types.js';
import { initBackend } from '../../../src/numerics/backend.js';
import { LinSpace } from '../../../src/numerics/kernels/linspace.js';
import { activation } from '../../../src/numerics/ops.js';
import { Rng } from '../../../src/numerics/rng.js';
import { TwoLayerModel } from '../../../src/numerics/twolayer.js';
import { gramFc2, maxRel, rel } from './compare.js';

beforeAll(async () => {
  await initBackend('wasm');
});


describe('LinSpace: GD on a linear model in example space', () => {
  it('matches weight-space GD on an explicit Jacobian (outputs, other inputs, θ², ‖θ−θ0‖)', () => {
    const n = 6;
    const p = 9;
    const nx = 4;
    const r = new Rng(3, 'lin');
    const J = r.fork('J').normal(n * p);
    const Jx = r.fork('Jx').normal(nx * p);
    const th0 = r.fork('t').normal(p);
    const f0 = r.fork('f0').normal(n);
    const f0x = r.fork('f0x').normal(nx);
    const y = r.fork('y').normal(n);
    const dot = (a: Float64Array, i: number, b: Float64Array, j: number): number => {
      let s = 0;
      for (let k = 0; k < p; k++) s += a[i * p + k]! * b[j * p + k]!;
      return s;
    };
    const k0 = new Float64Array(n * n);
    const j0theta0 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) k0[i * n + j] = dot(J, i, J, j);
      for (let k = 0; k < p; k++) j0theta0[i] = j0theta0[i]! + J[i * p + k]! * th0[k]!;
    }
    const kxT = new Float64Array(n * nx);
    for (let i = 0; i < n; i++) for (let j = 0; j < nx; j++) kxT[i * nx + j] = dot(J, i, Jx, j);
    let th0sq = 0;
    for (const t of th0) th0sq += t * t;
    const eng = new LinSpace({ n, k0, f0, j0theta0, theta0sq: th0sq });
    // weight space
    const th = Float64Array.from(th0);
    const out = (Jm: Float64Array, base: Float64Array, rows: number): Float64Array =>
      Float64Array.from({ length: rows }, (_, i) => {
        let s = base[i]!;
        for (let k = 0; k < p; k++) s += Jm[i * p + k]! * (th[k]! - th0[k]!);
        return s;
      });
    const eta = 0.05;
    const c = 1 / n;
    for (let t = 0; t < 30; t++) {
      const u = out(J, f0, n);
      let loss = 0;
      const g = new Float64Array(p);
      for (let i = 0; i < n; i++) {
        loss += c * (u[i]! - y[i]!) ** 2;
        for (let k = 0; k < p; k++) g[k] = g[k]! + 2 * c * (u[i]! - y[i]!) * J[i * p + k]!;
      }
      expect(rel(eng.step(y, eta, c), loss)).toBeLessThan(1e-10);
      for (let k = 0; k < p; k++) th[k] = th[k]! - eta * g[k]!;
    }
    expect(maxRel(eng.outputs(), out(J, f0, n))).toBeLessThan(1e-6);
    expect(maxRel(eng.outputsAt(f0x, kxT, nx), out(Jx, f0x, nx))).toBeLessThan(1e-6);
    let t2 = 0;
    let d2 = 0;
    for (let k = 0; k < p; k++) {
      t2 += th[k]! ** 2;
      d2 += (th[k]! - th0[k]!) ** 2;
    }
    expect(rel(eng.theta2(), t2)).toBeLessThan(1e-10);
    expect(rel(eng.distance(), Math.sqrt(d2))).toBeLessThan(1e-10);
    expect(d2).toBeGreaterThan(1e-4);
  });
});

const n = 10;
const d = 30;
const m = 40;
const model = (act: ActivationName, x: tf.Tensor2D, fast: boolean, slopes?: [number, number]): TwoLayerModel =>
  gramFc2({ act, ...(slopes ? { slopes } : {}), variant: 'lin', seed: 11, d, m }, x, fast);

describe('two-layer FC lin in example space equals the tensor Gram path', () => {
  for (const [act, slopes] of [['relu', undefined], ['homogeneous', [1.3, -0.2]], ['tanh', undefined], ['swish', undefined]] as const) {
    it(act, () => {
      const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
      const xt = tf.tensor2d(new Rng(4, 'xt').normal32(7 * d), [7, d]);
      const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
      const fast = model(act, x, true, slopes as [number, number] | undefined);
      const slow = model(act, x, false, slopes as [number, number] | undefined);
      expect(rel(fast.kernelMax(x), slow.kernelMax(x))).toBeLessThan(1e-5);
      for (let t = 0; t < 30; t++) {
        const lf = fast.gdStep(x, y, 1.2, 1 / n);
        const ls = slow.gdStep(x, y, 1.2, 1 / n);
        expect(Math.abs(lf - ls)).toBeLessThan(1e-5 * Math.max(1, ls));
      }
      const pf = (mdl: TwoLayerModel, z: tf.Tensor): Float32Array => tf.tidy(() => mdl.predict(z).dataSync() as Float32Array);
      expect(maxRel(pf(fast, x), pf(slow, x))).toBeLessThan(1e-4);
      expect(maxRel(pf(fast, xt), pf(slow, xt))).toBeLessThan(1e-4);
      expect(rel(fast.theta2(), slow.theta2())).toBeLessThan(1e-5);
      expect(slow.distance()).toBeGreaterThan(1e-3);
      expect(rel(fast.distance(), slow.distance())).toBeLessThan(1e-4);
      // lin's kernel is K0 at every step
      expect(rel(fast.kernelMax(x), slow.kernelMax(x))).toBeLessThan(1e-5);
      expect(fast.sparsity(x)).toEqual(slow.sparsity(x));
      // handing out the variables materialises θ = θ0 − J0ᵀR; later steps continue in weight space
      fast.variables.forEach((v, i) => expect(maxRel(v.dataSync(), slow.variables[i]!.dataSync())).toBeLessThan(1e-4));
      for (let t = 0; t < 5; t++) {
        const lf = fast.gdStep(x, y, 1.2, 1 / n);
        const ls = slow.gdStep(x, y, 1.2, 1 / n);
        expect(Math.abs(lf - ls)).toBeLessThan(1e-5 * Math.max(1, ls));
      }
      expect(maxRel(pf(fast, xt), pf(slow, xt))).toBeLessThan(1e-4);
      fast.dispose();
      slow.dispose();
      tf.dispose([x, xt, y]);
    });
  }
});
