import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/config/types.js';
import { selectBackend } from '../../../src/numerics/backend.js';
import {
  buildQuadraticModel,
  checkQuadraticSpec,
  evaluateQuadratic,
  initialTheta,
  quadraticFeatures,
  teacherPredict,
  toyH0,
  toyRun,
} from '../../../src/numerics/quadratic/index.js';
import type { QuadraticSpec } from '../../../src/numerics/quadratic/index.js';
import { quadraticNeedsFeatureSeed } from '../../../src/messages/quadratic.js';
import { Rng } from '../../../src/numerics/rng.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const fig1 = (n: number): QuadraticSpec => ({ arch: 'pure-quadratic', n, zeta2: 2 / n, eigen: { kind: 'half-uniform', low: 1, high: 2 }, g: 'identity' });

/** J Jᵀ by reverse-mode autodiff of predict, one example at a time. */
function autodiffKernel(model: ReturnType<typeof buildQuadraticModel>, x: tf.Tensor2D): number[][] {
  const rows = x.shape[0];
  const J: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const xr = x.slice([r, 0], [1, x.shape[1]]);
    const { grads } = tf.variableGrads(() => tf.sum(model.predict(xr)) as tf.Scalar, [model.theta]);
    J.push(grads[model.theta.name]!.dataSync() as Float32Array);
    Object.values(grads).forEach((g) => g.dispose());
    xr.dispose();
  }
  return J.map((a) => J.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)));
}

describe('pure quadratic model on the toy dataset (x, y) = (1, 0)', () => {
  it('θ²_{t+1} = θ²_t + η z_t² (η H_t − 4) step by step (Float64 recurrence, 50 steps, catapult rate)', () => {
    const spec = fig1(200);
    const f = quadraticFeatures(spec, 1, 7);
    const a0 = initialTheta(f, 7);
    const run = toyRun(f.eigen!, a0, f.zeta, 3.2, { record: true, maxSteps: 50, tol: 0 });
    const eta = 3.2 / toyH0(f.eigen!, a0, f.zeta);
    let worst = 0;
    for (let t = 0; t < 50; t++) {
      const lhs = run.theta2![t + 1]!;
      const rhs = run.theta2![t]! + eta * run.z![t]! ** 2 * (eta * run.H![t]! - 4);
      worst = Math.max(worst, Math.abs(lhs - rhs) / run.theta2![t]!);
    }
    expect(worst).toBeLessThan(1e-12);
    // and θ² really moved (the identity is not vacuous): the catapult removes a large part of θ0²
    expect(run.theta2![50]!).toBeLessThan(0.9 * run.theta2![0]!);
  });

  it('the tfjs model (gdStep) obeys the same identity to float32 precision and matches the Float64 recurrence', () => {
    const spec = fig1(100);
    const model = buildQuadraticModel(spec, [1], 3);
    const x = tf.tensor2d([[1]]);
    const y = tf.tensor1d([0]);
    const H0 = model.kernelMax(x);
    const eta = 3 / H0;
    const f = model.features!;
    const ref = toyRun(f.eigen!, model.theta0, f.zeta, 3, { record: true, maxSteps: 40, tol: 0 });
    let t2 = model.theta0.reduce((s, v) => s + v * v, 0);
    for (let t = 0; t < 40; t++) {
      const z = tf.tidy(() => model.predict(x).dataSync()[0]!);
      const H = model.kernelMax(x);
      model.gdStep(x, y, eta, 0.5);
      const next = tf.tidy(() => tf.sum(tf.square(model.theta)).dataSync()[0]!);
      const pred = t2 + eta * z * z * (eta * H - 4);
      expect(Math.abs(next - pred)).toBeLessThan(2e-4 * t2);
      expect(Math.abs(z - ref.z![t]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref.z![t]!)));
      t2 = next;
    }
    model.dispose();
    tf.dispose([x, y]);
  });

  it('ml-fig1 sanity at n = 100: converges for ηH0 ≤ 3.8, diverges well above 4', () => {
    const spec = fig1(100);
    const f = quadraticFeatures(spec, 1, 11);
    const a0 = initialTheta(f, 11);
    for (const r of [0.5, 1.5, 2.5, 3.0, 3.5, 3.8]) expect(toyRun(f.eigen!, a0, f.zeta, r).status).toBe('converged');
    for (const r of [4.6, 5.0, 6.0]) expect(toyRun(f.eigen!, a0, f.zeta, r).status).toBe('diverged');
    // super-critical converged runs end with ηH∞ < 2 and θ∞² < θ0² (catapult)
    const cat = toyRun(f.eigen!, a0, f.zeta, 3.0);
    const eta = 3.0 / toyH0(f.eigen!, a0, f.zeta);
    expect(eta * cat.final.H).toBeLessThan(2);
    expect(cat.final.theta2).toBeLessThan(a0.reduce((s, v) => s + v * v, 0));
  });
});

describe('closed-form kernel equals J Jᵀ from autodiff', () => {
  const x2 = () => tf.tensor2d(Float32Array.from(new Rng(5, 'x').uniform(8, -0.5, 0.5)), [4, 2]);
  const x1 = () => tf.tensor2d(Float32Array.from(new Rng(5, 'x1').uniform(5, -0.5, 0.5)), [5, 1]);
  const cases: [string, ModelSpec, () => tf.Tensor2D, number[]][] = [
    ['pure, d = 2, identity (dense W^i)', { arch: 'pure-quadratic', n: 30, eigen: { kind: 'pm-uniform' }, g: 'identity' }, x2, [2]],
    ['pure, tanh (elementwise)', { arch: 'pure-quadratic', n: 24, eigen: { kind: 'pm-one' }, g: 'tanh' }, x1, [1]],
    ['pure, eigen basis', { arch: 'pure-quadratic', n: 20, eigen: { kind: 'half-uniform' }, g: 'identity' }, x1, [1]],
    ['with bias, tanh, student', { arch: 'quadratic-bias', nPsi: 20, nPhi: 6, eigen: { kind: 'pm-one' }, g: 'tanh', student: { nPsi: 15, nPhi: 4 }, featureSeed: 9 }, x1, [1]],
    ['GQM', { arch: 'gqm', d: 6, gamma: 0.1, init: 'normal' }, () => tf.tensor2d(Float32Array.from(new Rng(5, 'g').normal(18)), [3, 6]) as tf.Tensor2D, [6]],
  ];
  for (const [name, spec, mk, shape] of cases)
    it(name, () => {
      const model = buildQuadraticModel(spec, shape, 4);
      const x = mk();
      const k = model.kernel(x);
      const kc = k.arraySync();
      const ka = autodiffKernel(model, x);
      for (let i = 0; i < ka.length; i++)
        for (let j = 0; j < ka.length; j++) expect(Math.abs(kc[i]![j]! - ka[i]![j]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ka[i]![j]!)));
      expect(model.kernelMax(x)).toBeGreaterThan(0);
      k.dispose();
      x.dispose();
      model.dispose();
    });

  it('gdStep equals a reverse-mode GD step', () => {
    const spec: ModelSpec = { arch: 'quadratic-bias', nPsi: 16, nPhi: 4, eigen: { kind: 'pm-one' }, g: 'identity' };
    const a = buildQuadraticModel(spec, [2], 1);
    const b = buildQuadraticModel(spec, [2], 1);
    const x = tf.tensor2d(Float32Array.from(new Rng(2, 'x').uniform(10, -0.5, 0.5)), [5, 2]);
    const y = tf.tensor1d(Float32Array.from(new Rng(2, 'y').uniform(5, -0.5, 0.5)));
    const la = a.gdStep(x, y, 0.3, 0.1);
    const { value, grads } = tf.variableGrads(() => tf.mul(tf.sum(tf.square(tf.sub(b.predict(x), y))), 0.1) as tf.Scalar, [b.theta]);
    b.theta.assign(tf.sub(b.theta, tf.mul(grads[b.theta.name]!, 0.3)));
    expect(la).toBeCloseTo(value.dataSync()[0]!, 5);
    const da = a.theta.dataSync();
    const db = b.theta.dataSync();
    for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThan(1e-5);
    a.dispose();
    b.dispose();
  });
});

describe('teacher–student and features', () => {
  it('an unprojected student with the teacher seed reproduces the teacher labels', () => {
    const spec: QuadraticSpec = { arch: 'pure-quadratic', n: 30, eigen: { kind: 'pm-one' }, g: 'tanh', featureSeed: 3 };
    const x = Float32Array.from(new Rng(1, 'x').uniform(6, -0.5, 0.5));
    const yT = teacherPredict(spec, x, 8);
    const f = quadraticFeatures(spec, 1, 3, 'teacher');
    const want = evaluateQuadratic(f, initialTheta(f, 8, 'quadratic/teacher-theta'), x);
    for (let i = 0; i < 6; i++) expect(yT[i]!).toBeCloseTo(want[i]!, 5);
    expect(Math.max(...Array.from(yT, Math.abs))).toBeGreaterThan(0);
  });
  it('the student ψ is the leading block of the teacher ψ (projector Q = [I | 0])', () => {
    const spec: QuadraticSpec = { arch: 'pure-quadratic', n: 20, rank: 12, eigen: { kind: 'pm-one' }, g: 'tanh', featureSeed: 3 };
    const t = quadraticFeatures(spec, 1, 3, 'teacher');
    const s = quadraticFeatures(spec, 1, 3, 'student');
    expect(s.nPsi).toBe(12);
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect(s.W![0]![i * 12 + j]).toBe(t.W![0]![i * 20 + j]);
  });
  it('W^i has the drawn spectrum: tr W = 0 and tr W² = Σλ² (pm-uniform pairs)', () => {
    const f = quadraticFeatures({ arch: 'pure-quadratic', n: 40, eigen: { kind: 'pm-uniform' }, g: 'identity' }, 2, 1);
    const w = f.W![1]!;
    let tr = 0;
    let tr2 = 0;
    for (let i = 0; i < 40; i++) tr += w[i * 40 + i]!;
    for (let k = 0; k < w.length; k++) tr2 += w[k]! * w[k]!;
    expect(Math.abs(tr)).toBeLessThan(1e-10);
    expect(tr2).toBeGreaterThan(40 * 0.81 - 1e-9);
    expect(tr2).toBeLessThan(40 * 1.21 + 1e-9);
  });
  it('checkQuadraticSpec rejects a projection without featureSeed, with the message', () => {
    const r = checkQuadraticSpec({ arch: 'pure-quadratic', n: 20, rank: 10, eigen: { kind: 'pm-one' }, g: 'tanh' }, [1]);
    expect(r).toEqual({ ok: false, error: { reason: 'needs-feature-seed', message: quadraticNeedsFeatureSeed('pure-quadratic') } });
    expect(checkQuadraticSpec({ arch: 'gqm', d: 5, gamma: 1e-3, init: 'zero' }, [5]).ok).toBe(true);
  });
});
