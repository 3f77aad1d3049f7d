import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/config/types.js';
import { boundsFor, twoLayerKernel } from '../../../src/numerics/bounds/index.js';
import { expm } from '../../../src/numerics/linalg/expm.js';
import { matmul, transpose } from '../../../src/numerics/linalg/dense.js';
import { symEig } from '../../../src/numerics/linalg/eigen.js';
import { antisymmetricGaussian, eigenvalues, initialTheta, quadraticFeatures } from '../../../src/numerics/quadratic/features.js';
import { Rng } from '../../../src/numerics/rng.js';

/** Homogeneous two-layer net on one 1-D point, z = n^{-1/2} Σ v_k σ(u_k x), plain Float64 (Meltzer eq. 7/94). */
function homNet(n: number, ap: number, am: number, seed: number) {
  const r = new Rng(seed, 'net');
  const u = r.fork('u').normal(n);
  const v = r.fork('v').normal(n);
  const sig = (h: number) => (h >= 0 ? ap * h : am * h);
  const dsig = (h: number) => (h > 0 ? ap : h < 0 ? am : (ap + am) / 2);
  const zOf = (x: number) => u.reduce((s, uk, k) => s + v[k]! * sig(uk * x), 0) / Math.sqrt(n);
  const HOf = (x: number) => u.reduce((s, uk, k) => s + sig(uk * x) ** 2 + (v[k]! * dsig(uk * x) * x) ** 2, 0) / n;
  const step = (x: number, y: number, eta: number) => {
    const eps = zOf(x) - y;
    const c = (eta * eps) / Math.sqrt(n);
    for (let k = 0; k < n; k++) {
      const gu = v[k]! * dsig(u[k]! * x) * x;
      const gv = sig(u[k]! * x);
      u[k] = u[k]! - c * gu;
      v[k] = v[k]! - c * gv;
    }
  };
  const theta2 = () => u.reduce((s, a) => s + a * a, 0) + v.reduce((s, a) => s + a * a, 0);
  return { u, v, zOf, HOf, step, theta2 };
}

describe('θ² identity for the homogeneous two-layer net on (1, 0)', () => {
  it('θ²_{t+1} = θ²_t + η z_t² (η H_t − 4) over 50 steps (Float64)', () => {
    const net = homNet(256, 1, 0.5, 2);
    const eta = 3.5 / net.HOf(1);
    let worst = 0;
    let moved = 0;
    const t0 = net.theta2();
    for (let t = 0; t < 50; t++) {
      const z = net.zOf(1);
      const H = net.HOf(1);
      const before = net.theta2();
      net.step(1, 0, eta);
      const after = net.theta2();
      worst = Math.max(worst, Math.abs(after - (before + eta * z * z * (eta * H - 4))) / before);
      moved = Math.max(moved, Math.abs(after - t0) / t0);
    }
    expect(worst).toBeLessThan(1e-12);
    expect(moved).toBeGreaterThan(0.05);
  });
});

describe('Table 1 bounds from the actual initialisation', () => {
  it('pure quadratic toy bound equals 4/(ζ²θ0²λmax(ψ²)) · H0, recomputed from a dense W', () => {
    const n = 40;
    const spec: ModelSpec = { arch: 'pure-quadratic', n, zeta2: 2 / n, eigen: { kind: 'half-uniform', low: 1, high: 2 }, g: 'identity' };
    const f = quadraticFeatures(spec, 1, 5);
    const theta0rot = initialTheta(f, 5);
    const b = boundsFor(spec, { features: f, theta0: theta0rot, x: [1] });
    // independent dense computation in the original coordinates: W = qᵀΛq, θ0 ~ N(0, I)
    const rng = new Rng(5, 'quadratic');
    const lam = eigenvalues('half-uniform', n, rng.fork('eigen/0'), 1, 2);
    const q = expm(antisymmetricGaussian(n, rng.fork('B/0')), n).value;
    const W = matmul(transpose(q, n, n), matmul(new Float64Array(n * n).map((_, k) => (k % (n + 1) === 0 ? lam[k / (n + 1)]! : 0)), q, n, n, n), n, n, n);
    const theta0 = new Rng(5, 'quadratic/theta').normal(n);
    const zeta2 = 2 / n;
    const Wth = matmul(W, theta0, n, n, 1);
    const H0 = zeta2 * Wth.reduce((s, v) => s + v * v, 0);
    const eig = symEig(W, n).values;
    const lamPsi2 = Math.max(eig[0]! ** 2, eig[n - 1]! ** 2);
    const theta2 = theta0.reduce((s, v) => s + v * v, 0);
    const want = (4 / (zeta2 * theta2 * lamPsi2)) * H0;
    expect(b.eq60).toBeCloseTo(want, 8);
    expect(b['table1-upper']).toBe(b.eq60);
    expect(b.critical).toBe(2);
    // one datapoint: methods 1 and 2 coincide with Table 1
    expect(b.eq138).toBeCloseTo(want, 8);
    expect(b.eq154).toBeCloseTo(want, 8);
    // Meltzer's condition for a finite catapult window in expectation holds here (bound above 2)
    expect(want).toBeGreaterThan(2);
  });

  it('quadratic with bias: eq. 77 matches the formula; eq. 163 equals it for one datapoint', () => {
    const spec: ModelSpec = { arch: 'quadratic-bias', nPsi: 30, nPhi: 5, zeta2: 1 / 30, eigen: { kind: 'pm-one' }, g: 'identity' };
    const f = quadraticFeatures(spec, 1, 2);
    const th = initialTheta(f, 2);
    const b = boundsFor(spec, { features: f, theta0: th, x: [1] });
    const phi = f.U; // x = 1
    const phi2 = phi.reduce((s, v) => s + v * v, 0);
    const phiTh = phi.reduce((s, v, k) => s + v * th[30 + k]!, 0);
    const th2 = th.reduce((s, v) => s + v * v, 0);
    const psiTh2 = th.slice(0, 30).reduce((s, v, k) => s + (f.eigen![k]! * v) ** 2, 0);
    const H0 = phi2 + (1 / 30) * psiTh2;
    const want = (4 / (2 * phi2 + (1 / 30) * 1 * (th2 + phiTh ** 2 / phi2))) * H0;
    expect(b.eq77).toBeCloseTo(want, 9);
    expect(b.eq163).toBeCloseTo(want, 9);
  });

  it('homogeneous net: eq. 95 = 4n/(a₊²θ0²)·H0, its η-bound scales as 1/a₊², and ReLU eq. 124 is exactly 4', () => {
    const n = 64;
    const net = homNet(n, 1, 0.5, 3);
    const st = { W: net.u, v: net.v, x: [1], d: 1 };
    const spec = (ap: number, am: number): ModelSpec => ({ arch: 'fc2', width: n, activation: 'homogeneous', slopes: [ap, am] });
    const b1 = boundsFor(spec(1, 0.5), st);
    const H0 = net.HOf(1);
    const th2 = net.theta2();
    expect(b1.eq95).toBeCloseTo((4 * n) / th2 * H0, 9);
    expect(b1.eq180).toBeCloseTo(b1.eq95!, 9); // D = 1, x = 1
    // η-bound = bound / λmax(H0); H0 from the kernel closed form
    const lam = (ap: number, am: number) => twoLayerKernel(st, ap, am)[0]!;
    expect(lam(1, 0.5)).toBeCloseTo(H0, 9);
    const eta1 = b1.eq95! / lam(1, 0.5);
    const eta2 = boundsFor(spec(2, 0.5), st).eq95! / lam(2, 0.5);
    expect(eta1 / eta2).toBeCloseTo(4, 9);
    const relu = boundsFor({ arch: 'fc2', width: n, activation: 'relu' }, st);
    expect(relu.eq124).toBeCloseTo(4, 9);
    expect(relu.eq95).toBeUndefined();
    // ml-fig10 x = 4: eq. 180 carries the x² factor, eq. 124 stays 4 in units of ηH0
    const r4 = boundsFor({ arch: 'fc2', width: n, activation: 'relu' }, { ...st, x: [4] });
    expect(r4.eq124).toBeCloseTo(4, 9);
    const H4 = twoLayerKernel({ ...st, x: [4] }, 1, 0)[0]!;
    expect(r4.eq180).toBeCloseTo(((4 * n) / (16 * th2)) * H4, 9);
  });

  it('pure quadratic on D points: method 2 ≥ method 1 and both are positive (ml-fig4-like, small)', () => {
    const spec: ModelSpec = { arch: 'pure-quadratic', n: 40, eigen: { kind: 'pm-uniform' }, g: 'identity' };
    const f = quadraticFeatures(spec, 2, 1);
    const x = Array.from(new Rng(1, 'x').uniform(16, -0.5, 0.5));
    const b = boundsFor(spec, { features: f, theta0: initialTheta(f, 1), x });
    expect(b.eq138).toBeGreaterThan(0);
    // ψ_eff² ≼ Σψ_α²/D·… ⇒ λmax(ζ²ψ_eff²) ≤ λmax(Ω): method 2 is never stricter than method 1
    expect(b.eq154!).toBeGreaterThanOrEqual(b.eq138! * (1 - 1e-9));
    expect(b.eq60).toBeUndefined();
  });
});
