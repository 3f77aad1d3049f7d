import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Variant } from '../../../src/config/types.js';
import { initBackend } from '../../../src/numerics/backend.js';
import { activation } from '../../../src/numerics/ops.js';
import { Rng } from '../../../src/numerics/rng.js';
import { TwoLayerModel } from '../../../src/numerics/twolayer.js';
import { gramFc2, maxRel } from './compare.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const n = 10;
const d = 30;
const m = 40;

const model = (variant: Variant, x: tf.Tensor2D, fast: boolean): TwoLayerModel =>
  gramFc2({ act: 'homogeneous', slopes: [1.3, -0.2], variant, seed: 5, d, m }, x, fast);


describe('fused Gram-matrix kernel equals the tensor Gram path (homogeneous σ)', () => {
  for (const variant of ['net', 'lin', 'quad'] as const) {
    it(variant, () => {
      const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
      const xt = tf.tensor2d(new Rng(4, 'xt').normal32(6 * d), [6, d]);
      const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
      const fast = model(variant, x, true);
      const slow = model(variant, x, false);
      for (let t = 0; t < 25; t++) {
        if (t === 12) {
          // an outside assignment reaches the host state
          for (const mdl of [fast, slow]) {
            const v = mdl.variables[1]!;
            v.assign(tf.tidy(() => tf.mul(v, 0.9)));
          }
        }
        const lf = fast.gdStep(x, y, 1.5, 1 / n);
        const ls = slow.gdStep(x, y, 1.5, 1 / n);
        expect(Math.abs(lf - ls)).toBeLessThan(1e-5 * Math.max(1, ls));
      }
      const of = tf.tidy(() => fast.predict(xt).dataSync());
      const os = tf.tidy(() => slow.predict(xt).dataSync());
      expect(maxRel(of, os)).toBeLessThan(1e-4);
      const tr = tf.tidy(() => fast.predict(x).dataSync());
      expect(maxRel(tr, tf.tidy(() => slow.predict(x).dataSync()))).toBeLessThan(1e-4);
      expect(Math.abs(fast.theta2() - slow.theta2()) / slow.theta2()).toBeLessThan(1e-5);
      expect(Math.abs(fast.distance() - slow.distance()) / slow.distance()).toBeLessThan(1e-4);
      fast.variables.forEach((v, i) => expect(maxRel(v.dataSync(), slow.variables[i]!.dataSync())).toBeLessThan(1e-4));
      fast.dispose();
      slow.dispose();
      tf.dispose([x, xt, y]);
    });
  }
});

describe('fused Gram-matrix kernel with smooth σ equals the tensor Gram path', () => {
  const mk = (act: 'tanh' | 'swish', variant: Variant, x: tf.Tensor2D, fast: boolean): TwoLayerModel =>
    gramFc2({ act, variant, seed: 5, d, m }, x, fast);

  for (const act of ['tanh', 'swish'] as const) {
    for (const variant of ['net', 'quad'] as const) {
      it(`${act} ${variant}`, () => {
        const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
        const xt = tf.tensor2d(new Rng(4, 'xt').normal32(6 * d), [6, d]);
        const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
        const fast = mk(act, variant, x, true);
        const slow = mk(act, variant, x, false);
        for (let t = 0; t < 25; t++) {
          const lf = fast.gdStep(x, y, 1.5, 1 / n);
          const ls = slow.gdStep(x, y, 1.5, 1 / n);
          expect(Math.abs(lf - ls)).toBeLessThan(1e-5 * Math.max(1, ls));
        }
        // the run moved: the loss dropped
        expect(fast.gdStep(x, y, 0, 1 / n)).toBeLessThan(0.9 * tf.tidy(() => tf.mean(tf.square(y)).dataSync()[0]!));
        const of = tf.tidy(() => fast.predict(xt).dataSync());
        const os = tf.tidy(() => slow.predict(xt).dataSync());
        expect(maxRel(of, os)).toBeLessThan(1e-4);
        expect(Math.abs(fast.theta2() - slow.theta2()) / slow.theta2()).toBeLessThan(1e-5);
        fast.dispose();
        slow.dispose();
        tf.dispose([x, xt, y]);
      });
    }
  }
});

describe('the Gram engine keeps tensor memory flat', () => {
  for (const variant of ['net', 'lin', 'quad'] as const) {
    it(`${variant}: no growth over 1000 steps with test evaluations`, () => {
      const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
      const xt = tf.tensor2d(new Rng(4, 'xt').normal32(6 * d), [6, d]);
      const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
      const mdl = model(variant, x, true);
      const run = (steps: number): void => {
        for (let t = 0; t < steps; t++) {
          mdl.gdStep(x, y, 0.5, 1 / n);
          if (t % 10 === 0) tf.tidy(() => mdl.predict(xt).dataSync());
        }
      };
      run(10);
      const before = tf.memory();
      run(1000);
      const after = tf.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      mdl.dispose();
      tf.dispose([x, xt, y]);
    });
  }
});
