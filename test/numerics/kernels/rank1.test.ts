import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivationName, Variant } from '../../../src/config/types.js';
import { initBackend } from '../../../src/numerics/backend.js';
import { activation } from '../../../src/numerics/ops.js';
import { Rng } from '../../../src/numerics/rng.js';
import { TwoLayerModel } from '../../../src/numerics/twolayer.js';
import { maxRel, rel } from './compare.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const m = 300;
function model(variant: Variant, act: ActivationName, fast: boolean, slopes?: [number, number]): TwoLayerModel {
  const r = new Rng(7, 'init');
  return new TwoLayerModel({
    kind: 'fc2',
    act: activation(act, slopes),
    variant,
    w0: r.fork('W1').normal32(m),
    fan: 1,
    width: m,
    v0: r.fork('v').normal32(m),
    positions: 1,
    rows: (x) => tf.reshape(x, [-1, 1]) as tf.Tensor2D,
    fast,
  });
}


describe('rank-1 kernel (fc2, d = 1, piecewise-linear σ) equals the tensor path', () => {
  // 1-D data with both signs and an exact zero
  const n = 24;
  const xs = new Rng(3, 'x').normal32(n).map((z, i) => (i === 5 ? 0 : z + (i % 2 ? 2 : -2)));
  const ys = Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1));
  const cases: Array<[ActivationName, [number, number] | undefined]> = [
    ['relu', undefined],
    ['homogeneous', [1.5, -0.4]],
    ['identity', undefined],
  ];
  for (const [act, slopes] of cases) {
    for (const variant of ['net', 'lin', 'quad'] as const) {
      it(`${act} ${variant}: losses, weights, outputs and kernels over 40 GD steps`, () => {
        const x = tf.tensor2d(xs, [n, 1]);
        const y = tf.tensor1d(ys);
        const fast = model(variant, act, true, slopes);
        const slow = model(variant, act, false, slopes);
        const c = 1 / n;
        const K0 = slow.kernelMax(x);
        const eta = 1.2 / (2 * c * K0); // below the 2/λ edge, large enough to move
        for (let t = 0; t < 40; t++) {
          const lf = fast.gdStep(x, y, eta, c);
          const ls = slow.gdStep(x, y, eta, c);
          expect(rel(lf, ls)).toBeLessThan(1e-4);
        }
        // the host state reaches the variables (flush) and equals the tensor path
        fast.variables.forEach((v, i) => expect(maxRel(v.dataSync(), slow.variables[i]!.dataSync())).toBeLessThan(1e-4));
        expect(maxRel(tf.tidy(() => fast.predict(x).dataSync()), tf.tidy(() => slow.predict(x).dataSync()))).toBeLessThan(1e-4);
        const kf = fast.kernel(x);
        const ks = slow.kernel(x);
        expect(maxRel(kf.dataSync(), ks.dataSync())).toBeLessThan(1e-4);
        tf.dispose([kf, ks]);
        expect(rel(fast.kernelMax(x), slow.kernelMax(x))).toBeLessThan(1e-4);
        expect(rel(fast.theta2(), slow.theta2())).toBeLessThan(1e-5);
        expect(rel(fast.distance(), slow.distance())).toBeLessThan(1e-4);
        expect(fast.distance()).toBeGreaterThan(1e-3);
        fast.dispose();
        slow.dispose();
        tf.dispose([x, y]);
      });
    }
  }

  it('variables assigned from outside are picked up by the next host step', () => {
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor1d(ys);
    const fast = model('quad', 'relu', true);
    const slow = model('quad', 'relu', false);
    fast.gdStep(x, y, 0.1, 1 / n);
    slow.gdStep(x, y, 0.1, 1 / n);
    for (const mdl of [fast, slow]) {
      const v = mdl.variables[1]!;
      v.assign(tf.tidy(() => tf.add(v, 0.25)));
    }
    const lf = fast.gdStep(x, y, 0.1, 1 / n);
    const ls = slow.gdStep(x, y, 0.1, 1 / n);
    expect(rel(lf, ls)).toBeLessThan(1e-5);
    fast.dispose();
    slow.dispose();
    tf.dispose([x, y]);
  });
});
