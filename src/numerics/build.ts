/**
 * Build a network model (fc2, fc3, cnn2) of a given variant from its spec and
 * seed. Weights always regenerate from named RNG streams (`init/W1`,
 * `init/W2`, `init/K`, `init/v`), so the init and train stages (and every
 * worker) see identical w0 without storing weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec, Variant } from '../config/types.js';
import { type Result, ok, err } from '../core/result.js';
import { badInputShape } from '../messages/numerics.js';
import type { TrainableModel } from './model.js';
import { activation, im2col } from './ops.js';
import { Rng } from './rng.js';
import { preactMemo } from './kernels/memo.js';
import { TwoLayerModel } from './twolayer.js';
import { ThreeLayerModel } from './threelayer.js';

export interface NumericsFailure {
  reason: 'bad-input-shape' | 'arch-unavailable' | 'variant-unsupported' | 'bad-train-spec' | 'bad-model-spec';
  message: string;
}

export type NetworkSpec = Extract<ModelSpec, { arch: 'fc2' | 'fc3' | 'cnn2' }>;

export function isNetworkSpec(spec: ModelSpec): spec is NetworkSpec {
  return spec.arch === 'fc2' || spec.arch === 'fc3' || spec.arch === 'cnn2';
}

export interface BuildOptions {
  /** FC2 only: full-batch training inputs [n, d] to bind the Gram-matrix update to. */
  gramX?: tf.Tensor2D;
}

const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Whether the Gram-matrix update pays off: FC2, full batch, d > n. */
export function gramApplies(spec: ModelSpec, inputShape: number[], nTrain: number, optimizer: 'gd' | 'sgd'): boolean {
  return spec.arch === 'fc2' && optimizer === 'gd' && prod(inputShape) > nTrain;
}

/**
 * w0 of the two-layer FC as plain arrays: W1 [d, width] row-major (fan-in
 * first, as the model stores it) and v [width]. Exposed so the init stage can
 * evaluate Meltzer & Liu's bounds on exactly the weights `buildNetwork` uses.
 */
export function fc2InitWeights(width: number, d: number, seed: number): { w1: Float32Array; v: Float32Array } {
  // memoised by (seed, shape): the init, net, lin and quad runs of one experiment draw the same w0,
  // and at Zhu's CIFAR-2 scale that is 15M normals (~0.8 s) per run; callers never write into it
  const rng = new Rng(seed, 'init');
  const key = `fc2/init|${seed}|${d}|${width}`;
  return { w1: preactMemo.get(`${key}/W1`, () => rng.fork('W1').normal32(d * width)), v: preactMemo.get(`${key}/v`, () => rng.fork('v').normal32(width)) };
}

export function buildNetwork(
  spec: NetworkSpec,
  variant: Variant,
  inputShape: number[],
  seed: number,
  opts: BuildOptions = {},
): Result<TrainableModel, NumericsFailure> {
  const rng = new Rng(seed, 'init');
  if (spec.arch === 'fc2') {
    const d = prod(inputShape);
    const m = spec.width;
    const act = activation(spec.activation, spec.slopes);
    const w = fc2InitWeights(m, d, seed);
    return ok(
      new TwoLayerModel({
        kind: 'fc2',
        act,
        variant,
        w0: w.w1,
        fan: d,
        width: m,
        v0: w.v,
        positions: 1,
        rows: (x) => tf.reshape(x, [-1, d]) as tf.Tensor2D,
        ...(opts.gramX ? { gramX: opts.gramX } : {}),
      }),
    );
  }
  if (spec.arch === 'cnn2') {
    if (inputShape.length < 2 || inputShape.length > 3) {
      return err({ reason: 'bad-input-shape', message: badInputShape(spec.arch, inputShape) });
    }
    const [H, W] = inputShape as [number, number];
    const cin = inputShape[2] ?? 1;
    const k = spec.kernel;
    const C = spec.channels;
    const act = activation(spec.activation);
    return ok(
      new TwoLayerModel({
        kind: 'cnn2',
        act,
        variant,
        w0: rng.fork('K').normal32(k * k * cin * C),
        fan: k * k * cin,
        width: C,
        v0: rng.fork('v').normal32(H * W * C),
        positions: H * W,
        rows: (x) => im2col(tf.reshape(x, [-1, H, W, cin]) as tf.Tensor4D, k),
      }),
    );
  }
  const d = prod(inputShape);
  const m = spec.width;
  return ok(
    new ThreeLayerModel({
      act: activation(spec.activation, spec.slopes),
      variant,
      d,
      m,
      w1: rng.fork('W1').normal32(d * m),
      w2: rng.fork('W2').normal32(m * m),
      v: rng.fork('v').normal32(m),
    }),
  );
}
