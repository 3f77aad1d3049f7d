import { describe, expect, it } from 'vitest';
import { denseLambdaMax, lanczosMax, rayleigh, symEigenvalues } from '../../src/numerics/eig.js';
import { Rng } from '../../src/numerics/rng.js';

function randomPsd(n: number, seed: number): Float64Array {
  const g = new Rng(seed, 'psd').normal(n * n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe('eig', () => {
  it('Jacobi finds the eigenvalues of a known matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3; a diagonal matrix its diagonal
    expect(Array.from(symEigenvalues([2, 1, 1, 2], 2)).map((x) => +x.toFixed(12))).toEqual([1, 3]);
    const ev = symEigenvalues([4, 1, 0, 1, 3, 1, 0, 1, 2], 3);
    // trace and determinant are preserved
    expect(ev[0]! + ev[1]! + ev[2]!).toBeCloseTo(9, 10);
    expect(ev[0]! * ev[1]! * ev[2]!).toBeCloseTo(4 * (6 - 1) - 1 * 2, 9);
  });

  it('Lanczos λmax agrees with Jacobi on a random PSD matrix', () => {
    const n = 100;
    const a = randomPsd(n, 1);
    const exact = symEigenvalues(a, n)[n - 1]!;
    expect(Math.abs(denseLambdaMax(a, n) - exact) / exact).toBeLessThan(1e-9);
    const mv = (x: Float64Array): Float64Array => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i]! += a[i * n + j]! * x[j]!;
      return y;
    };
    expect(Math.abs(lanczosMax(mv, n, 40) - exact) / exact).toBeLessThan(1e-8);
  });

  it('the Rayleigh quotient along an eigenvector is its eigenvalue', () => {
    expect(rayleigh([2, 1, 1, 2], 2, [1, 1])).toBeCloseTo(3, 12);
    expect(rayleigh([2, 1, 1, 2], 2, [0, 0])).toBe(0);
  });
});
