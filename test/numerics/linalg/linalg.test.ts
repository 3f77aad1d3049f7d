import { describe, expect, it } from 'vitest';
import { expm, expmAction } from '../../../src/numerics/linalg/expm.js';
import { identity, matmul, matvec, solve, transpose } from '../../../src/numerics/linalg/dense.js';
import { lanczosExtremes, symEig } from '../../../src/numerics/linalg/eigen.js';
import { Rng } from '../../../src/numerics/rng.js';
import { selectBackend } from '../../../src/numerics/backend.js';

function antisym(n: number, seed: number): Float64Array {
  const g = new Rng(seed, 'test/B').normal(n * n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    b[i * n + j] = g[i * n + j]!;
    b[j * n + i] = -g[i * n + j]!;
  }
  return b;
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('expm (Padé scaling and squaring)', () => {
  it('2×2 rotation generator gives the rotation matrix', () => {
    for (const t of [0.3, 2, 17.5]) {
      const { value } = expm([0, -t, t, 0], 2);
      expect(maxAbsDiff(value, [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)])).toBeLessThan(1e-12);
    }
  });
  it('diagonal matrix exponentiates entrywise', () => {
    const d = [-3, 0.5, 2, 6];
    const a = new Float64Array(16);
    d.forEach((x, i) => (a[i * 4 + i] = x));
    const { value } = expm(a, 4);
    const want = new Float64Array(16);
    d.forEach((x, i) => (want[i * 4 + i] = Math.exp(x)));
    for (let i = 0; i < 16; i++) expect(Math.abs(value[i]! - want[i]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(want[i]!)));
  });
  it('nilpotent matrix: e^N = I + N + N²/2 exactly', () => {
    // strictly upper triangular 3×3, N³ = 0
    const n = [0, 2, -1, 0, 0, 3, 0, 0, 0];
    const n2 = matmul(n, n, 3, 3, 3);
    const want = identity(3).map((v, i) => v + n[i]! + n2[i]! / 2);
    expect(maxAbsDiff(expm(n, 3).value, want)).toBeLessThan(1e-13);
  });
  it('expm of an antisymmetric Gaussian B is orthogonal with det +1 (js engine, n = 60)', () => {
    const n = 60;
    const { value: q, info } = expm(antisym(n, 1), n, { engine: 'js' });
    expect(info.squarings).toBeGreaterThan(0);
    const qtq = matmul(transpose(q, n, n), q, n, n, n);
    expect(maxAbsDiff(qtq, identity(n))).toBeLessThan(1e-11);
    // e^{B} e^{-B} = I
    const { value: qi } = expm(antisym(n, 1).map((x) => -x), n, { engine: 'js' });
    expect(maxAbsDiff(matmul(q, qi, n, n, n), identity(n))).toBeLessThan(1e-11);
  });
  it('tf float32 engine agrees with the Float64 engine and stays orthogonal', async () => {
    await selectBackend('cpu');
    const n = 40;
    const b = antisym(n, 2);
    const a = expm(b, n, { engine: 'js' }).value;
    const { value: t, info } = expm(b, n, { engine: 'tf' });
    expect(info.engine).toBe('tf');
    expect(maxAbsDiff(a, t)).toBeLessThan(2e-5);
    expect(maxAbsDiff(matmul(transpose(t, n, n), t, n, n, n), identity(n))).toBeLessThan(5e-5);
  });
  it('expmAction equals expm times the vector', () => {
    const n = 50;
    const b = antisym(n, 3);
    const v = new Rng(3, 'v').normal(n);
    const full = matvec(expm(b, n).value, v, n, n);
    expect(maxAbsDiff(expmAction(b, n, v), full)).toBeLessThan(1e-10);
  });
});

describe('dense solve and eigen', () => {
  it('solve recovers X from A X = B with pivoting', () => {
    const a = [0, 2, 1, 1, 1, 0, 3, 0, 1]; // zero leading pivot forces a row swap
    const x = [1, 2, 3, -1, 0.5, 4];
    const b = matmul(a, x, 3, 3, 2);
    expect(maxAbsDiff(solve(a, b, 3, 2)!, x)).toBeLessThan(1e-13);
    expect(solve([1, 2, 2, 4], [1, 1], 2, 1)).toBeUndefined();
  });
  it('Jacobi eigendecomposition reconstructs a random symmetric matrix', () => {
    const n = 12;
    const g = new Rng(4, 's').normal(n * n);
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = g[i * n + j]! + g[j * n + i]!;
    const { values, vectors } = symEig(s, n);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    for (let k = 0; k < n; k++) {
      const vk = vectors.slice(k * n, k * n + n);
      const sv = matvec(s, vk, n, n);
      expect(maxAbsDiff(sv, vk.map((x) => x * values[k]!))).toBeLessThan(1e-10);
    }
  });
  it('Lanczos finds both ends of a known spectrum', () => {
    const n = 300;
    const q = expm(antisym(n, 5), n, { engine: 'js' }).value;
    const lam = new Float64Array(n).map((_, i) => -2 + (5 * i) / (n - 1)); // −2 … 3
    const w = matmul(matmul(transpose(q, n, n), new Float64Array(n * n).map((_, k) => (k % (n + 1) === 0 ? lam[k / (n + 1)]! : 0)), n, n, n), q, n, n, n);
    const r = lanczosExtremes((v) => matvec(w, v, n, n), n, 120);
    expect(r.max).toBeCloseTo(3, 6);
    expect(r.min).toBeCloseTo(-2, 6);
  });
});
