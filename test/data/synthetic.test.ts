import { describe, expect, it } from 'vitest';
import { generateSynthetic, generateSyntheticAsync } from '../../src/data/synthetic.js';
import { selectSubset } from '../../src/data/subset.js';

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('selectSubset', () => {
  const labels = Array.from({ length: 400 }, (_, i) => i % 4);
  it('is balanced, labels the first class −1, and is a pure function of the seed', () => {
    const a = selectSubset('src', 'train', labels, [2, 1], 51, 7);
    const b = selectSubset('src', 'train', labels, [2, 1], 51, 7);
    const c = selectSubset('src', 'train', labels, [2, 1], 51, 8);
    if (!a.ok || !b.ok || !c.ok) throw new Error('subset failed');
    expect(a.value).toEqual(b.value);
    expect(a.value.indices).not.toEqual(c.value.indices);
    expect(a.value.labels.filter((y) => y === -1).length).toBe(25);
    expect(a.value.labels.filter((y) => y === 1).length).toBe(26);
    a.value.indices.forEach((i, k) => expect(a.value.labels[k]).toBe(labels[i] === 2 ? -1 : 1));
    expect(new Set(a.value.indices).size).toBe(51);
  });
  it("takes every example in file order for 'all', and excludes on request", () => {
    const all = selectSubset('src', 'test', labels, [0, 3], 'all', 0, new Set([0, 3, 4]));
    if (!all.ok) throw new Error('subset failed');
    expect(all.value.indices.length).toBe(197);
    expect(all.value.indices.slice(0, 3)).toEqual([7, 8, 11]);
  });
  it('refuses to draw more than exists', () => {
    expect(selectSubset('src', 'test', labels, [0, 1], 300, 0)).toEqual({
      ok: false,
      error: { reason: 'not-enough-data', message: "dataset 'src': asked for 150 test examples of class 0, only 100 available (use test: 'all' to take every one)" },
    });
  });
});

describe('generateSynthetic', () => {
  it('points: the toy dataset (1, 0)', () => {
    const r = generateSynthetic({ generator: 'points', seed: 0, params: { x: [[1]], y: [0] } });
    expect(r).toEqual({ ok: true, value: { inputShape: [1], nTrain: 1, xTrain: Float32Array.from([1]), yTrain: Float32Array.from([0]), nTest: 0, xTest: new Float32Array(0), yTest: new Float32Array(0) } });
  });
  it('gaussian-mixture: balanced ±1 with class means ±2 and unit variance; seeded', () => {
    const spec = { generator: 'gaussian-mixture' as const, seed: 3, params: { n: 4000, nTest: 10 } };
    const r = generateSynthetic(spec);
    if (!r.ok) throw new Error(r.error.message);
    const { xTrain: x, yTrain: y } = r.value;
    const neg = Array.from(x).filter((_, i) => y[i] === -1);
    const pos = Array.from(x).filter((_, i) => y[i] === 1);
    expect(neg.length).toBe(2000);
    expect(pos.length).toBe(2000);
    // standard error of a mean of 2000 unit normals is 0.022: 5 s.e. tolerance
    expect(Math.abs(mean(neg) + 2)).toBeLessThan(0.11);
    expect(Math.abs(mean(pos) - 2)).toBeLessThan(0.11);
    const v = mean(pos.map((p) => (p - mean(pos)) ** 2));
    expect(Math.abs(v - 1)).toBeLessThan(0.16);
    expect(r.value.nTest).toBe(10);
    const again = generateSynthetic(spec);
    expect(again.ok && again.value.xTrain).toEqual(x);
    const other = generateSynthetic({ ...spec, seed: 4 });
    expect(other.ok && other.value.xTrain).not.toEqual(x);
  });
  it('uniform: inside the box, y in range, mean of U(−½,½) ≈ 0', () => {
    const r = generateSynthetic({ generator: 'uniform', seed: 1, params: { n: 2000, dim: 2 } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.inputShape).toEqual([2]);
    expect(Math.max(...r.value.xTrain)).toBeLessThan(0.5);
    expect(Math.min(...r.value.xTrain)).toBeGreaterThan(-0.5);
    expect(Math.max(...r.value.yTrain)).toBeLessThan(0.5);
    expect(Math.abs(mean(r.value.yTrain))).toBeLessThan(5 * Math.sqrt(1 / 12 / 2000));
  });
  it('unit-gaussian: unit norms and ±1 labels', () => {
    const r = generateSynthetic({ generator: 'unit-gaussian', seed: 2, params: { n: 50, d: 100 } });
    if (!r.ok) throw new Error(r.error.message);
    for (let i = 0; i < 50; i++) {
      let s = 0;
      for (let j = 0; j < 100; j++) s += r.value.xTrain[i * 100 + j]! ** 2;
      expect(s).toBeCloseTo(1, 5);
    }
    expect(new Set(r.value.yTrain)).toEqual(new Set([-1, 1]));
  });
  it('teacher: uses the supplied teacherPredict, fails clearly without one', async () => {
    const spec = { generator: 'teacher' as const, seed: 0, params: { n: 5, nTest: 2, model: { arch: 'gqm', d: 1, gamma: 0, init: 'zero' }, teacherSeed: 9 } };
    const r = generateSynthetic(spec, (_m, seed, x) => x.map((v) => v * seed));
    expect(r.ok && Array.from(r.value.yTrain)).toEqual(Array.from(r.ok ? r.value.xTrain : []).map((v) => Math.fround(v * 9)));
    expect(generateSynthetic(spec)).toEqual({ ok: false, error: { reason: 'teacher-unavailable', message: "generator 'teacher' needs teacherPredict from src/numerics/quadratic/index.ts, which is not available (no teacherPredict was supplied)" } });
    const a = await generateSyntheticAsync(spec);
    // the library is present, but a gqm has no teacher: a tagged failure naming the param
    expect(a).toEqual({ ok: false, error: { reason: 'bad-spec', message: "generator 'teacher': param 'model' must be a pure-quadratic or quadratic-bias model spec, got \"gqm\"" } });
  });
  it('rejects bad params with the param named', () => {
    expect(generateSynthetic({ generator: 'uniform', seed: 0, params: { n: 0 } })).toEqual({ ok: false, error: { reason: 'bad-spec', message: "generator 'uniform': param 'n' must be a positive integer, got 0" } });
    const r = generateSynthetic({ generator: 'uniform', seed: 0, params: { n: 3, box: [1, 0] } });
    expect(!r.ok && r.error.message).toBe("generator 'uniform': param 'box' must be an interval [low, high] with low < high, got [1,0]");
  });
});
