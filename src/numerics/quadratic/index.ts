/**
 * Meltzer & Liu's quadratic models and Zhu et al.'s general quadratic model.
 * `src/numerics/index.ts` dispatches the `pure-quadratic`, `quadratic-bias`
 * and `gqm` archs here.
 */
import type { ModelSpec } from '../../config/types.js';
import { type Result, err, ok } from '../../core/result.js';
import {
  gqmDimensionMismatch,
  quadraticBadEigenRange,
  quadraticBadSize,
  quadraticNeedsFeatureSeed,
  quadraticStudentTooLarge,
} from '../../messages/quadratic.js';
import { quadraticSizes } from './features.js';

export { buildQuadraticModel, teacherPredict, evaluateQuadratic, featureSeedOf, QuadraticModel } from './model.js';
export { quadraticFeatures, quadraticSizes, psiAt, phiAt, initialTheta, eigenvalues, gqmSigma } from './features.js';
export type { QuadraticFeatures, QuadraticSpec, GqmSpec } from './features.js';
export { toyRun, toyH0 } from './toy.js';
export type { ToyRun, ToyOptions } from './toy.js';

export interface QuadraticSpecError {
  reason: 'bad-size' | 'student-too-large' | 'needs-feature-seed' | 'bad-eigen-range' | 'dimension-mismatch';
  message: string;
}

const posInt = (v: number) => Number.isInteger(v) && v > 0;

/** Validate a quadratic spec against the dataset's input shape before building (errors as values). */
export function checkQuadraticSpec(spec: ModelSpec, inputShape: number[]): Result<void, QuadraticSpecError> {
  const d = inputShape.reduce((a, b) => a * b, 1);
  if (spec.arch === 'gqm') {
    if (!posInt(spec.d)) return err({ reason: 'bad-size', message: quadraticBadSize(spec.arch, 'd', spec.d) });
    if (spec.d !== d) return err({ reason: 'dimension-mismatch', message: gqmDimensionMismatch(spec.d, d) });
    return ok(undefined);
  }
  if (spec.arch !== 'pure-quadratic' && spec.arch !== 'quadratic-bias') return ok(undefined);
  const s = quadraticSizes(spec);
  const fields: [string, number][] =
    spec.arch === 'pure-quadratic' ? [['n', spec.n], ['rank', s.psi]] : [['nPsi', spec.nPsi], ['nPhi', spec.nPhi], ['student.nPsi', s.psi], ['student.nPhi', s.phi]];
  for (const [f, v] of fields) if (!posInt(v)) return err({ reason: 'bad-size', message: quadraticBadSize(spec.arch, f, v) });
  if (s.psi > s.teacherPsi) return err({ reason: 'student-too-large', message: quadraticStudentTooLarge(spec.arch, s.psi, s.teacherPsi) });
  if (s.phi > s.teacherPhi) return err({ reason: 'student-too-large', message: quadraticStudentTooLarge(spec.arch, s.phi, s.teacherPhi) });
  if (s.projected && spec.featureSeed === undefined) return err({ reason: 'needs-feature-seed', message: quadraticNeedsFeatureSeed(spec.arch) });
  const { low, high } = spec.eigen;
  if (low !== undefined && high !== undefined && !(high >= low)) return err({ reason: 'bad-eigen-range', message: quadraticBadEigenRange(low, high) });
  return ok(undefined);
}
