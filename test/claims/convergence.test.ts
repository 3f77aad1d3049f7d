import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/claims/index.js';
import { linTable, linear, makeTable, uv, uvTable, viaJson } from '../fixtures/claims/toy.js';

const GRID = [0.5, 1, 1.5, 1.9, 2.1, 2.5, 3, 3.5, 3.9, 4.2, 5];

describe('converges-iff-below', () => {
  const check = { kind: 'converges-iff-below', variant: 'lin', axis: 'critical', threshold: 1, margin: 0.02, above: 'diverged' };

  it('PASS: the linear model converges exactly below η_crit and diverges above', () => {
    const r = evaluateCheck(check, [viaJson(linTable('lin', GRID))]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toBe('below: 4/4 converged; above: 7/7 as required; largest converged η/η_crit = 0.95');
    expect(r.criterion).toBe('lin: every run with η/η_crit < 1 − 0.02 converges and every run with η/η_crit > 1 + 0.02 diverges');
  });

  it('FAIL: an f_lin that converges above η_crit is a finding', () => {
    const t = makeTable({
      experiment: 'lin',
      runs: [...GRID.filter((x) => x < 2).map((x) => ({ x, variant: 'lin' as const, series: linear(x) })), { x: 3, variant: 'lin' as const, series: linear(0.5) }],
    });
    const r = evaluateCheck(check, [t]);
    expect(r.status).toBe('FAIL');
    expect(r.measured).toContain('violated at η/η_crit = 1.5');
  });

  it('NOT-RUN: no super-critical run in the grid', () => {
    const r = evaluateCheck(check, [linTable('lin', [0.5, 1, 1.5])]);
    expect(r.status).toBe('NOT-RUN');
    expect(r.measured).toBe('the grid has no run with η/η_crit > 1 + 0.02');
  });

  it('NOT-RUN: the experiment named is not among the inputs', () => {
    const r = evaluateCheck({ ...check, experiment: 'svhn' }, [linTable('lin', GRID)]);
    expect(r.status).toBe('NOT-RUN');
    expect(r.measured).toBe("metrics for experiment 'svhn' are not available (its runs failed or were not built)");
  });

  it('a bound of the initialisation can be the threshold (converted to the axis)', () => {
    const t = uvTable('q', GRID, 'quad', { inits: [{ bounds: { upper: 4 } }] });
    expect(evaluateCheck({ kind: 'converges-iff-below', axis: 'critical', threshold: { bound: 'upper' }, margin: 0.05 }, [t]).status).toBe('PASS');
    const noBound = evaluateCheck({ kind: 'converges-iff-below', axis: 'lambda', threshold: { bound: 'upper' } }, [uvTable('q', GRID)]);
    expect(noBound).toMatchObject({ status: 'NOT-RUN', measured: 'the initialisation does not report bound upper' });
  });
});

describe('converges-below / converges-beyond', () => {
  it('converges-below: PASS / FAIL / NOT-RUN', () => {
    const ok = evaluateCheck({ kind: 'converges-below', axis: 'lambda', threshold: 4, margin: 0.05 }, [uvTable('q', GRID)]);
    expect(ok.status).toBe('PASS');
    expect(ok.measured).toBe('below: 9/9 converged; largest converged ηλmax(H0) = 3.9');
    const bad = evaluateCheck({ kind: 'converges-below', axis: 'lambda', threshold: 5 }, [uvTable('q', GRID)]);
    expect(bad.status).toBe('FAIL');
    expect(bad.measured).toContain('violated at ηλmax(H0) = 4.2');
    expect(evaluateCheck({ kind: 'converges-below', axis: 'lambda', threshold: 0.4 }, [uvTable('q', GRID)]).status).toBe('NOT-RUN');
  });

  it('converges-beyond: some super-critical rate converges for the quadratic toy, none for the linear model', () => {
    const ok = evaluateCheck({ kind: 'converges-beyond', axis: 'lambda', threshold: 2, margin: 0.05 }, [uvTable('q', GRID)]);
    expect(ok.status).toBe('PASS');
    expect(ok.measured).toBe('5/7 run(s) above converged; largest converged ηλmax(H0) = 3.9; next non-converged = 4.2');
    const bad = evaluateCheck({ kind: 'converges-beyond', axis: 'lambda', threshold: 2, margin: 0.05 }, [linTable('lin', GRID)]);
    expect(bad.status).toBe('FAIL');
    expect(evaluateCheck({ kind: 'converges-beyond', axis: 'lambda', threshold: 6 }, [uvTable('q', GRID)]).status).toBe('NOT-RUN');
  });
});

describe('max-converged-in / edge-near', () => {
  it('max-converged-in: PASS when the edge is in range, FAIL outside, NOT-RUN when not bracketed', () => {
    const ok = evaluateCheck({ kind: 'max-converged-in', axis: 'lambda', range: [3.7, 4.05] }, [uvTable('q', GRID)]);
    expect(ok).toMatchObject({ status: 'PASS', measured: 'largest converged ηλmax(H0) = 3.9; next non-converged = 4.2' });
    const lin = evaluateCheck({ kind: 'max-converged-in', axis: 'lambda', range: [3.7, 4.05] }, [linTable('lin', GRID)]);
    expect(lin).toMatchObject({ status: 'FAIL', measured: 'largest converged ηλmax(H0) = 1.9; next non-converged = 2.1' });
    const open = evaluateCheck({ kind: 'max-converged-in', axis: 'lambda', range: [3.7, 4.05] }, [uvTable('q', [1, 2.5, 3])]);
    expect(open).toMatchObject({ status: 'NOT-RUN', measured: 'the convergence edge is not bracketed: every selected run up to ηλmax(H0) = 3 converged' });
  });

  it('edge-near: a coarse grid brackets η_max = 4/λ0 (2 η_crit) for the quadratic toy but not for the linear model', () => {
    const check = { kind: 'edge-near', axis: 'critical', value: 2, tol: 0.1 };
    const ok = evaluateCheck(check, [uvTable('q', [0.5 * 2, 1.5 * 2, 2.5 * 2, 4.5 * 2])]);
    expect(ok).toMatchObject({ status: 'PASS', measured: 'edge in (1.5, 2.5] vs 2' });
    expect(evaluateCheck(check, [linTable('lin', [1, 3, 5, 9])]).status).toBe('FAIL');
    expect(evaluateCheck(check, [uvTable('q', [1, 3])]).status).toBe('NOT-RUN');
  });
});

describe('converged rule', () => {
  it('a run stuck at a non-zero loss is not converged under the default rule, but is with a floor', () => {
    const stuck = { loss: [1, 0.6, 0.5, 0.5, 0.5], status: 'converged' as const };
    const t = makeTable({ experiment: 'e', runs: [{ x: 1, series: stuck }, { x: 3, series: { loss: [1, 5, 1e9], status: 'diverged' } }] });
    const check = { kind: 'converges-iff-below', axis: 'lambda', threshold: 2 };
    expect(evaluateCheck(check, [t]).status).toBe('FAIL');
    expect(evaluateCheck({ ...check, converged: { mode: 'removable', floor: 'min-final' } }, [t]).status).toBe('PASS');
    expect(evaluateCheck({ ...check, converged: { mode: 'removable', floor: 0.5 } }, [t]).status).toBe('PASS');
    expect(evaluateCheck({ ...check, converged: { mode: 'removable', floor: { extra: 'lossFloor' } } }, [t]).status).toBe('FAIL');
    const withFloor = makeTable({ experiment: 'e', inits: [{ extra: { lossFloor: 0.5 } }], runs: [{ x: 1, series: stuck }, { x: 3, series: { loss: [1, 5, 1e9], status: 'diverged' } }] });
    expect(evaluateCheck({ ...check, converged: { mode: 'removable', floor: { extra: 'lossFloor' } } }, [withFloor]).status).toBe('PASS');
    expect(evaluateCheck({ ...check, converged: { mode: 'not-diverged' } }, [t]).status).toBe('PASS');
  });

  it('several tables: each evaluated, FAIL dominates, NOT-RUN parts are named', () => {
    const check = { kind: 'converges-beyond', axis: 'lambda', threshold: 2, margin: 0.05 };
    const both = evaluateCheck(check, [uvTable('a', GRID), uvTable('b', [1, 1.5])]);
    expect(both.status).toBe('PASS');
    expect(both.measured).toContain('[b] NOT-RUN: the grid has no run with ηλmax(H0) > 2');
    expect(evaluateCheck(check, [uvTable('a', GRID), linTable('c', GRID)]).status).toBe('FAIL');
    expect(evaluateCheck(check, [])).toMatchObject({ status: 'NOT-RUN', measured: 'no metrics table reached the claims stage' });
  });

  it('uv toy sanity: θ² obeys the exact one-step identity θ²\' = θ² + η f² (ηλ − 4)', () => {
    // Guards the fixture itself: the catapult window (2, 4) of the tests rests on it.
    const s = uv(3, { steps: 5 });
    for (let t = 0; t + 1 < s.theta2.length; t++) {
      const lam = s.lambda[t]!;
      const eta = 3 / s.lambda[0]!;
      const f2 = 2 * s.loss[t]!;
      expect(s.theta2[t + 1]!).toBeCloseTo(s.theta2[t]! + eta * f2 * (eta * lam - 4), 8);
    }
  });
});
