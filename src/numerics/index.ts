/**
 * The numerics API the stages call (`InitFn`, `TrainFn` of types.ts).
 *
 * Networks (fc2, fc3, cnn2) are built in ./build; Meltzer & Liu's quadratic
 * models and Zhu's general quadratic model (pure-quadratic, quadratic-bias,
 * gqm) in ./quadratic; the theoretical bounds of Meltzer & Liu in ./bounds.
 * Weights always regenerate from the seed, so init and train agree without
 * any cached weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossConvention, ModelSpec, TrainSpec, Variant } from '../config/types.js';
import { type Result, ok, err } from '../core/result.js';
import { sgdNeedsBatch, variantUnsupported } from '../messages/numerics.js';
import { ensureBackend } from './backend.js';
import { type NumericsFailure, buildNetwork, fc2InitWeights, gramApplies, isNetworkSpec } from './build.js';
import { buildQuadraticModel, checkQuadraticSpec, QuadraticModel } from './quadratic/index.js';
import { boundsFor } from './bounds/index.js';
import type { TrainableModel } from './model.js';
import { lossScale, train } from './trainer.js';
import { denseLambdaMax, rayleigh } from './eig.js';
import type { DataArrays, InitFn, InitSummary, TrainFn, TrainOptions, TrainResult } from './types.js';

export { initBackend, selectBackend, numericPackages, ensureBackend } from './backend.js';
export type { BackendInfo, BackendFailure, BackendRequest } from './backend.js';
export type { NumericsFailure } from './build.js';
export { lossScale } from './trainer.js';

/** Thrown (as an Error carrying the failure) by initModel/trainModel, whose signatures return plain promises. */
export class NumericsError extends Error {
  constructor(readonly failure: NumericsFailure) {
    super(failure.message);
    this.name = 'NumericsError';
  }
}

interface Tensors {
  xTrain: tf.Tensor;
  yTrain: tf.Tensor1D;
  xTest?: tf.Tensor;
  yTest?: tf.Tensor1D;
}

function toTensors(data: DataArrays): Tensors {
  const xTrain = tf.tensor(data.xTrain, [data.nTrain, ...data.inputShape]);
  const yTrain = tf.tensor1d(data.yTrain);
  if (data.nTest > 0) {
    return { xTrain, yTrain, xTest: tf.tensor(data.xTest, [data.nTest, ...data.inputShape]), yTest: tf.tensor1d(data.yTest) };
  }
  return { xTrain, yTrain };
}

/** Zhu's p1 (x_i for x_i ≥ 0, else 0) and p2 (x_i for x_i < 0) for 1-D inputs. */
export function directions(data: DataArrays): { p1: Float64Array; p2: Float64Array } | undefined {
  if (data.inputShape.length !== 1 || data.inputShape[0] !== 1) return undefined;
  const p1 = new Float64Array(data.nTrain);
  const p2 = new Float64Array(data.nTrain);
  for (let i = 0; i < data.nTrain; i++) {
    const x = data.xTrain[i]!;
    if (x >= 0) p1[i] = x;
    else p2[i] = x;
  }
  return { p1, p2 };
}

/**
 * Build any model of the spec. `gramX` (FC2 full-batch with d > n) selects
 * the Gram-matrix update.
 */
export async function buildModel(
  spec: ModelSpec,
  variant: Variant,
  inputShape: number[],
  seed: number,
  gramX?: tf.Tensor2D,
): Promise<Result<TrainableModel, NumericsFailure>> {
  if (isNetworkSpec(spec)) return buildNetwork(spec, variant, inputShape, seed, gramX ? { gramX } : {});
  if (variant === 'lin') return err({ reason: 'variant-unsupported', message: variantUnsupported(spec.arch, variant) });
  // A quadratic model is its own quadratic Taylor model: 'quad' = 'net'.
  const checked = checkQuadraticSpec(spec, inputShape);
  if (!checked.ok) return err({ reason: 'bad-model-spec', message: checked.error.message });
  return ok(buildQuadraticModel(spec, inputShape, seed));
}

/**
 * Meltzer & Liu's bounds at w0, in units of ηλmax(H0) — the pipeline's
 * `etaLambda` = η·λmax(∇²L) under *any* loss convention, because a GD step on
 * L = cΣε² with rate η is a step on their 1/(2D)Σε² with rate 2cDη. Quadratic
 * models (pure, with bias) and the two-layer FC with a piecewise-linear
 * activation get their Table 1 row and equations; other models none.
 */
/** Largest D·m·d for which two-layer bounds are computed at init (see initBounds). */
export const MAX_BOUND_WORK = 5e8;

export function initBounds(spec: ModelSpec, model: TrainableModel, data: DataArrays, seed: number): Record<string, number> | undefined {
  if ((spec.arch === 'pure-quadratic' || spec.arch === 'quadratic-bias') && model instanceof QuadraticModel && model.features) {
    return boundsFor(spec, { features: model.features, theta0: model.theta0, x: data.xTrain });
  }
  if (spec.arch === 'fc2' && (spec.activation === 'relu' || spec.activation === 'homogeneous' || spec.activation === 'identity')) {
    const d = data.inputShape.reduce((a, b) => a * b, 1);
    const m = spec.width;
    // The bounds are computed in float64 JS, O(D·m·d): cheap for Meltzer & Liu's nets (D·m·d ≤ 4.1e8, CIFAR; 1e8 on
    // MNIST), prohibitive for Zhu's CIFAR nets (≈ 4e9), whose figures draw no bound anyway.
    if (data.nTrain * m * d > MAX_BOUND_WORK) return undefined;
    const { w1, v } = fc2InitWeights(m, d, seed);
    // The model stores W1 as [d, m]; the bounds want W as [m, d].
    const W = new Float32Array(m * d);
    for (let i = 0; i < d; i++) for (let k = 0; k < m; k++) W[k * d + i] = w1[i * m + k]!;
    const b = boundsFor(spec, { W, v, x: data.xTrain, d, inputScale: 1 / Math.sqrt(d) });
    // Table 1's one-point rows (eqs. 95, 124) are derived for a scalar input; for d > 1 only
    // Cauchy–Schwarz survives and the bound is trivial (< 2), so keep just the general form (180).
    if (d > 1) {
      delete b.eq95;
      delete b.eq124;
      delete b['table1-upper'];
    }
    return b;
  }
  return undefined;
}

/** Result form of initModel. */
export async function initModelResult(
  spec: ModelSpec,
  data: DataArrays,
  loss: LossConvention,
  seed: number,
): Promise<Result<InitSummary, NumericsFailure>> {
  await ensureBackend();
  const built = await buildModel(spec, 'net', data.inputShape, seed);
  if (!built.ok) return built;
  const model = built.value;
  const t = toTensors(data);
  try {
    const c = lossScale(loss, data.nTrain);
    const loss0 = tf.tidy(() => tf.mul(tf.sum(tf.square(tf.sub(model.predict(t.xTrain), t.yTrain))), c).dataSync()[0]!);
    const theta2 = model.theta2
      ? model.theta2()
      : tf.tidy(() => tf.addN(model.variables.map((v) => tf.sum(tf.square(v)))).dataSync()[0]!);
    let lambdaMaxK: number;
    let lambda12: [number, number] | undefined;
    const dirs = directions(data);
    if (model.kernel) {
      const K = model.kernel(t.xTrain);
      const kd = K.dataSync();
      K.dispose();
      lambdaMaxK = denseLambdaMax(kd, data.nTrain);
      if (dirs) {
        const l1 = rayleigh(kd, data.nTrain, dirs.p1);
        const l2 = rayleigh(kd, data.nTrain, dirs.p2);
        // Only meaningful when both signs occur in the data (not for the one-point toy sets).
        const nonzero = (p: Float64Array): boolean => p.some((v) => v !== 0);
        if (nonzero(dirs.p1) && nonzero(dirs.p2)) lambda12 = [l1, l2];
      }
    } else {
      lambdaMaxK = model.kernelMax(t.xTrain);
    }
    const lambdaMaxH = 2 * c * lambdaMaxK;
    const summary: InitSummary = { seed, theta2, loss0, lambdaMaxK, lambdaMaxH, etaCrit: 2 / lambdaMaxH };
    if (lambda12) summary.lambda12 = lambda12;
    if (model.sparsity) {
      const s = model.sparsity(t.xTrain);
      if (s.length > 0) summary.extra = { sparsity: s };
    }
    const bounds = initBounds(spec, model, data, seed);
    if (bounds) summary.bounds = bounds;
    return ok(summary);
  } finally {
    model.dispose();
    tf.dispose([t.xTrain, t.yTrain, ...(t.xTest ? [t.xTest, t.yTest!] : [])]);
  }
}

/** Result form of trainModel. Rejects only on abort (AbortError). */
export async function trainModelResult(
  spec: ModelSpec,
  variant: Variant,
  data: DataArrays,
  loss: LossConvention,
  seed: number,
  eta: number,
  trainSpec: TrainSpec,
  options: TrainOptions,
): Promise<Result<TrainResult, NumericsFailure>> {
  await ensureBackend();
  if (trainSpec.optimizer === 'sgd' && !(trainSpec.batch && trainSpec.batch > 0)) {
    return err({ reason: 'bad-train-spec', message: sgdNeedsBatch() });
  }
  const t = toTensors(data);
  const useGram = gramApplies(spec, data.inputShape, data.nTrain, trainSpec.optimizer);
  const gramX = useGram ? (tf.reshape(t.xTrain, [data.nTrain, -1]) as tf.Tensor2D) : undefined;
  const built = await buildModel(spec, variant, data.inputShape, seed, gramX);
  if (!built.ok) {
    tf.dispose([t.xTrain, t.yTrain, ...(t.xTest ? [t.xTest, t.yTest!] : []), ...(gramX ? [gramX] : [])]);
    return built;
  }
  const model = built.value;
  try {
    const dirs = directions(data);
    const r = await train({
      model,
      variant,
      seed,
      eta,
      xTrain: gramX ?? t.xTrain,
      yTrain: t.yTrain,
      ...(t.xTest ? { xTest: t.xTest, yTest: t.yTest! } : {}),
      loss,
      train: trainSpec,
      options,
      ...(dirs ? { directions: dirs } : {}),
    });
    return ok(r);
  } finally {
    model.dispose();
    tf.dispose([t.xTrain, t.yTrain, ...(t.xTest ? [t.xTest, t.yTest!] : []), ...(gramX ? [gramX] : [])]);
  }
}

export const initModel: InitFn = async (spec, data, loss, seed) => {
  const r = await initModelResult(spec, data, loss, seed);
  if (!r.ok) throw new NumericsError(r.error);
  return r.value;
};

export const trainModel: TrainFn = async (spec, variant, data, loss, seed, eta, trainSpec, options) => {
  const r = await trainModelResult(spec, variant, data, loss, seed, eta, trainSpec, options);
  if (!r.ok) throw new NumericsError(r.error);
  return r.value;
};
