/**
 * Integration of the numerics API (initModel / trainModel) with the
 * quadratic-model library, the bounds library and the synthetic data
 * generator: the bounds initModel reports equal Meltzer & Liu's closed forms
 * at the actual initialisation, teacher labels equal teacherPredict, and one
 * small run per architecture family shows the three regimes of the catapult
 * picture (converged with a loss spike above critical, diverged far above).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LossConvention, ModelSpec, SyntheticDatasetSpec, TrainSpec } from '../../../src/config/types.js';
import { generateSynthetic, generateSyntheticAsync } from '../../../src/data/synthetic.js';
import { initBackend } from '../../../src/numerics/backend.js';
import { fc2InitWeights } from '../../../src/numerics/build.js';
import { initModel, initModelResult, trainModel } from '../../../src/numerics/index.js';
import { buildQuadraticModel, evaluateQuadratic, phiAt, quadraticFeatures, teacherPredict } from '../../../src/numerics/quadratic/index.js';
import type { QuadraticSpec } from '../../../src/numerics/quadratic/index.js';
import type { DataArrays } from '../../../src/numerics/types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Meltzer & Liu's convention L = 1/(2D) Σ (z − y)², under which λmax(∇²L) = λmax(H). */
const ml: LossConvention = { reduction: 'mean', half: true };

const points = (x: number, y: number): DataArrays => {
  const r = generateSynthetic({ generator: 'points', seed: 0, params: { x: [[x]], y: [y] } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const toy = points(1, 0);

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('initModel bounds equal the closed forms at the actual initialisation', () => {
  it('ReLU two-layer net, one point: the Table 1 bound 4/H0 is ηλmax(H0) = 4, also at x = 4 (eq. 124 with the x² factor)', async () => {
    const m = 128;
    for (const [x, y] of [[1, 0], [4, 2]] as const) {
      const spec: ModelSpec = { arch: 'fc2', width: m, activation: 'relu' };
      const s = await initModel(spec, points(x, y), ml, 3);
      expect(s.bounds).toBeDefined();
      expect(s.bounds!['table1-upper']).toBeCloseTo(4, 6);
      expect(s.bounds!.eq124).toBeCloseTo(4, 6);
      // H0 = x² θ₊² / n over the units active at init: the model's kernel agrees (float32).
      const { w1, v } = fc2InitWeights(m, 1, 3);
      let plus = 0;
      for (let k = 0; k < m; k++) if (w1[k]! * x > 0) plus += w1[k]! ** 2 + v[k]! ** 2;
      expect(rel(s.lambdaMaxH, (x * x * plus) / m)).toBeLessThan(1e-4);
    }
  });

  it('homogeneous net, one point: eq. (95) = 4n/(a₊²θ0²)·λmax(H0)', async () => {
    const m = 64;
    const [ap, am] = [1, 0.5];
    const spec: ModelSpec = { arch: 'fc2', width: m, activation: 'homogeneous', slopes: [ap, am] };
    const s = await initModel(spec, toy, ml, 1);
    const { w1, v } = fc2InitWeights(m, 1, 1);
    let theta2 = 0;
    let h0 = 0;
    for (let k = 0; k < m; k++) {
      const u = w1[k]!;
      const slope = u >= 0 ? ap : am;
      theta2 += u * u + v[k]! * v[k]!;
      h0 += (slope * u) ** 2 + (v[k]! * slope) ** 2;
    }
    h0 /= m;
    expect(rel(s.theta2, theta2)).toBeLessThan(1e-5);
    expect(rel(s.lambdaMaxH, h0)).toBeLessThan(1e-4);
    expect(rel(s.bounds!.eq95!, ((4 * m) / (ap * ap * theta2)) * h0)).toBeLessThan(1e-9);
    expect(s.bounds!['table1-upper']).toBe(s.bounds!.eq95);
    // a₋ < a₊ makes the NTK bound (192) loose, so the window is narrower than the linear net's 4.
    expect(s.bounds!.eq95!).toBeGreaterThan(2);
    expect(s.bounds!.eq95!).toBeLessThan(4);
  });

  it('pure quadratic, one point: Table 1 row 1, 4/(ζ²θ0²λmax(ψ²))·H0', async () => {
    const spec: ModelSpec = { arch: 'pure-quadratic', n: 200, zeta2: 2 / 200, eigen: { kind: 'half-uniform', low: 1, high: 2 }, g: 'identity' };
    const s = await initModel(spec, toy, ml, 0);
    const model = buildQuadraticModel(spec, [1], 0);
    try {
      const lam = model.features!.eigen!;
      const a0 = model.theta0;
      const zeta2 = 2 / 200;
      let h0 = 0;
      let theta2 = 0;
      let lamMax2 = 0;
      for (let i = 0; i < a0.length; i++) {
        h0 += zeta2 * lam[i]! ** 2 * a0[i]! ** 2;
        theta2 += a0[i]! ** 2;
        lamMax2 = Math.max(lamMax2, lam[i]! ** 2);
      }
      expect(rel(s.lambdaMaxH, h0)).toBeLessThan(1e-4);
      const expected = (4 / (zeta2 * theta2 * lamMax2)) * h0;
      expect(rel(s.bounds!['table1-upper']!, expected)).toBeLessThan(1e-9);
      expect(s.bounds!.eq60).toBe(s.bounds!['table1-upper']);
      // With one datapoint methods 1 and 2 reduce to the Table 1 row.
      expect(rel(s.bounds!.eq138!, expected)).toBeLessThan(1e-9);
      expect(rel(s.bounds!.eq154!, expected)).toBeLessThan(1e-9);
      expect(expected).toBeGreaterThan(2);
    } finally {
      model.dispose();
    }
  });

  it('quadratic model with bias, one point: Table 1 row 2 (eq. 77)', async () => {
    const spec: ModelSpec = { arch: 'quadratic-bias', nPsi: 40, nPhi: 6, zeta2: 1 / 40, eigen: { kind: 'pm-one' }, g: 'identity' };
    const s = await initModel(spec, toy, ml, 2);
    const model = buildQuadraticModel(spec, [1], 2);
    try {
      const f = model.features!;
      const th = model.theta0;
      const phi = phiAt(f, [1]);
      const zeta2 = 1 / 40;
      let theta2 = 0;
      for (const t of th) theta2 += t * t;
      let phi2 = 0;
      let phiTh = 0;
      for (let k = 0; k < f.nPhi; k++) {
        phi2 += phi[k]! ** 2;
        phiTh += phi[k]! * th[f.nPsi + k]!;
      }
      // J = (ζ λ∘a, φ): H0 = ζ² Σ λ² a² + φ² (λ = ±1).
      let h0 = phi2;
      for (let i = 0; i < f.nPsi; i++) h0 += zeta2 * th[i]! ** 2;
      expect(rel(s.lambdaMaxH, h0)).toBeLessThan(1e-4);
      const expected = (4 / (2 * phi2 + zeta2 * 1 * (theta2 + (phiTh * phiTh) / phi2))) * h0;
      expect(rel(s.bounds!.eq77!, expected)).toBeLessThan(1e-9);
      expect(s.bounds!['table1-upper']).toBe(s.bounds!.eq77);
    } finally {
      model.dispose();
    }
  });

  it('multi-point data: the pure quadratic gets methods 1 and 2, the homogeneous net eq. (180); the GQM none', async () => {
    const uni = generateSynthetic({ generator: 'uniform', seed: 0, params: { n: 8, dim: 2 } });
    if (!uni.ok) throw new Error(uni.error.message);
    const pq = await initModel({ arch: 'pure-quadratic', n: 60, eigen: { kind: 'pm-uniform', low: 0.9, high: 1.1 }, g: 'identity' }, uni.value, ml, 0);
    expect(Object.keys(pq.bounds!).sort()).toEqual(['critical', 'eq138', 'eq154']);
    expect(pq.bounds!.eq138!).toBeGreaterThan(0);
    const hom = await initModel({ arch: 'fc2', width: 32, activation: 'homogeneous', slopes: [1, 0.5] }, uni.value, ml, 0);
    expect(hom.bounds!.eq180!).toBeGreaterThan(0);
    expect(hom.bounds!.eq95).toBeUndefined();
    const gqm = await initModel({ arch: 'gqm', d: 2, gamma: 1e-3, init: 'normal' }, uni.value, ml, 0);
    expect(gqm.bounds).toBeUndefined();
  });

  it('toy data has no λ1/λ2 (one sign only); 1-D data with both signs does', async () => {
    const s = await initModel({ arch: 'fc2', width: 32, activation: 'relu' }, toy, ml, 0);
    expect(s.lambda12).toBeUndefined();
    const mix = generateSynthetic({ generator: 'gaussian-mixture', seed: 0, params: { n: 16 } });
    if (!mix.ok) throw new Error(mix.error.message);
    const t = await initModel({ arch: 'fc2', width: 32, activation: 'relu' }, mix.value, { reduction: 'mean', half: false }, 0);
    expect(t.lambda12).toHaveLength(2);
    // rank(K) ≤ 2 with K = λ1 p̂1p̂1ᵀ + λ2 p̂2p̂2ᵀ: the top eigenvalue is the larger of the two.
    expect(rel(t.lambdaMaxK, Math.max(...t.lambda12!))).toBeLessThan(1e-3);
  });

  it('an invalid quadratic spec is a failure value, not a throw', async () => {
    const r = await initModelResult({ arch: 'pure-quadratic', n: 10, rank: 20, eigen: { kind: 'pm-one' }, g: 'tanh', featureSeed: 1 }, toy, ml, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('bad-model-spec');
  });
});

describe('teacher–student datasets', () => {
  const model: QuadraticSpec = { arch: 'quadratic-bias', nPsi: 30, nPhi: 4, eigen: { kind: 'pm-one' }, g: 'tanh', featureSeed: 7 };
  const spec: SyntheticDatasetSpec = { generator: 'teacher', seed: 3, params: { n: 12, nTest: 5, dim: 1, model, teacherSeed: 11 } };

  it('labels equal teacherPredict on the drawn inputs (train and test)', async () => {
    const r = await generateSyntheticAsync(spec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const d = r.value;
    expect(Array.from(d.yTrain)).toEqual(Array.from(teacherPredict(model, d.xTrain, 11, 1)));
    expect(Array.from(d.yTest)).toEqual(Array.from(teacherPredict(model, d.xTest, 11, 1)));
    expect(new Set(d.yTrain).size).toBe(12);
  });

  it('a student declaring the same featureSeed shares the teacher features: at θ_teacher it reproduces the labels', async () => {
    const r = await generateSyntheticAsync(spec);
    if (!r.ok) throw new Error(r.error.message);
    const d = r.value;
    // Full-size "student" (no projection), same featureSeed: its features are the teacher's.
    const f = quadraticFeatures(model, 1, 7);
    const teacherTheta = (await import('../../../src/numerics/quadratic/index.js')).initialTheta(quadraticFeatures(model, 1, 7, 'teacher'), 11, 'quadratic/teacher-theta');
    const z = evaluateQuadratic(f, teacherTheta, d.xTrain);
    for (let i = 0; i < d.nTrain; i++) expect(z[i]!).toBeCloseTo(d.yTrain[i]!, 5);
    // A different featureSeed gives different features, so the same θ no longer fits.
    const other = evaluateQuadratic(quadraticFeatures({ ...model, featureSeed: 8 }, 1, 8), teacherTheta, d.xTrain);
    expect(Math.max(...Array.from(other, (v, i) => Math.abs(v - d.yTrain[i]!)))).toBeGreaterThan(1e-2);
  });
});

describe('catapult behaviour end to end, one run per architecture family', () => {
  const train = (steps: number): TrainSpec => ({
    optimizer: 'gd',
    steps,
    tol: 1e-14,
    tolAbsolute: true,
    evalEvery: 0,
    record: { dense: steps, points: 0 },
    metrics: ['loss', 'theta2', 'ntk'],
  });

  /** Runs at ηλmax(H0) = `rates`, returns status, loss spike factor and final ηλmax(H). */
  async function sweep(spec: ModelSpec, data: DataArrays, loss: LossConvention, rates: number[], steps: number) {
    const s = await initModel(spec, data, loss, 0);
    const out = [];
    for (const r of rates) {
      const eta = r / s.lambdaMaxH;
      const res = await trainModel(spec, 'net', data, loss, 0, eta, train(steps), { ceiling: 1e8 });
      const finite = res.trajectory.loss.filter(Number.isFinite);
      out.push({
        rate: r,
        status: res.status,
        spike: Math.max(...finite) / res.trajectory.loss[0]!,
        finalSharpness: res.final.lambdaMaxH !== undefined ? eta * res.final.lambdaMaxH : NaN,
        theta2Ratio: res.final.theta2 !== undefined ? res.final.theta2 / s.theta2 : NaN,
        finalLoss: res.final.loss,
      });
    }
    return out;
  }

  const expectCatapult = (runs: Awaited<ReturnType<typeof sweep>>) => {
    const [sub, sup, far] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(sub.status).toBe('converged');
    expect(sub.spike).toBeLessThanOrEqual(1 + 1e-6);
    expect(sup.status).toBe('converged');
    expect(sup.spike).toBeGreaterThan(10);
    expect(sup.finalSharpness).toBeLessThan(2);
    expect(far.status).toBe('diverged');
  };

  it('pure quadratic on the toy point (Meltzer Fig. 1): 1.0 monotone, 3.0 catapults with θ² falling, 5.0 diverges', async () => {
    const runs = await sweep({ arch: 'pure-quadratic', n: 300, zeta2: 2 / 300, eigen: { kind: 'half-uniform', low: 1, high: 2 }, g: 'identity' }, toy, ml, [1, 3, 5], 400);
    expectCatapult(runs);
    expect(runs[1]!.theta2Ratio).toBeLessThan(1);
  });

  it('quadratic model with bias on the toy point (Meltzer Fig. 6)', async () => {
    const spec: ModelSpec = { arch: 'quadratic-bias', nPsi: 100, nPhi: 10, zeta2: 0.01, eigen: { kind: 'pm-one' }, g: 'identity' };
    const runs = await sweep(spec, toy, ml, [1, 2.2, 4], 600);
    expectCatapult(runs);
    // converges a little beyond bound (77), as in the paper
    const b = (await initModel(spec, toy, ml, 0)).bounds!.eq77!;
    expect(b).toBeGreaterThan(2);
    expect(b).toBeLessThan(2.2);
  });

  it('homogeneous two-layer net on the toy point (Meltzer Fig. 2): converges past 4, diverges at 8', async () => {
    const spec: ModelSpec = { arch: 'fc2', width: 256, activation: 'homogeneous', slopes: [1, 0.5] };
    const runs = await sweep(spec, toy, ml, [1, 3, 8], 600);
    expectCatapult(runs);
    const beyond = await sweep(spec, toy, ml, [4.2], 1000);
    expect(beyond[0]!.status).toBe('converged');
  });

  it('general quadratic model on one input (Zhu App. J.3), in units of η/η_crit', async () => {
    const single = generateSynthetic({ generator: 'unit-gaussian', seed: 0, params: { n: 1, d: 100, labels: 'zero' } });
    if (!single.ok) throw new Error(single.error.message);
    const sumHalf: LossConvention = { reduction: 'sum', half: true };
    // η/η_crit = 0.5, 1.5, 3  ⇔  ηλmax = 1, 3, 6.
    const runs = await sweep({ arch: 'gqm', d: 100, gamma: 1e-2, init: 'normal' }, single.value, sumHalf, [1, 3, 6], 1500);
    expectCatapult(runs);
  });
});
