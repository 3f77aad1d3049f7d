import { describe, expect, it } from 'vitest';
import { CHECK_KINDS, evaluateCheck, spearman, validateCheck, validateCheckDetailed } from '../../src/claims/index.js';
import { KIND_IMPLS } from '../../src/claims/checks.js';
import { uvTable } from '../fixtures/claims/toy.js';

describe('CHECK_KINDS / validateCheck', () => {
  it('every described kind has an implementation (all-of is evaluated by the index)', () => {
    expect(Object.keys(CHECK_KINDS).filter((k) => k !== 'all-of').sort()).toEqual(Object.keys(KIND_IMPLS).sort());
  });

  it('accepts a well-formed check of every kind used in docs/claims.md', () => {
    expect(validateCheck({ kind: 'converges-iff-below', variant: 'lin', axis: 'critical', threshold: 1, margin: 0.05 })).toEqual([]);
    expect(validateCheck({ kind: 'nonincreasing', axis: 'lambda', range: [2, { bound: 'table1-upper' }] })).toEqual([]);
    expect(validateCheck({ kind: 'converged-in', axis: 'lambda' })).toEqual([
      `/kind: unknown check kind 'converged-in' (known: ${Object.keys(CHECK_KINDS).join(', ')})`,
    ]);
  });

  it('locates missing, misspelt and mistyped parameters', () => {
    expect(validateCheckDetailed({ kind: 'loss-spike', axis: 'lambda', range: [2, 4], factr: 10 })).toEqual([
      { path: '/factor', message: 'is required' },
      { path: '/factr', message: "unknown parameter 'factr'" },
    ]);
    expect(validateCheck({ kind: 'converges-below', axis: 'eta', threshold: 'four' })).toEqual([
      '/axis: must be one of absolute, value, critical, lambda, lambda1, lambda2',
      '/threshold: must be a number, null (unbounded), or {bound: <name of an InitRow bound>, scale?: number}',
    ]);
    expect(validateCheck({ kind: 'max-converged-in', axis: 'lambda', range: [4.05, 3.8] })).toEqual(['/range: low 4.05 exceeds high 3.8']);
    expect(validateCheck({ kind: 'final-in', quantity: 'theta2', axis: 'lambda', range: [2, 4] })).toEqual(['/lo: final-in needs lo, hi or both']);
    expect(validateCheck({ kind: 'value-near', quantity: 'lambda9', target: 1, relTol: 0.1 })).toEqual(['/quantity: must match pattern "^(etaCrit|lambdaMaxH|lambdaMaxK|theta2|loss0|etaLambda1|etaLambda2|bound:.+|extra:.+)$"']);
    expect(validateCheck({ kind: 'converges-below', axis: 'lambda', threshold: 2, converged: { mode: 'removable', floor: 'best' } })).toEqual([
      '/converged: must be {mode: removable, removable?: number, floor?: zero | min-final | number | {extra: name}} or {mode: not-diverged}',
    ]);
    expect(validateCheck('converges')).toEqual(['/: must be an object with a kind']);
  });

  it('validates the checks inside all-of with their index in the path', () => {
    expect(validateCheck({ kind: 'all-of', checks: [{ kind: 'loss-spike', axis: 'lambda', range: [2, 4], factor: 10 }, { kind: 'nope' }] })[0]).toMatch(/^\/checks\/1\/kind: unknown check kind 'nope'/);
  });

  it('an invalid check evaluates to NOT-RUN (never a crash) with the errors', () => {
    const r = evaluateCheck({ kind: 'loss-spike', axis: 'lambda' }, [uvTable('q', [3])]);
    expect(r).toMatchObject({ status: 'NOT-RUN', measured: 'invalid check: /range: is required; /factor: is required' });
  });
});

describe('spearman', () => {
  it('matches 1 − 6Σd²/(n(n²−1)) without ties and averages tied ranks', () => {
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(1 - (6 * 4) / (5 * 24), 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // ties: y ranks [1.5, 1.5, 3] → Pearson on ranks
    expect(spearman([1, 2, 3], [5, 5, 7])).toBeCloseTo(0.8660254037844386, 12);
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNaN();
  });
});

describe('referencedExperiments', () => {
  it('collects experiment names through all-of', async () => {
    const { referencedExperiments } = await import('../../src/claims/index.js');
    expect(
      referencedExperiments({
        kind: 'all-of',
        checks: [
          { kind: 'converges-below', experiment: 'a', axis: 'lambda', threshold: 4 },
          { kind: 'diverges-earlier', experiments: ['b', 'a'], axis: 'lambda' },
        ],
      }),
    ).toEqual(['a', 'b']);
  });
});
