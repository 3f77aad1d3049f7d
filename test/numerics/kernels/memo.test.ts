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
