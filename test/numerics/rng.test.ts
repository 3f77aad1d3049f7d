import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/numerics/rng.js';

const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
};

describe('Rng', () => {
  it('normal draws have mean 0, variance 1, zero skew and kurtosis 3', () => {
    const z = new Rng(7, 'test/normal').normal(200_000);
    const m = mean(z);
    const v = mean(z.map((x) => (x - m) ** 2));
    const skew = mean(z.map((x) => (x - m) ** 3)) / v ** 1.5;
    const kurt = mean(z.map((x) => (x - m) ** 4)) / v ** 2;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.015);
    expect(Math.abs(skew)).toBeLessThan(0.03);
    expect(Math.abs(kurt - 3)).toBeLessThan(0.06);
  });

  it('uniform draws lie in (0,1) with mean 1/2 and variance 1/12; Rademacher is balanced', () => {
    const u = new Rng(3, 'u').uniform(100_000);
    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(mean(u.map((x) => (x - 0.5) ** 2)) - 1 / 12)).toBeLessThan(0.002);
    const r = new Rng(3, 'r').rademacher(100_000);
    expect(new Set(r)).toEqual(new Set([-1, 1]));
    expect(Math.abs(mean(r))).toBeLessThan(0.01);
  });

  it('different streams and different seeds are uncorrelated', () => {
    const n = 100_000;
    const a = new Rng(1, 'init/W1').normal(n);
    const b = new Rng(1, 'init/v').normal(n);
    const c = new Rng(2, 'init/W1').normal(n);
    const corr = (x: Float64Array, y: Float64Array): number => mean(x.map((xi, i) => xi * y[i]!));
    expect(Math.abs(corr(a, b))).toBeLessThan(0.015);
    expect(Math.abs(corr(a, c))).toBeLessThan(0.015);
    // lag-1 autocorrelation within a stream
    expect(Math.abs(corr(a.subarray(1), a.subarray(0, n - 1)))).toBeLessThan(0.015);
  });

  it('is deterministic and counter-based: draws do not depend on what was drawn before', () => {
    const a = new Rng(42, 'x').normal(1000);
    const b = new Rng(42, 'x').normal(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    const tail = new Rng(42, 'x').normal(500, 0, 1, 500);
    expect(Array.from(tail)).toEqual(Array.from(a.subarray(500)));
    expect(new Rng(42).fork('x').word(5)).toBe(new Rng(42, 'x').word(5));
    expect(new Rng(42, 'x').word(0)).not.toBe(new Rng(43, 'x').word(0));
    expect(() => new Rng(0.5)).toThrow(RangeError);
  });

  it('permutations are valid and uniform over positions', () => {
    const n = 10;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let s = 0; s < 2000; s++) {
      const p = new Rng(s, 'perm').permutation(n);
      expect([...p].sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
      for (let i = 0; i < n; i++) counts[i]![p[i]!]!++;
    }
    // each element lands in each position ~200 times
    for (const row of counts) for (const c of row) expect(Math.abs(c - 200)).toBeLessThan(70);
  });
});
