import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/claims/index.js';
import { makeTable, type RunSpec, type Series } from '../fixtures/claims/toy.js';

const ok: Series = { loss: [1, 1e-3, 1e-6], status: 'converged' };
const diverged: Series = { loss: [1, 1e3, 1e9], status: 'diverged' };

/**
 * A Zhu-style best-test-loss grid (x in units of ηλmax(H0), so η/η_crit = x/2):
 * sub-critical, all three models ≈ 0.50; super-critical, f and f_quad improve
 * to 0.40 and f_lin diverges. Two seeds per point, ±0.005 around the mean.
 */
function zhuGrid(opts: { quadSuperLoss?: number; linSubLoss?: number } = {}): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const x of [0.5, 1, 1.5, 2.5, 3, 3.5]) {
    for (const variant of ['net', 'lin', 'quad'] as const) {
      for (const seed of [0, 1]) {
        const jitter = seed ? 0.005 : -0.005;
        const sup = x > 2;
        if (sup && variant === 'lin') {
          runs.push({ x, variant, seed, series: diverged });
          continue;
        }
        const base = !sup ? (variant === 'lin' ? (opts.linSubLoss ?? 0.5) : 0.5) : variant === 'quad' ? (opts.quadSuperLoss ?? 0.4) : 0.4;
        runs.push({ x, variant, seed, series: ok, best: { testLoss: base + jitter, testAcc: 1 - base + jitter, step: 10 } });
      }
    }
  }
  return runs;
}
const table = (runs: RunSpec[], experiment = 'cifar2') => makeTable({ experiment, runs, inits: [{ seed: 0 }, { seed: 1 }] });

describe('test-compare', () => {
  const check = { kind: 'test-compare', metric: 'bestTestLoss', variants: ['net', 'quad'], axis: 'critical', sub: [null, 0.95], super: [1.05, null] };
  it('PASS: super-critical f and f_quad beat their best sub-critical test loss', () => {
    const r = evaluateCheck(check, [table(zhuGrid())]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toBe('net: super 0.4 (at η/η_crit = 1.25) vs sub 0.5 (at 0.25); quad: super 0.4 (at η/η_crit = 1.25) vs sub 0.5 (at 0.25)');
  });
  it('FAIL: f_quad no better above η_crit; FAIL: f_lin has no converged super-critical rate', () => {
    expect(evaluateCheck(check, [table(zhuGrid({ quadSuperLoss: 0.55 }))]).status).toBe('FAIL');
    const lin = evaluateCheck({ ...check, variants: ['lin'] }, [table(zhuGrid())]);
    expect(lin).toMatchObject({ status: 'FAIL', measured: 'lin: super-range: none of the 6 run(s) in range converged' });
  });
  it('accuracy is "higher is better"', () => {
    const acc = evaluateCheck({ ...check, metric: 'bestTestAcc', strict: false }, [table(zhuGrid())]);
    expect(acc.status).toBe('PASS');
    expect(evaluateCheck({ ...check, metric: 'bestTestAcc' }, [table(zhuGrid({ quadSuperLoss: 0.55 }))]).status).toBe('FAIL');
  });
  it('NOT-RUN: no super-critical rate in the grid, or test metrics not recorded', () => {
    expect(evaluateCheck(check, [table(zhuGrid().filter((r) => r.x < 2))]).measured).toBe('net: the grid has no run with η/η_crit ≥ 1.05; quad: the grid has no run with η/η_crit ≥ 1.05');
    const bare = zhuGrid().map(({ best: _b, ...r }) => r);
    expect(evaluateCheck(check, [table(bare)])).toMatchObject({ status: 'NOT-RUN', measured: 'net: bestTestLoss was not recorded for the selected runs; quad: bestTestLoss was not recorded for the selected runs' });
  });
  it('per panel: a missing dataset is named, the other panels still decide', () => {
    const r = evaluateCheck(check, [table(zhuGrid(), 'cifar2'), table(zhuGrid().filter((x) => x.x < 2), 'mnist')]);
    expect(r.status).toBe('PASS');
    expect(r.measured).toContain('[mnist] NOT-RUN: net: the grid has no run');
  });
});

describe('curves-coincide', () => {
  const check = { kind: 'curves-coincide', metric: 'bestTestLoss', variants: ['net', 'lin', 'quad'], axis: 'critical', range: [null, 0.95], relTol: 0.05 };
  it('PASS: sub-critical best test losses of f, f_lin, f_quad agree within 5%', () => {
    expect(evaluateCheck(check, [table(zhuGrid())])).toMatchObject({
      status: 'PASS',
      measured: 'largest relative spread 0 at η/η_crit = 0.25 (net 0.5, lin 0.5, quad 0.5) over 3 rate(s)',
    });
  });
  it('FAIL: f_lin 20% worse', () => {
    const r = evaluateCheck(check, [table(zhuGrid({ linSubLoss: 0.6 }))]);
    expect(r.status).toBe('FAIL');
    expect(r.measured).toBe('largest relative spread 0.2 at η/η_crit = 0.25 (net 0.5, lin 0.6, quad 0.5) over 3 rate(s)');
  });
  it('NOT-RUN: no sub-critical rate', () => {
    expect(evaluateCheck(check, [table(zhuGrid().filter((r) => r.x > 2))]).status).toBe('NOT-RUN');
  });
});

describe('sparsity-increases / layer-sparser', () => {
  const sparseRuns = (f: (x: number) => number[]) => makeTable({ experiment: 'mnist', runs: [2.5, 3, 4, 5, 6, 8].map((x) => ({ x, series: ok, sparsity: f(x) })) });
  it('sparsity-increases: PASS for a rising sparsity, FAIL for a falling one, NOT-RUN without sparsity', () => {
    const check = { kind: 'sparsity-increases', axis: 'lambda', range: [2.2, null], rho: 0.6 };
    const up = evaluateCheck(check, [sparseRuns((x) => [0.5 + 0.02 * x + (x === 4 ? 0.05 : 0)])]);
    expect(up.status).toBe('PASS');
    expect(up.measured.startsWith('ρ = 0.8286 over 6 run(s)')).toBe(true); // 1 − 6·Σd²/(n(n²−1)) with Σd² = 6
    expect(evaluateCheck(check, [sparseRuns((x) => [0.9 - 0.02 * x])]).status).toBe('FAIL');
    expect(evaluateCheck(check, [makeTable({ experiment: 'mnist', runs: [{ x: 3, series: ok }] })])).toMatchObject({ status: 'NOT-RUN', measured: 'per-layer sparsity was not recorded' });
    expect(evaluateCheck({ ...check, layer: 1 }, [sparseRuns((x) => [0.5, 0.3 + 0.01 * x])]).status).toBe('PASS');
  });
  it('layer-sparser: first layer sparser than the second', () => {
    const check = { kind: 'layer-sparser', axis: 'lambda', range: [2.2, null] };
    expect(evaluateCheck(check, [sparseRuns(() => [0.7, 0.5])])).toMatchObject({ status: 'PASS' });
    const r = evaluateCheck(check, [sparseRuns((x) => (x < 5 ? [0.7, 0.5] : [0.5, 0.6]))]);
    expect(r.status).toBe('FAIL');
    expect(r.measured.startsWith('3/6 run(s) satisfy it')).toBe(true);
    expect(evaluateCheck({ ...check, fraction: 0.5 }, [sparseRuns((x) => (x < 5 ? [0.7, 0.5] : [0.5, 0.6]))]).status).toBe('PASS');
    expect(evaluateCheck(check, [sparseRuns(() => [0.7])])).toMatchObject({ status: 'NOT-RUN', measured: 'per-layer sparsity was not recorded for layer 1' });
  });
});

describe('value-near', () => {
  // Zhu fig 3: MSE over 128 points, λ1(H) = 2/0.37 and λ2(H) = 2/0.39; lambda12 is stored in kernel units.
  const lamH1 = 2 / 0.37;
  const lamH2 = 2 / 0.39;
  const nqm = (scale = 1) =>
    makeTable({ experiment: 'nqm', lambdaMaxH: lamH1 * scale, inits: [{ lambdaMaxK: 64 * lamH1 * scale, lambda12: [64 * lamH1 * scale, 64 * lamH2 * scale] }], runs: [] });
  it('PASS: 2/λ1 and 2/λ2 near the paper values (from etaCrit and the kernel eigenvalue ratio)', () => {
    const r1 = evaluateCheck({ kind: 'value-near', quantity: 'etaLambda1', target: 0.37, relTol: 0.15 }, [nqm()]);
    expect(r1).toMatchObject({ status: 'PASS', measured: 'seed 0: etaLambda1 = 0.37' });
    expect(evaluateCheck({ kind: 'value-near', quantity: 'etaLambda2', target: 0.39, relTol: 0.15 }, [nqm()]).measured).toBe('seed 0: etaLambda2 = 0.39');
  });
  it('FAIL: a kernel 30% larger; NOT-RUN: no λ1/λ2', () => {
    expect(evaluateCheck({ kind: 'value-near', quantity: 'etaLambda1', target: 0.37, relTol: 0.15 }, [nqm(1.3)])).toMatchObject({ status: 'FAIL', measured: 'seed 0: etaLambda1 = 0.2846' });
    expect(evaluateCheck({ kind: 'value-near', quantity: 'etaLambda1', target: 0.37, relTol: 0.15 }, [makeTable({ experiment: 'x', runs: [] })])).toMatchObject({
      status: 'NOT-RUN',
      measured: 'the initialisation does not report etaLambda1',
    });
    expect(evaluateCheck({ kind: 'value-near', quantity: 'bound:upper', target: 4, absTol: 0.1 }, [makeTable({ experiment: 'x', runs: [], inits: [{ bounds: { upper: 4.05 } }] })]).status).toBe('PASS');
  });
});

describe('all-of', () => {
  const t = table(zhuGrid());
  const good = { kind: 'test-compare', metric: 'bestTestLoss', variants: ['net'], axis: 'critical', sub: [null, 0.95], super: [1.05, null] };
  const bad = { kind: 'converges-iff-below', variant: 'net', axis: 'critical', threshold: 1 };
  const absent = { kind: 'value-near', quantity: 'etaLambda1', target: 0.37, relTol: 0.1 };
  it('PASS only when every part passes; FAIL dominates; otherwise NOT-RUN', () => {
    expect(evaluateCheck({ kind: 'all-of', checks: [good, good] }, [t]).status).toBe('PASS');
    const r = evaluateCheck({ kind: 'all-of', checks: [good, bad, absent] }, [t]);
    expect(r.status).toBe('FAIL');
    expect(r.criterion.split(' AND ')).toHaveLength(3);
    expect(evaluateCheck({ kind: 'all-of', checks: [good, absent] }, [t]).status).toBe('NOT-RUN');
  });
});
