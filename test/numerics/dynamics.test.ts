import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataArrays } from '../../src/numerics/types.js';
import { initBackend } from '../../src/numerics/backend.js';
import { buildNetwork } from '../../src/numerics/build.js';
import { initModel, trainModel } from '../../src/numerics/index.js';
import { Rng } from '../../src/numerics/rng.js';
import { generateSynthetic } from '../../src/data/synthetic.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe("single-example NQM follows Zhu's dynamics equations (eq. 12)", () => {
  it('g(t+1)−y and λ(t+1) match the equations step by step through a catapult', () => {
    const d = 10;
    const m = 2000;
    const xv = new Rng(11, 'x').normal32(d);
    const x = tf.tensor2d(xv, [1, d]);
    const y = tf.tensor1d([0.5]);
    const r = buildNetwork({ arch: 'fc2', width: m, activation: 'relu' }, 'quad', [d], 3);
    if (!r.ok) throw new Error(r.error.message);
    const model = r.value;
    const x2 = xv.reduce((s, v) => s + v * v, 0);
    const lam0 = model.kernelMax(x);
    const eta = 3 / lam0; // super-critical: 2/λ0 < η < 4/λ0
    let g = model.predict(x).dataSync()[0]!;
    let lam = lam0;
    let peak = 0;
    for (let t = 0; t < 60; t++) {
      const gPred = 0.5 + (1 - eta * lam + (x2 / (m * d)) * eta * eta * (g - 0.5) * g) * (g - 0.5);
      const lPred = lam + ((eta * x2) / (m * d)) * (g - 0.5) ** 2 * (eta * lam - (4 * g) / (g - 0.5));
      model.gdStep!(x, y, eta, 0.5); // L = ½(g − y)²
      const gNew = model.predict(x).dataSync()[0]!;
      const lNew = model.kernelMax(x);
      expect(Math.abs(gNew - gPred)).toBeLessThan(2e-3 * Math.max(1, Math.abs(gPred)));
      expect(Math.abs(lNew - lPred)).toBeLessThan(2e-3 * lPred);
      g = gNew;
      lam = lNew;
      peak = Math.max(peak, Math.abs(g - 0.5));
    }
    // it was a catapult: the loss grew by orders of magnitude, λ dropped below 2/η, and it converged
    expect(peak).toBeGreaterThan(10);
    expect(lam).toBeLessThan(2 / eta);
    expect(Math.abs(g - 0.5)).toBeLessThan(1e-2);
    model.dispose();
    tf.dispose([x, y]);
  });
});

/** Zhu Fig. 3 data from the pipeline's own generator: 128 points, label −1 from N(−2,1), +1 from N(2,1). */
export function zhuFig3(seed: number): DataArrays {
  const r = generateSynthetic({ generator: 'gaussian-mixture', seed, params: { n: 128, dim: 1, mean: 2, std: 1 } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('Zhu Fig. 3 setup: scientific sanity', () => {
  const spec = { arch: 'fc2' as const, width: 5000, activation: 'relu' as const };
  const mse = { reduction: 'mean' as const, half: false };

  it('2/λ1(0) and 2/λ2(0) (MSE-mean Hessian units) are near the paper’s 0.37 / 0.39', async () => {
    for (const seed of [0, 1, 2]) {
      const s = await initModel(spec, zhuFig3(100 + seed), mse, seed);
      const [l1, l2] = s.lambda12!;
      const c = 1 / 128;
      const crit1 = 2 / (2 * c * l1);
      const crit2 = 2 / (2 * c * l2);
      expect(crit1).toBeGreaterThan(0.3);
      expect(crit1).toBeLessThan(0.47);
      expect(crit2).toBeGreaterThan(0.3);
      expect(crit2).toBeLessThan(0.47);
      // rank(K) ≤ 2 with eigenvectors p1, p2: λmax(K) = max(λ1, λ2)
      expect(Math.abs(s.lambdaMaxK - Math.max(l1, l2)) / s.lambdaMaxK).toBeLessThan(1e-3);
    }
  });

  it('the NQM converges (via a catapult) a bit below 2·η_crit and diverges above it', async () => {
    const data = zhuFig3(100);
    const s = await initModel(spec, data, mse, 0);
    const run = (rel: number) =>
      trainModel(spec, 'quad', data, mse, 0, rel * s.etaCrit, { optimizer: 'gd', steps: 300, evalEvery: 0, record: { dense: 10, points: 20 }, metrics: ['loss', 'ntk'], kernelEvery: 5 }, { ceiling: 1e8 });
    const sub = await run(1.6);
    expect(sub.status).not.toBe('diverged');
    expect(sub.final.loss).toBeLessThan(s.loss0);
    // catapult: the loss rose above its initial value, and the kernel dropped
    expect(Math.max(...sub.trajectory.loss)).toBeGreaterThan(2 * s.loss0);
    expect(sub.final.lambdaMaxH!).toBeLessThan(s.lambdaMaxH);
    const sup = await run(2.4);
    expect(sup.status).toBe('diverged');
  });
});
