/**
 * Full-batch GD / minibatch SGD at constant η over any `TrainableModel`.
 *
 * Why this shape: every figure needs the same loop with different
 * recordings, and a run that diverges is a result (recorded as such), not a
 * crash. Each step runs inside `tf.tidy` (the wasm heap never shrinks).
 * The recorded loss at step t is the full training loss at w_t, i.e. before
 * the t-th update; metrics at a recorded step are taken at the same w_t.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossConvention, TrainSpec, Variant } from '../config/types.js';
import {
  aborted,
  cappedSteps,
  convergedTol,
  divergedCeiling,
  divergedNonFinite,
} from '../messages/numerics.js';
import type { TrainableModel } from './model.js';
import type { RunStatus, TrainOptions, TrainResult, Trajectory } from './types.js';
import { Rng } from './rng.js';
import { rayleigh } from './eig.js';

/** c in L = c Σ (f − y)²: (half ? ½ : 1)·(mean ? 1/n : 1). */
export function lossScale(loss: LossConvention, n: number): number {
  return (loss.half ? 0.5 : 1) * (loss.reduction === 'mean' ? 1 / n : 1);
}

export interface TrainInput {
  model: TrainableModel;
  variant: Variant;
  seed: number;
  eta: number;
  xTrain: tf.Tensor;
  yTrain: tf.Tensor1D;
  xTest?: tf.Tensor;
  yTest?: tf.Tensor1D;
  loss: LossConvention;
  train: TrainSpec;
  options: TrainOptions;
  /** 1-D data: Zhu's directions p1 (x_i ≥ 0) and p2 (x_i < 0) for λ1/λ2. */
  directions?: { p1: Float64Array; p2: Float64Array };
  /** Optional FLOP estimate per step (benchmarks). */
  flopsPerStep?: number;
}

/** Steps at which the trajectory is recorded: all below `dense`, then ~`points` log-spaced up to `cap`. */
export function recordSchedule(dense: number, points: number, cap: number): Set<number> {
  const s = new Set<number>();
  for (let t = 0; t < Math.min(dense, cap + 1); t++) s.add(t);
  const lo = Math.max(dense, 1);
  if (cap >= lo && points > 0) {
    for (let k = 0; k < points; k++) {
      const frac = points === 1 ? 1 : k / (points - 1);
      s.add(Math.min(cap, Math.round(lo * Math.pow(cap / lo, frac))));
    }
  }
  s.add(cap);
  return s;
}

class AbortedError extends Error {
  override name = 'AbortError';
}

const nextTick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function train(input: TrainInput): Promise<TrainResult> {
  const { model, eta, loss, train: spec, options } = input;
  const t0 = performance.now();
  const nTrain = input.yTrain.shape[0];
  const cFull = lossScale(loss, nTrain);
  const nTest = input.yTest?.shape[0] ?? 0;
  const cTest = nTest > 0 ? lossScale(loss, nTest) : 0;
  const metrics = new Set(spec.metrics);
  const kernelEvery = Math.max(1, spec.kernelEvery ?? 1);
  const schedule = recordSchedule(spec.record.dense, spec.record.points, spec.steps);
  const sgd = spec.optimizer === 'sgd';
  const batch = Math.min(spec.batch ?? nTrain, nTrain);
  const cBatch = lossScale(loss, batch);

  // snapshot w0 for ‖w − w0‖ when the model cannot tell
  const w0 = metrics.has('distance') && !model.distance ? model.variables.map((v) => tf.keep(tf.clone(v))) : [];

  const lossOf = (x: tf.Tensor, y: tf.Tensor1D, c: number): tf.Scalar =>
    tf.mul(tf.sum(tf.square(tf.sub(model.predict(x), y))), c) as tf.Scalar;

  const fullLoss = (): number => tf.tidy(() => lossOf(input.xTrain, input.yTrain, cFull).dataSync()[0]!);

  const testEval = (): { testLoss: number; testAcc: number } =>
    tf.tidy(() => {
      const f = model.predict(input.xTest!);
      const l = tf.mul(tf.sum(tf.square(tf.sub(f, input.yTest!))), cTest);
      const acc = tf.mean(tf.cast(tf.equal(tf.sign(f), tf.sign(input.yTest!)), 'float32'));
      const [lv, av] = [l.dataSync()[0]!, acc.dataSync()[0]!];
      return { testLoss: lv, testAcc: av };
    });

  const step = (x: tf.Tensor, y: tf.Tensor1D, c: number): number => {
    if (model.gdStep) return model.gdStep(x, y, eta, c);
    const lt = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => lossOf(x, y, c), model.variables as tf.Variable[]);
      for (const v of model.variables) {
        const g = grads[v.name];
        if (g) v.assign(tf.sub(v, tf.mul(g, eta)));
      }
      return value;
    });
    const out = lt.dataSync()[0]!;
    lt.dispose();
    return out;
  };

  const theta2 = (): number =>
    model.theta2 ? model.theta2() : tf.tidy(() => tf.addN(model.variables.map((v) => tf.sum(tf.square(v)))).dataSync()[0]!);
  const distance = (): number =>
    model.distance
      ? model.distance()
      : tf.tidy(() => Math.sqrt(tf.addN(model.variables.map((v, i) => tf.sum(tf.square(tf.sub(v, w0[i]!))))).dataSync()[0]!));

  const traj: Trajectory = { step: [], loss: [] };
  const push = <K extends keyof Trajectory>(k: K, v: NonNullable<Trajectory[K]>[number]): void => {
    ((traj[k] ??= [] as never) as unknown[]).push(v);
  };
  let recorded = 0;
  let best: TrainResult['best'];
  let prev = NaN;
  let loss0 = NaN;
  let status: RunStatus = 'capped';
  let reason = cappedSteps(spec.steps);
  let steps = 0;
  let lastYield = performance.now();
  let batchIdx: Int32Array | null = null;
  let epoch = -1;

  const recordMetrics = (t: number, withKernel: boolean): void => {
    if (metrics.has('theta2')) push('theta2', theta2());
    if (metrics.has('distance')) push('distance', distance());
    if (withKernel && metrics.has('ntk')) push('lambdaMaxH', 2 * cFull * model.kernelMax(input.xTrain));
    if (withKernel && metrics.has('lambda12') && input.directions && model.kernel) {
      const K = model.kernel(input.xTrain);
      const data = K.dataSync();
      K.dispose();
      push('lambda1', rayleigh(data, nTrain, input.directions.p1));
      push('lambda2', rayleigh(data, nTrain, input.directions.p2));
    }
    if (metrics.has('sparsity') && model.sparsity) push('sparsity', model.sparsity(input.xTrain));
    if (metrics.has('test') && nTest > 0) {
      const e = testEval();
      push('testLoss', e.testLoss);
      push('testAcc', e.testAcc);
    }
    void t;
  };

  // Chained GD steps (model.gdSteps, always gdChain of them): a chain may
  // not cross a step where the weights are needed — a recording of more
  // than the loss, a test evaluation, the last step; shorter stretches go
  // step by step. A stop inside a chain undoes it and redoes the steps up to
  // the stop, so what is recorded is exactly the unchained run.
  const chainMax = !sgd && model.gdSteps && model.gdUndo && model.gdChain ? model.gdChain(input.xTrain) : 1;
  const recordsWeights = [...metrics].some((k) => k !== 'loss');
  const needsWeights = (t: number): boolean =>
    t >= spec.steps || (recordsWeights && schedule.has(t)) || (spec.evalEvery > 0 && nTest > 0 && t % spec.evalEvery === 0);
  /** Losses of the current chain not yet consumed, and where the chain started. */
  let chain: { losses: Float64Array; start: number } | null = null;
  const chainedLoss = (t: number): number | null => {
    if (chain && t < chain.start + chain.losses.length) return chain.losses[t - chain.start]!;
    chain = null;
    for (let k = 1; k < chainMax; k++) if (needsWeights(t + k)) return null;
    chain = { losses: model.gdSteps!(input.xTrain, input.yTrain, eta, cFull, chainMax), start: t };
    return chain.losses[0]!;
  };
  /** Stopping at t inside a chain: back to w_{t+1}, as if the steps had run one by one. */
  const cutChain = (t: number): void => {
    if (!chain || t >= chain.start + chain.losses.length - 1) return;
    model.gdUndo!();
    model.gdSteps!(input.xTrain, input.yTrain, eta, cFull, t + 1 - chain.start);
    chain = null;
  };

  try {
    for (let t = 0; ; t++) {
      if (options.signal?.aborted) throw new AbortedError(aborted(t));
      const isRec = schedule.has(t);
      if (isRec) {
        traj.step.push(t);
        recordMetrics(t, recorded % kernelEvery === 0);
        recorded++;
      }
      if (spec.evalEvery > 0 && nTest > 0 && t % spec.evalEvery === 0) {
        const e = testEval();
        if (Number.isFinite(e.testLoss) && (!best || e.testLoss < best.testLoss)) best = { testLoss: e.testLoss, testAcc: e.testAcc, step: t };
      }
      let L: number;
      if (t === spec.steps) {
        L = fullLoss();
      } else if (!sgd) {
        L = (chainMax > 1 ? chainedLoss(t) : null) ?? step(input.xTrain, input.yTrain, cFull);
      } else {
        L = fullLoss();
        const per = Math.ceil(nTrain / batch);
        const e = Math.floor(t / per);
        if (e !== epoch) {
          epoch = e;
          batchIdx = new Rng(input.seed, `sgd/epoch/${e}`).permutation(nTrain);
        }
        const b = t % per;
        const idx = batchIdx!.subarray(b * batch, Math.min(nTrain, (b + 1) * batch));
        const idxT = tf.tensor1d(idx, 'int32');
        const xb = tf.gather(input.xTrain, idxT);
        const yb = tf.gather(input.yTrain, idxT);
        step(xb, yb, idx.length === batch ? cBatch : lossScale(loss, idx.length));
        tf.dispose([idxT, xb, yb]);
      }
      if (t === 0) loss0 = L;
      const done = t === spec.steps;
      const nonFinite = !Number.isFinite(L);
      const overCeiling = !nonFinite && L > options.ceiling * loss0;
      let stop = done;
      if (nonFinite || overCeiling) {
        status = 'diverged';
        reason = nonFinite ? divergedNonFinite(t) : divergedCeiling(L, options.ceiling * loss0, t);
        stop = true;
      } else if (!done && t > 0 && spec.tol !== undefined) {
        const delta = Math.abs(L - prev);
        const thresh = spec.tolAbsolute ? spec.tol : spec.tol * Math.max(prev, 1e-30);
        if (delta < thresh) {
          status = 'converged';
          reason = convergedTol(delta, spec.tol, !spec.tolAbsolute, t);
          stop = true;
        }
      }
      if (stop) cutChain(t);
      if (isRec) traj.loss.push(L);
      else if (stop) {
        traj.step.push(t);
        traj.loss.push(L);
        recordMetrics(t, true);
      }
      prev = L;
      steps = done ? t : t + 1;
      if (stop) break;
      if (options.onProgress && t % Math.max(1, Math.floor(spec.steps / 100)) === 0) options.onProgress(t / spec.steps);
      if (performance.now() - lastYield > 50) {
        await nextTick();
        lastYield = performance.now();
      }
    }

    const final: TrainResult['final'] = { loss: status === 'diverged' ? prev : fullLoss() };
    if (status !== 'diverged') {
      if (metrics.has('theta2')) final.theta2 = theta2();
      if (metrics.has('ntk')) final.lambdaMaxH = 2 * cFull * model.kernelMax(input.xTrain);
      if (model.sparsity && metrics.has('sparsity')) final.sparsity = model.sparsity(input.xTrain);
      if (nTest > 0) {
        const e = testEval();
        final.testLoss = e.testLoss;
        final.testAcc = e.testAcc;
        if (spec.evalEvery > 0 && Number.isFinite(e.testLoss) && (!best || e.testLoss < best.testLoss)) {
          best = { testLoss: e.testLoss, testAcc: e.testAcc, step: steps };
        }
      }
    }
    options.onProgress?.(1, reason);
    const seconds = (performance.now() - t0) / 1000;
    return {
      variant: input.variant,
      seed: input.seed,
      eta,
      status,
      reason,
      steps,
      trajectory: traj,
      final,
      ...(best ? { best } : {}),
      timing: { seconds, ...(input.flopsPerStep ? { flops: input.flopsPerStep * steps } : {}) },
    };
  } finally {
    tf.dispose(w0);
  }
}
