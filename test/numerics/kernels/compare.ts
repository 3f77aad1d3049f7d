import * as tf from '@tensorflow/tfjs';
import type { ActivationName, Variant } from '../../../src/config/types.js';
import { activation } from '../../../src/numerics/ops.js';
import { Rng } from '../../../src/numerics/rng.js';
import { TwoLayerModel } from '../../../src/numerics/twolayer.js';

/** Relative differences for comparing a fast path with the reference tensor path. */
export const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** max |a − b| over max |b| (elementwise arrays). */
export const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    s = Math.max(s, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return s / Math.max(scale, 1e-12);
};


/** A d → m → 1 fc2 in Gram mode on `x`, weights from `Rng(seed, 'init')`; `fast` picks the host kernel or the tensor path. */
export function gramFc2(
  o: { act: ActivationName; slopes?: [number, number]; variant: Variant; seed: number; d: number; m: number },
  x: tf.Tensor2D,
  fast: boolean,
): TwoLayerModel {
  const r = new Rng(o.seed, 'init');
  return new TwoLayerModel({
    kind: 'fc2',
    act: activation(o.act, o.slopes),
    variant: o.variant,
    w0: r.fork('W1').normal32(o.d * o.m),
    fan: o.d,
    width: o.m,
    v0: r.fork('v').normal32(o.m),
    positions: 1,
    rows: (t) => tf.reshape(t, [-1, o.d]) as tf.Tensor2D,
    gramX: x,
    fast,
  });
}
