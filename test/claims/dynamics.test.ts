import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/claims/index.js';
import { linTable, linear, makeTable, twoBlock, uv, uvTable, type Series } from '../fixtures/claims/toy.js';

const GRID = [0.5, 1, 1.5, 1.8, 2.5, 3, 3.5, 3.9, 4.2, 5];
const converged = (extra: Partial<Series> = {}): Series => ({ loss: [1, 1e-3, 1e-6], status: 'converged', ...extra });

describe('loss-spike', () => {
  const check = { kind: 'loss-spike', variant: 'quad', axis: 'lambda', range: [2.4, 4], factor: 10 };
  it('PASS: every converged catapult run of the uv toy peaks ≥ 10× its initial loss', () => {
    const r = evaluateCheck(check, [uvTable('q', GRID)]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toMatch(/^max L\/L0: 2\.5 → 12\.\d+, 3 → 37\.\d+, 3\.5 → 74\.\d+, 3\.9 → 56\.\d+ \(ηλmax\(H0\) → value\)$/);
  });
  it('FAIL: a converged super-critical run without a spike', () => {
    const t = makeTable({ experiment: 'q', runs: [{ x: 3, variant: 'quad', series: converged() }] });
    expect(evaluateCheck(check, [t])).toMatchObject({ status: 'FAIL', measured: 'max L/L0: 3 → 1 (ηλmax(H0) → value) — violated at ηλmax(H0) = 3' });
  });
  it('FAIL when runs exist in the window but none converged; NOT-RUN when the window is empty', () => {
    const divergedQuad = makeTable({ experiment: 'q', runs: [{ x: 3, variant: 'quad', series: linear(3) }] });
    expect(evaluateCheck(check, [divergedQuad])).toMatchObject({
      status: 'FAIL',
      measured: 'none of the 1 run(s) in range converged',
    });
    expect(evaluateCheck(check, [uvTable('q', [1, 1.5])])).toMatchObject({ status: 'NOT-RUN', measured: 'the grid has no run with ηλmax(H0) ∈ [2.4, 4]' });
  });
});

describe('kernel-constant', () => {
  const check = { kind: 'kernel-constant', axis: 'lambda', range: [null, 1.8], tol: 0.05 };
  it('PASS: sub-critical uv runs keep ηλ_t within 5% (the change is O(f0²/m))', () => {
    const r = evaluateCheck(check, [uvTable('q', GRID)]);
    expect(r.status).toBe('PASS');
    expect(r.measured.startsWith('max |Δηλmax(H)|/ηλmax(H)(0): 0.5 → 0.005')).toBe(true);
  });
  it('FAIL: a catapult run is not constant', () => {
    const r = evaluateCheck({ ...check, range: [2.4, 4] }, [uvTable('q', GRID)]);
    expect(r.status).toBe('FAIL');
    expect(r.measured).toContain('violated at ηλmax(H0) = 2.5, 3, 3.5, 3.9');
  });
  it('NOT-RUN: the quantity was not recorded', () => {
    const t = makeTable({ experiment: 'q', runs: [{ x: 1, series: converged() }] });
    expect(evaluateCheck({ ...check, quantity: 'lambda1' }, [t])).toMatchObject({ status: 'NOT-RUN', measured: 'λ1 was not recorded for the selected runs' });
  });
});

describe('only-lambda1-drops', () => {
  // λ1/λ2 = 1.2: 2/λ1 < η < 2/λ2 is x1 = ηλ1 ∈ (2, 2.4).
  const table = (xs: number[], swap = false) =>
    makeTable({
      experiment: 'nqm',
      inits: [{ lambdaMaxK: 1.2, lambda12: [1.2, 1] }],
      lambdaMaxH: 1.2,
      runs: xs.map((x) => {
        const s = twoBlock(x, 1.2);
        return { x, series: swap ? { ...s, lambda1: s.lambda2, lambda2: s.lambda1 } : s };
      }),
    });
  const check = { kind: 'only-lambda1-drops', maxRatio: 0.95, tol: 0.02 };
  it('PASS: inside (2/λ1, 2/λ2) λ1 drops and λ2 stays', () => {
    const r = evaluateCheck(check, [table([1.5, 2.2, 2.6, 3])]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toMatch(/^η\/\(2\/λ1\) = 1\.1: λ1\(∞\)\/λ1\(0\) = 0\.79\d*, max \|Δλ2\|\/λ2\(0\) = 0\.00\d+$/);
  });
  it('FAIL: λ2 drops instead of λ1', () => {
    expect(evaluateCheck(check, [table([2.2], true)]).status).toBe('FAIL');
  });
  it('NOT-RUN: no rate inside the window, or no λ1/λ2 at init', () => {
    expect(evaluateCheck(check, [table([1.5, 3])])).toMatchObject({ status: 'NOT-RUN', measured: 'the grid has no run with 2/λ1 < η < 2/λ2' });
    expect(evaluateCheck(check, [uvTable('q', [2.2])]).measured).toBe('η/(2/λ1) cannot be computed (λ1/λ2 of the initial kernel not recorded)');
  });
  it('kernel-constant on the lambda1 axis uses 2/λ1 from the init', () => {
    const r = evaluateCheck({ kind: 'kernel-constant', quantity: 'lambda1', axis: 'lambda1', range: [null, 0.95], tol: 0.02 }, [table([1.5, 2.2])]);
    expect(r.status).toBe('PASS');
    expect(r.measured.startsWith('max |Δλ1|/λ1(0): 0.75 → ')).toBe(true);
  });
});

describe('nonincreasing (θ²)', () => {
  const check = { kind: 'nonincreasing', axis: 'lambda', range: [2, { bound: 'upper' }] };
  const withBound = (xs: number[]) => uvTable('q', xs, 'quad', { inits: [{ bounds: { upper: 4 } }] });
  it('PASS: θ² never increases inside the window of the bound (exact identity of the uv model)', () => {
    const r = evaluateCheck(check, [withBound(GRID)]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toBe('4/4 converged run(s) non-increasing; largest relative increase 0');
    expect(r.criterion).toBe('all runs: for every converged run with ηλmax(H0) ∈ [2, bound upper], θ² is non-increasing at every recorded step (relative tolerance 1.00e-6)');
  });
  it('FAIL: θ² increasing inside the window', () => {
    const t = makeTable({ experiment: 'q', inits: [{ bounds: { upper: 4 } }], runs: [{ x: 3, series: converged({ theta2: [1, 1.01, 1.02] }) }] });
    expect(evaluateCheck(check, [t])).toMatchObject({ status: 'FAIL', measured: '0/1 converged run(s) non-increasing; largest relative increase 0.01 — increases at ηλmax(H0) = 3 (step 1)' });
  });
  it('NOT-RUN: the bound is not reported', () => {
    expect(evaluateCheck(check, [uvTable('q', GRID)])).toMatchObject({ status: 'NOT-RUN', measured: 'the initialisation does not report bound upper' });
  });
});

describe('final-in', () => {
  it('θ∞²/θ0² < 1 in the catapult window: PASS for the uv toy, FAIL when the weight norm grows', () => {
    const check = { kind: 'final-in', quantity: 'theta2', relative: true, axis: 'lambda', range: [2.4, 4], hi: 0.99 };
    const r = evaluateCheck(check, [uvTable('q', GRID)]);
    expect(r.status).toBe('PASS');
    expect(r.measured.startsWith('4/4 run(s) satisfy it; θ²(∞)/θ²(0): 2.5 → 0.5')).toBe(true);
    const t = makeTable({ experiment: 'q', runs: [{ x: 3, series: converged({ theta2: [1, 1.2, 1.5] }) }] });
    expect(evaluateCheck(check, [t]).status).toBe('FAIL');
  });
  it('fraction 0 means "at least one" (θ² can exceed θ0²)', () => {
    const t = makeTable({
      experiment: 'q',
      runs: [
        { x: 4.5, series: converged({ theta2: [1, 0.9, 0.8] }) },
        { x: 5, series: converged({ theta2: [1, 1.2, 1.5] }) },
      ],
    });
    const check = { kind: 'final-in', quantity: 'theta2', relative: true, axis: 'lambda', range: [4, null], lo: 1.0, fraction: 0 };
    expect(evaluateCheck(check, [t])).toMatchObject({ status: 'PASS' });
    expect(evaluateCheck(check, [uvTable('q', GRID)]).status).toBe('FAIL');
    expect(evaluateCheck({ ...check, range: [6, null] }, [uvTable('q', GRID)]).status).toBe('NOT-RUN');
  });
  it('final sharpness near the edge of stability for "most" runs', () => {
    const runs = [2.5, 3, 4, 5, 6].map((x, i) => ({ x, series: converged({ sharpness: [x, 1.5, [1.95, 2.0, 1.98, 2.02, 1.2][i]!] }) }));
    const check = { kind: 'final-in', quantity: 'sharpness', axis: 'lambda', range: [2.2, null], lo: 1.8, hi: 2.1, fraction: 0.8 };
    expect(evaluateCheck(check, [makeTable({ experiment: 'm', runs })]).measured.startsWith('4/5 run(s) satisfy it')).toBe(true);
    expect(evaluateCheck(check, [makeTable({ experiment: 'm', runs })]).status).toBe('PASS');
    expect(evaluateCheck(check, [uvTable('q', GRID)]).status).toBe('FAIL');
  });
});

describe('peak-near', () => {
  const ratios = (f: (x: number) => number, xs: number[]) =>
    makeTable({ experiment: 'h', runs: xs.map((x) => ({ x, series: converged({ theta2: [1, f(x)] }) })) });
  const xs = [2, 2.5, 3, 3.5, 4, 4.5, 5];
  const check = { kind: 'peak-near', axis: 'lambda', range: [2, null], at: [3.7, 4.3] };
  it('PASS: θ∞²/θ0² peaks at 4 and falls beyond', () => {
    expect(evaluateCheck(check, [ratios((x) => 1 - 0.2 * Math.abs(x - 4), xs)])).toMatchObject({ status: 'PASS', measured: 'peak 1 at ηλmax(H0) = 4' });
  });
  it('FAIL: peak elsewhere, or at the convergence edge', () => {
    expect(evaluateCheck(check, [ratios((x) => 1 - 0.2 * Math.abs(x - 3), xs)]).status).toBe('FAIL');
    const t = makeTable({
      experiment: 'h',
      runs: [...[2, 3, 4].map((x) => ({ x, series: converged({ theta2: [1, x / 4] }) })), { x: 4.5, series: { loss: [1, 1e9], status: 'diverged' as const } }],
    });
    expect(evaluateCheck(check, [t])).toMatchObject({ status: 'FAIL', measured: 'peak 1 at ηλmax(H0) = 4 (no larger converged rate)' });
  });
  it('NOT-RUN: the grid ends at the peak', () => {
    expect(evaluateCheck(check, [ratios((x) => x, [2, 3, 4])]).status).toBe('NOT-RUN');
  });
});

describe('drops-then-returns', () => {
  const check = { kind: 'drops-then-returns', axis: 'lambda', range: [2.2, null], dropBelow: 1.5, returnTo: [1.8, 2.1] };
  it('PASS: final ηλmax(H) dips then returns to ≈ 2', () => {
    const finals = [1.5, 0.6, 1.2, 1.95, 2.0];
    const t = makeTable({ experiment: 'm', runs: [2.5, 3, 4, 5, 6].map((x, i) => ({ x, series: converged({ sharpness: [x, 1, finals[i]!] }) })) });
    const r = evaluateCheck(check, [t]);
    expect(r.status).toBe('PASS');
    expect(r.measured.startsWith('minimum 0.6 at ηλmax(H0) = 3; back in range at 5, 6')).toBe(true);
  });
  it('FAIL: the uv toy stays far below 2 after its catapult', () => {
    const r = evaluateCheck(check, [uvTable('q', GRID)]);
    expect(r.status).toBe('FAIL');
    expect(r.measured).toContain('never back in range at a larger rate');
  });
  it('NOT-RUN: fewer than two converged catapult runs', () => {
    expect(evaluateCheck(check, [uvTable('q', [1, 2.5])])).toMatchObject({ status: 'NOT-RUN', measured: 'only 1 converged run(s) in range, need 2' });
  });
});

describe('distance-ratio', () => {
  const check = { kind: 'distance-ratio', axis: 'critical', sub: [null, 0.95], super: [1.05, null], factor: 3 };
  it('PASS: ‖w−w0‖ after a catapult is many times the sub-critical distance', () => {
    const r = evaluateCheck(check, [uvTable('q', [0.5, 1, 1.5, 2.5, 3, 3.5])]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toMatch(/^min super \/ max sub = 4\.21\d* \/ 0\.67\d* = 6\.2\d*$/);
  });
  it('FAIL: a super-critical run that barely moves', () => {
    const t = makeTable({ experiment: 'q', runs: [{ x: 1, series: converged({ distance: [0, 1, 1] }) }, { x: 3, series: converged({ distance: [0, 1.5, 1.5] }) }] });
    expect(evaluateCheck(check, [t])).toMatchObject({ status: 'FAIL', measured: 'min super / max sub = 1.5 / 1 = 1.5' });
  });
  it('NOT-RUN: no sub-critical run', () => {
    expect(evaluateCheck(check, [uvTable('q', [2.5, 3])]).status).toBe('NOT-RUN');
  });
});

describe('spike-later-higher / same-edge / diverges-earlier', () => {
  // A wider uv model (larger m, i.e. smaller γ = 1/m) spikes later and higher at the same ηλ0.
  const widths = [25, 100, 400];
  const tables = widths.map((m) => makeTable({ experiment: `m${m}`, runs: [{ x: 3, series: uv(3, { m, steps: 600, f0: 0.5 }) }] }));
  it('spike-later-higher: PASS along increasing width, FAIL in the reverse order, NOT-RUN with a missing experiment', () => {
    const ok = evaluateCheck({ kind: 'spike-later-higher', experiments: ['m25', 'm100', 'm400'] }, tables);
    expect(ok.status).toBe('PASS');
    expect(ok.measured).toMatch(/^m25: peak at step \d+, max L\/L0 = [\d.]+; m100: peak at step \d+/);
    expect(evaluateCheck({ kind: 'spike-later-higher', experiments: ['m400', 'm100', 'm25'] }, tables).status).toBe('FAIL');
    expect(evaluateCheck({ kind: 'spike-later-higher', experiments: ['m25', 'm800'] }, tables).status).toBe('NOT-RUN');
  });
  it('same-edge: the catapult window does not depend on the width', () => {
    const xs = [1, 2.5, 3.5, 3.9, 4.2];
    const ts = widths.map((m) => makeTable({ experiment: `m${m}`, runs: xs.map((x) => ({ x, series: uv(x, { m }) })) }));
    expect(evaluateCheck({ kind: 'same-edge', experiments: ['m25', 'm100', 'm400'], axis: 'lambda', tol: 0.15 }, ts)).toMatchObject({
      status: 'PASS',
      measured: 'largest converged ηλmax(H0): m25: 3.9, m100: 3.9, m400: 3.9',
    });
    expect(evaluateCheck({ kind: 'same-edge', experiments: ['m25', 'lin'], axis: 'lambda', tol: 0.15 }, [...ts, linTable('lin', xs)]).status).toBe('FAIL');
  });
  it('diverges-earlier: the linear model (edge 2) diverges before the quadratic toy (edge 4)', () => {
    const ts = [linTable('three', GRID), uvTable('two', GRID)];
    expect(evaluateCheck({ kind: 'diverges-earlier', experiments: ['three', 'two'], axis: 'lambda' }, ts)).toMatchObject({
      status: 'PASS',
      measured: 'first non-converged ηλmax(H0): three: 2.5, two: 4.2',
    });
    expect(evaluateCheck({ kind: 'diverges-earlier', experiments: ['two', 'three'], axis: 'lambda' }, ts).status).toBe('FAIL');
    expect(evaluateCheck({ kind: 'diverges-earlier', experiments: ['three', 'two'], axis: 'lambda' }, [linTable('three', [1]), uvTable('two', [1])]).status).toBe('NOT-RUN');
  });
});

describe('loss-spike on θ² (rises then falls) and init-compare', () => {
  it('θ² first growing then falling beyond ηλ0 = 4: PASS / FAIL / NOT-RUN', () => {
    const check = { kind: 'loss-spike', quantity: 'theta2', axis: 'lambda', range: [4.25, null], factor: 1.01, fallTo: 0.99 };
    const grows = makeTable({ experiment: 'h', runs: [{ x: 4.5, series: converged({ theta2: [1, 1.3, 1.1] }) }] });
    const r = evaluateCheck(check, [grows]);
    expect(r).toMatchObject({ status: 'PASS', measured: 'max θ²/θ²(0): 4.5 → 1.3 (ηλmax(H0) → value); final/max: 0.8462' });
    expect(r.criterion).toBe('all runs: every converged run with ηλmax(H0) ≥ 4.25 has max θ² / θ²(0) ≥ 1.01 and ends at ≤ 0.99× its peak');
    const monotone = makeTable({ experiment: 'h', runs: [{ x: 4.5, series: converged({ theta2: [1, 0.9, 0.8] }) }] });
    expect(evaluateCheck(check, [monotone]).status).toBe('FAIL');
    expect(evaluateCheck(check, [uvTable('q', [1, 3])]).status).toBe('NOT-RUN');
  });
  it('fraction 0: at least one run', () => {
    const t = makeTable({ experiment: 'h', runs: [{ x: 4.5, series: converged({ theta2: [1, 0.9, 0.8] }) }, { x: 5, series: converged({ theta2: [1, 1.2, 1.1] }) }] });
    const r = evaluateCheck({ kind: 'loss-spike', quantity: 'theta2', axis: 'lambda', range: [4.25, null], factor: 1.01, fraction: 0 }, [t]);
    expect(r.status).toBe('PASS');
    expect(r.measured.startsWith('1/2 run(s) satisfy it')).toBe(true);
  });
  it('init-compare: a bound further right in one experiment than in another', () => {
    const a = makeTable({ experiment: 'fig8', runs: [], inits: [{ bounds: { eq95: 4.8 } }] });
    const b = makeTable({ experiment: 'fig2', runs: [], inits: [{ bounds: { eq95: 4.2 } }] });
    const check = { kind: 'init-compare', experiments: ['fig8', 'fig2'], quantity: 'bound:eq95' };
    expect(evaluateCheck(check, [a, b])).toMatchObject({ status: 'PASS', measured: 'fig8: bound:eq95 = 4.8; fig2: bound:eq95 = 4.2' });
    expect(evaluateCheck({ ...check, experiments: ['fig2', 'fig8'] }, [a, b]).status).toBe('FAIL');
    expect(evaluateCheck({ ...check, quantity: 'bound:eq180' }, [a, b])).toMatchObject({ status: 'NOT-RUN', measured: 'fig8, fig2: the initialisation does not report bound:eq180' });
  });
});
