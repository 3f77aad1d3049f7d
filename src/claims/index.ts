/**
 * Executable paper claims. `evaluateCheck(check, tables)` turns one check of
 * pipeline.yaml into PASS / FAIL / NOT-RUN with the measured value;
 * `evaluateClaims` does it for a figure's list. Pure: no I/O, no clock.
 */
import type { MetricsTable } from '../core/metrics.js';
import * as M from '../messages/claims.js';
import type { ClaimSpec } from '../config/types.js';
import { KIND_IMPLS, combine } from './checks.js';
import { validateCheck } from './kinds.js';
import type { Check, ClaimResult, ClaimStatus } from './types.js';

export { CHECK_KINDS, validateCheck, validateCheckDetailed, type CheckError, type CheckKindInfo } from './kinds.js';
export type { Axis, Check, ClaimResult, ClaimStatus, ConvergedRule, Endpoint, Quantity, Range, Selection } from './types.js';
export { spearman } from './data.js';

/** The criterion text of a (valid) check, independent of any data. */
export function criterionOf(check: Check): string {
  if (check.kind === 'all-of') return M.criterion.allOf((check['checks'] as Check[]).map(criterionOf));
  const impl = KIND_IMPLS[check.kind];
  return impl ? impl.criterion(check) : check.kind;
}

/**
 * Evaluate one check. An invalid check (which config validation should have
 * rejected) is NOT-RUN with the validation errors, so one bad entry never
 * hides the other claims of a figure.
 */
export function evaluateCheck(check: Check, tables: readonly MetricsTable[]): ClaimResult {
  const errors = validateCheck(check);
  if (errors.length) return { status: 'NOT-RUN', measured: M.invalidCheck(errors), criterion: String(check.kind) };
  const criterion = criterionOf(check);
  if (check.kind === 'all-of') {
    const parts = (check['checks'] as Check[]).map((c) => evaluateCheck(c, tables));
    const statuses = parts.map((x) => x.status);
    const status: ClaimStatus = statuses.includes('FAIL') ? 'FAIL' : statuses.every((s) => s === 'PASS') ? 'PASS' : 'NOT-RUN';
    return {
      status,
      measured: parts.map((x) => `${x.status}: ${x.measured}`).join(' | '),
      criterion,
      details: parts.map((x) => ({ status: x.status, measured: x.measured, ...(x.details !== undefined ? { details: x.details } : {}) })),
    };
  }
  const out = KIND_IMPLS[check.kind]!.evaluate(check, tables);
  return { status: out.status, measured: out.measured, criterion, ...(out.details !== undefined ? { details: out.details } : {}) };
}

/** One evaluated claim, as the claims artifact and the report carry it. */
export interface ClaimOutcome extends ClaimResult {
  id: string;
  text: string;
}

export function evaluateClaims(claims: readonly ClaimSpec[], tables: readonly MetricsTable[]): ClaimOutcome[] {
  return claims.map((c) => ({ id: c.id, text: c.text, ...evaluateCheck(c.check, tables) }));
}

/** Overall status of a figure's claims (FAIL if any fails, PASS if any passes, else NOT-RUN). */
export const figureStatus = (outcomes: readonly ClaimResult[]): ClaimStatus => combine(outcomes.map((o) => o.status));

/**
 * Experiments a check names (`experiment`, `experiments`, recursively through
 * all-of), so the config layer can reject a check that reads an experiment the
 * figure does not list — its metrics would never reach the claims stage.
 */
export function referencedExperiments(check: Check): string[] {
  const out = new Set<string>();
  const visit = (c: unknown): void => {
    if (typeof c !== 'object' || c === null) return;
    const r = c as Record<string, unknown>;
    if (typeof r['experiment'] === 'string') out.add(r['experiment']);
    if (Array.isArray(r['experiments'])) for (const e of r['experiments']) if (typeof e === 'string') out.add(e);
    if (Array.isArray(r['checks'])) r['checks'].forEach(visit);
  };
  visit(check);
  return [...out];
}
