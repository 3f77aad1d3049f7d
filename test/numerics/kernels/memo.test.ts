import { describe, expect, it } from 'vitest';
import { ArrayMemo, digest } from '../../../src/numerics/kernels/memo.js';

describe('ArrayMemo', () => {
  it('computes once per key and evicts least-recently-used entries beyond its byte budget', () => {
    const memo = new ArrayMemo(3 * 400);
    let calls = 0;
    const make = (v: number) => (): Float32Array => {
      calls++;
      return new Float32Array(100).fill(v);
    };
    expect(memo.get('a', make(1))[0]).toBe(1);
    expect(memo.get('a', make(9))[0]).toBe(1);
    expect(calls).toBe(1);
    memo.get('b', make(2));
    memo.get('c', make(3));
    memo.get('a', make(9)); // touch a: b is now the oldest
    memo.get('d', make(4)); // evicts b
    expect(memo.get('a', make(9))[0]).toBe(1);
    expect(memo.get('b', make(5))[0]).toBe(5);
    expect(memo.hits).toBe(3);
  });
  it('digests differ for different contents and lengths, agree for equal contents', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    expect(digest(a)).toBe(digest(Float32Array.from([1, 2, 3, 4])));
    expect(digest(a)).not.toBe(digest(Float32Array.from([1, 2, 4, 3])));
    expect(digest(a)).not.toBe(digest(a.subarray(0, 3)));
    expect(digest(a.subarray(1))).toBe(digest(Float32Array.from([2, 3, 4])));
  });
});

describe('the two-layer FC shares memoised pre-activations across models of one (w0, data)', () => {
  it('a second model with the same w0 and inputs hits the memo and predicts identically', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { initBackend } = await import('../../../src/numerics/backend.js');
    const { activation } = await import('../../../src/numerics/ops.js');
    const { Rng } = await import('../../../src/numerics/rng.js');
    const { TwoLayerModel } = await import('../../../src/numerics/twolayer.js');
    const { preactMemo } = await import('../../../src/numerics/kernels/memo.js');
    await initBackend('wasm');
    const n = 8;
    const d = 20;
    const m = 16;
    const r = new Rng(21, 'init');
    const w0 = r.fork('W1').normal32(d * m);
    const v0 = r.fork('v').normal32(m);
    const xs = new Rng(21, 'x').normal32(n * d);
    const xts = new Rng(21, 'xt').normal32(5 * d);
    const outs: Float32Array[] = [];
    const hits: number[] = [];
    for (const variant of ['net', 'quad'] as const) {
      // fresh tensors each time, as each run builds its own
      const x = tf.tensor2d(xs, [n, d]);
      const xt = tf.tensor2d(xts, [5, d]);
      const mdl = new TwoLayerModel({ kind: 'fc2', act: activation('relu'), variant, w0, fan: d, width: m, v0, positions: 1, rows: (t) => tf.reshape(t, [-1, d]) as tf.Tensor2D, gramX: x, fast: true });
      const h0 = preactMemo.hits;
      outs.push(tf.tidy(() => mdl.predict(xt).dataSync() as Float32Array));
      tf.tidy(() => mdl.predict(x).dataSync());
      hits.push(preactMemo.hits - h0);
      mdl.dispose();
      tf.dispose([x, xt]);
    }
    expect(hits[1]).toBeGreaterThan(hits[0]!);
    // at w0, net and quad agree
    expect(Array.from(outs[1]!)).toEqual(Array.from(outs[0]!));
  });
});
