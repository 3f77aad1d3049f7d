import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainSpec } from '../../src/config/types.js';
import { initBackend } from '../../src/numerics/backend.js';
import { buildNetwork } from '../../src/numerics/build.js';
import { initModel, trainModel, NumericsError } from '../../src/numerics/index.js';
import { lossScale, recordSchedule, train } from '../../src/numerics/trainer.js';
import { Rng } from '../../src/numerics/rng.js';
import type { DataArrays } from '../../src/numerics/types.js';
import { cappedSteps, divergedCeiling } from '../../src/messages/numerics.js';
import { activation } from '../../src/numerics/ops.js';
import { loadOrt } from '../../src/numerics/ort/runtime.js';
import { TwoLayerModel } from '../../src/numerics/twolayer.js';
import type { TrainResult } from '../../src/numerics/types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function data(n = 16, d = 5, nTest = 10): DataArrays {
  const r = new Rng(1, 'data');
  const xTrain = r.fork('x').normal32(n * d);
  const xTest = r.fork('xt').normal32(nTest * d);
  const lab = (x: Float32Array, i: number): number => (x[i * d]! + x[i * d + 1]! >= 0 ? 1 : -1);
  return {
    inputShape: [d],
    nTrain: n,
    xTrain,
    yTrain: Float32Array.from({ length: n }, (_, i) => lab(xTrain, i)),
    nTest,
    xTest,
    yTest: Float32Array.from({ length: nTest }, (_, i) => lab(xTest, i)),
  };
}
const mse = { reduction: 'mean' as const, half: false };
const spec = { arch: 'fc2' as const, width: 64, activation: 'relu' as const };
const base: TrainSpec = { optimizer: 'gd', steps: 2000, evalEvery: 0, record: { dense: 5, points: 10 }, metrics: ['loss'] };

describe('trainer', () => {
  it('loss scale follows the convention', () => {
    expect(lossScale({ reduction: 'mean', half: true }, 4)).toBe(0.125);
    expect(lossScale({ reduction: 'sum', half: false }, 4)).toBe(1);
  });

  it('record schedule is dense early, log-spaced later, bounded, and includes the cap', () => {
    const s = recordSchedule(10, 50, 100000);
    expect(s.size).toBeLessThanOrEqual(61);
    for (let t = 0; t < 10; t++) expect(s.has(t)).toBe(true);
    expect(s.has(100000)).toBe(true);
    expect(s.has(11)).toBe(false);
  });

  it('stops as converged on a relative tolerance', async () => {
    const dd = data();
    const s = await initModel(spec, dd, mse, 0);
    const r = await trainModel(spec, 'net', dd, mse, 0, 0.9 * s.etaCrit, { ...base, tol: 1e-3 }, { ceiling: 1e8 });
    expect(r.status).toBe('converged');
    expect(r.reason).toMatch(/relative tol 1\.0e-3/);
    expect(r.steps).toBeLessThan(2000);
    expect(r.final.loss).toBeLessThan(s.loss0);
    expect(r.trajectory.step.length).toBe(r.trajectory.loss.length);
    expect(r.trajectory.step.at(-1)).toBe(r.steps - 1);
  });

  it('stops as capped at the step cap', async () => {
    const dd = data();
    const r = await trainModel(spec, 'lin', dd, mse, 0, 0.01, { ...base, steps: 7 }, { ceiling: 1e8 });
    expect(r.status).toBe('capped');
    expect(r.reason).toBe(cappedSteps(7));
    expect(r.steps).toBe(7);
    expect(r.trajectory.step).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the linear model diverges above 2·η_crit, recorded with the ceiling', async () => {
    const dd = data();
    const s = await initModel(spec, dd, mse, 0);
    const r = await trainModel(spec, 'lin', dd, mse, 0, 2.5 * s.etaCrit, base, { ceiling: 1e3 });
    expect(r.status).toBe('diverged');
    expect(r.reason).toMatch(/^loss .* > ceiling .* at step \d+$/);
    expect(r.final.loss).toBeGreaterThan(1e3 * s.loss0);
    expect(divergedCeiling(2e3, 1e3, 5)).toBe('loss 2.0e+3 > ceiling 1.0e+3 at step 5');
  });

  it('records metrics and the best test loss with its accuracy', async () => {
    const dd = data();
    const s = await initModel(spec, dd, mse, 0);
    const r = await trainModel(spec, 'quad', dd, mse, 0, 0.5 * s.etaCrit, {
      ...base,
      steps: 50,
      evalEvery: 5,
      metrics: ['loss', 'theta2', 'distance', 'ntk', 'sparsity', 'test'],
      kernelEvery: 2,
    }, { ceiling: 1e8 });
    const tr = r.trajectory;
    expect(tr.theta2![0]).toBeCloseTo(s.theta2, 0);
    expect(tr.distance![0]).toBe(0);
    expect(tr.distance!.at(-1)!).toBeGreaterThan(0);
    expect(tr.lambdaMaxH![0]).toBeCloseTo(s.lambdaMaxH, 3);
    expect(tr.lambdaMaxH!.length).toBe(Math.ceil(tr.step.length / 2));
    expect(tr.sparsity![0]![0]).toBeGreaterThan(0.2);
    const onGrid = tr.step.map((t, i) => (t % 5 === 0 ? tr.testLoss![i]! : Infinity));
    expect(r.best!.testLoss).toBeLessThanOrEqual(Math.min(...onGrid) + 1e-6);
    expect(r.best!.step % 5 === 0 || r.best!.step === r.steps).toBe(true);
    expect(r.best!.testAcc).toBeGreaterThanOrEqual(0);
  });

  it('SGD is deterministic given the seed, and depends on it', async () => {
    const dd = data();
    const sgd: TrainSpec = { ...base, optimizer: 'sgd', batch: 4, steps: 20 };
    const a = await trainModel(spec, 'net', dd, mse, 0, 0.05, sgd, { ceiling: 1e8 });
    const b = await trainModel(spec, 'net', dd, mse, 0, 0.05, sgd, { ceiling: 1e8 });
    const c = await trainModel(spec, 'net', dd, mse, 1, 0.05, sgd, { ceiling: 1e8 });
    expect(a.trajectory.loss).toEqual(b.trajectory.loss);
    expect(a.final.loss).not.toBe(c.final.loss);
    expect(a.final.loss).toBeLessThan(a.trajectory.loss[0]!);
    await expect(trainModel(spec, 'net', dd, mse, 0, 0.05, { ...sgd, batch: 0 }, { ceiling: 1e8 })).rejects.toBeInstanceOf(NumericsError);
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(trainModel(spec, 'net', data(), mse, 0, 0.05, base, { ceiling: 1e8, signal: ac.signal })).rejects.toThrow(/aborted at step 0/);
  });

  it('tensor memory does not grow over 1000 steps (hand-derived and autodiff steps)', async () => {
    for (const s of [spec, { arch: 'fc3' as const, width: 16, activation: 'tanh' as const }]) {
      const before = tf.memory();
      const built = buildNetwork(s, 'quad', [5], 0);
      if (!built.ok) throw new Error();
      const model = built.value;
      const dd = data();
      const x = tf.tensor2d(dd.xTrain, [dd.nTrain, 5]);
      const y = tf.tensor1d(dd.yTrain);
      const samples: Array<{ n: number; b: number }> = [];
      await train({
        model,
        variant: 'quad',
        seed: 0,
        eta: 0.01,
        xTrain: x,
        yTrain: y,
        loss: mse,
        train: { ...base, steps: 1000, metrics: ['loss', 'theta2', 'distance'] },
        options: {
          ceiling: 1e8,
          onProgress: () => {
            const m = tf.memory();
            samples.push({ n: m.numTensors, b: m.numBytes });
          },
        },
      });
      expect(samples.length).toBeGreaterThan(50);
      const late = samples.slice(2);
      expect(new Set(late.map((q) => q.n)).size).toBe(1);
      expect(new Set(late.map((q) => q.b)).size).toBe(1);
      model.dispose();
      tf.dispose([x, y]);
      expect(tf.memory().numTensors).toBe(before.numTensors);
    }
  });
});

describe.skipIf(!loadOrt().ok)('trainer with chained GD steps (onnxruntime Gram engine)', () => {
  const [n, d, m] = [24, 60, 80];
  const x = (): tf.Tensor2D => tf.tensor2d(new Rng(21, 'x').normal32(n * d), [n, d]);

  /** A Gram-mode fc2 on onnxruntime; `chained: false` hides gdChain, so the trainer steps one at a time. */
  function net(xTrain: tf.Tensor2D, act: 'relu' | 'tanh', chained: boolean): { model: TwoLayerModel; calls: { chains: number; undos: number } } {
    const r = new Rng(22, 'init');
    const model = new TwoLayerModel({
      kind: 'fc2', act: activation(act), variant: 'net', w0: r.fork('W1').normal32(d * m), fan: d, width: m,
      v0: r.fork('v').normal32(m), positions: 1, rows: (t) => tf.reshape(t, [-1, d]) as tf.Tensor2D, gramX: xTrain, fast: true, ort: true,
    });
    const calls = { chains: 0, undos: 0 };
    if (!chained) model.gdChain = () => 1;
    const [steps, undo] = [model.gdSteps.bind(model), model.gdUndo.bind(model)];
    model.gdSteps = (...a) => {
      if (a[4] > 1) calls.chains++;
      return steps(...a);
    };
    model.gdUndo = () => {
      calls.undos++;
      undo();
    };
    return { model, calls };
  }

  async function both(act: 'relu' | 'tanh', eta: number, trainSpec: TrainSpec, ceiling = 1e8): Promise<{ a: TrainResult; b: TrainResult; calls: { chains: number; undos: number } }> {
    const xTrain = x();
    const xTest = tf.tensor2d(new Rng(21, 'xt').normal32(9 * d), [9, d]);
    const yTrain = tf.tensor1d(Float32Array.from(new Rng(21, 'y').rademacher(n)));
    const yTest = tf.tensor1d(Float32Array.from(new Rng(21, 'yt').rademacher(9)));
    const out: TrainResult[] = [];
    let calls = { chains: 0, undos: 0 };
    for (const chained of [true, false]) {
      const { model, calls: c } = net(xTrain, act, chained);
      out.push(await train({ model, variant: 'net', seed: 0, eta, xTrain, yTrain, xTest, yTest, loss: mse, train: trainSpec, options: { ceiling } }));
      if (chained) calls = c;
      model.dispose();
    }
    tf.dispose([xTrain, xTest, yTrain, yTest]);
    const strip = (r: TrainResult): TrainResult => ({ ...r, timing: { seconds: 0 } });
    return { a: strip(out[0]!), b: strip(out[1]!), calls };
  }

  it('capped, test every 7 steps, θ² recorded log-spaced: the same run, chained between the steps that need the weights', async () => {
    const { a, b, calls } = await both('relu', 0.5, { ...base, steps: 300, evalEvery: 7, record: { dense: 5, points: 12 }, metrics: ['loss', 'theta2'] });
    expect(a).toEqual(b);
    expect(a.status).toBe('capped');
    // 300 steps in stretches of 7 between evaluations leave no room for a chain of 10: records decide the rest
    expect(calls.chains).toBe(0);
    const c = await both('relu', 0.5, { ...base, steps: 300, evalEvery: 50, record: { dense: 5, points: 12 }, metrics: ['loss', 'theta2'] });
    expect(c.a).toEqual(c.b);
    expect(c.calls.chains).toBeGreaterThan(10);
    expect(c.calls.undos).toBe(0);
    expect(c.a.best!.step % 50).toBe(0);
  });

  it('converged inside a chain: undone and redone to the stopping step, the same run', async () => {
    const { a, b, calls } = await both('tanh', 0.5, { ...base, steps: 5000, tol: 1e-4 });
    expect(a.status).toBe('converged');
    expect(a).toEqual(b);
    expect(calls.chains).toBeGreaterThan(1);
    // the stop fell inside a chain (not on its last step), so the chain was cut
    expect(a.steps % 10).not.toBe(0);
    expect(calls.undos).toBe(1);
  });

  it('diverged inside a chain: the same run and reason', async () => {
    const { a, b, calls } = await both('relu', 40, { ...base, steps: 500 }, 1e3);
    expect(a.status).toBe('diverged');
    expect(a).toEqual(b);
    expect(calls.undos).toBe(1);
  });
});
