import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/numerics/backend.js';
import { NumericsError, directions, initModel, trainModel, initModelResult } from '../../src/numerics/index.js';
import { archNotAvailable } from '../../src/messages/numerics.js';
import { Rng } from '../../src/numerics/rng.js';
import type { DataArrays } from '../../src/numerics/types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const img = (n: number, nTest: number): DataArrays => {
  const r = new Rng(5, 'img');
  return {
    inputShape: [4, 4, 3],
    nTrain: n,
    xTrain: Float32Array.from(r.fork('x').uniform(n * 48)),
    yTrain: Float32Array.from(r.fork('y').rademacher(n)),
    nTest,
    xTest: Float32Array.from(r.fork('xt').uniform(nTest * 48)),
    yTest: Float32Array.from(r.fork('yt').rademacher(nTest)),
  };
};
const mse = { reduction: 'mean' as const, half: false };

describe('numerics API', () => {
  it('init and train regenerate the same w0 from the seed', async () => {
    const d = img(8, 4);
    for (const spec of [
      { arch: 'fc2' as const, width: 32, activation: 'relu' as const },
      { arch: 'fc3' as const, width: 16, activation: 'relu' as const },
      { arch: 'cnn2' as const, channels: 4, kernel: 3, activation: 'relu' as const },
    ]) {
      const s = await initModel(spec, d, mse, 3);
      expect(s.etaCrit).toBeCloseTo(2 / s.lambdaMaxH, 10);
      expect(s.lambdaMaxH).toBeCloseTo((2 / d.nTrain) * s.lambdaMaxK, 6);
      const r = await trainModel(spec, 'net', d, mse, 3, 0.5 * s.etaCrit, { optimizer: 'gd', steps: 3, evalEvery: 1, record: { dense: 5, points: 0 }, metrics: ['loss', 'theta2'] }, { ceiling: 1e8 });
      expect(r.trajectory.loss[0]).toBeCloseTo(s.loss0, 5);
      expect(r.trajectory.theta2![0]).toBeCloseTo(s.theta2, 0);
      expect(r.best).toBeDefined();
      expect((await initModel(spec, d, mse, 4)).loss0).not.toBe(s.loss0);
    }
  });

  it('the Gram-matrix path (fc2, d > n) gives the same run as the naive path', async () => {
    const d = img(8, 4);
    const spec = { arch: 'fc2' as const, width: 32, activation: 'relu' as const };
    const tr = { optimizer: 'gd' as const, steps: 20, evalEvery: 5, record: { dense: 25, points: 0 }, metrics: ['loss' as const, 'theta2' as const] };
    const gram = await trainModel(spec, 'quad', d, mse, 1, 0.5, tr, { ceiling: 1e8 });
    // a 'sgd' run with the full batch takes the naive path and the same steps
    const naive = await trainModel(spec, 'quad', d, mse, 1, 0.5, { ...tr, optimizer: 'sgd', batch: 8 }, { ceiling: 1e8 });
    for (let i = 0; i < 20; i++) expect(Math.abs(gram.trajectory.loss[i]! - naive.trajectory.loss[i]!)).toBeLessThan(1e-5);
    expect(Math.abs(gram.best!.testLoss - naive.best!.testLoss)).toBeLessThan(1e-5);
  });

  it('directions p1/p2 split 1-D inputs by sign', () => {
    const d: DataArrays = { inputShape: [1], nTrain: 3, xTrain: Float32Array.from([1, -2, 0]), yTrain: new Float32Array(3), nTest: 0, xTest: new Float32Array(0), yTest: new Float32Array(0) };
    const p = directions(d)!;
    expect(Array.from(p.p1)).toEqual([1, 0, 0]);
    expect(Array.from(p.p2)).toEqual([0, -2, 0]);
  });

  it('quadratic archs dispatch to src/numerics/quadratic, or fail explicitly when it is absent', async () => {
    const spec = { arch: 'gqm' as const, d: 4, gamma: 1e-3, init: 'normal' as const };
    const d: DataArrays = { inputShape: [4], nTrain: 2, xTrain: new Float32Array(8).fill(0.5), yTrain: Float32Array.from([1, -1]), nTest: 0, xTest: new Float32Array(0), yTest: new Float32Array(0) };
    const present = existsSync(new URL('../../src/numerics/quadratic/index.ts', import.meta.url));
    const r = await initModelResult(spec, d, mse, 0);
    if (!present) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toEqual({ reason: 'arch-unavailable', message: archNotAvailable('gqm') });
      await expect(initModel(spec, d, mse, 0)).rejects.toBeInstanceOf(NumericsError);
    } else {
      expect(r.ok).toBe(true);
    }
  });
});
