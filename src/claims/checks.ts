/**
 * The check kinds: pure functions (params, tables) → outcome. Each kind has a
 * `criterion` (text derived from the params alone, so it exists even when the
 * data does not) and an `evaluate`.
 *
 * Conventions shared by the run-based kinds:
 *  - runs are selected by experiment / variant / seed, then by `range` on `axis`;
 *  - a property that concerns converged runs is judged on converged runs only
 *    (ConvergedRule), but "runs exist in range yet none converged" is a FAIL,
 *    whereas "no run in range at all" is NOT-RUN;
 *  - without `experiment`, every input table is evaluated on its own and the
 *    results combine: FAIL if any fails, else PASS if any passes (the NOT-RUN
 *    parts, e.g. a dataset that is absent, are named in `measured`), else NOT-RUN.
 */
import type { JsonValue } from '../core/json.js';
import type { MetricsTable, RunRow } from '../core/metrics.js';
import * as M from '../messages/claims.js';
import {
  axisValue,
  finalValue,
  initialLoss,
  initialValue,
  isConverged,
  maxLoss,
  median,
  missingBounds,
  num,
  resolveEndpoint,
  selectRuns,
  series,
  spearman,
  type TableView,
  inRange,
  viewOf,
  DEFAULT_RULE,
} from './data.js';
import type { Axis, ClaimStatus, ConvergedRule, Endpoint, Quantity, Range, Selection } from './types.js';

export interface Outcome {
  status: ClaimStatus;
  measured: string;
  details?: JsonValue;
}

export interface KindImpl {
  criterion(p: Record<string, unknown>): string;
  evaluate(p: Record<string, unknown>, tables: readonly MetricsTable[]): Outcome;
}

const pass = (measured: string, details?: JsonValue): Outcome => ({ status: 'PASS', measured, ...(details !== undefined ? { details } : {}) });
const fail = (measured: string, details?: JsonValue): Outcome => ({ status: 'FAIL', measured, ...(details !== undefined ? { details } : {}) });
const notRun = (measured: string): Outcome => ({ status: 'NOT-RUN', measured });
const verdict = (ok: boolean, measured: string, details?: JsonValue): Outcome => (ok ? pass(measured, details) : fail(measured, details));

const variantLabel = (v: unknown): string => (v === undefined ? 'all runs' : Array.isArray(v) ? v.join('/') : String(v));
const ruleOf = (p: Record<string, unknown>): ConvergedRule => (p['converged'] as ConvergedRule | undefined) ?? DEFAULT_RULE;
const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : 0);

/** Combine statuses: FAIL dominates, then PASS, then NOT-RUN. */
export function combine(statuses: readonly ClaimStatus[]): ClaimStatus {
  if (statuses.includes('FAIL')) return 'FAIL';
  if (statuses.includes('PASS')) return 'PASS';
  return 'NOT-RUN';
}

/** Lift a single-table evaluation to the table list (see the module comment). */
function perTable(fn: (p: Record<string, unknown>, view: TableView) => Outcome): KindImpl['evaluate'] {
  return (p, tables) => {
    const exp = p['experiment'] as string | undefined;
    if (exp !== undefined) {
      const t = tables.find((x) => x.experiment === exp);
      return t ? fn(p, viewOf(t)) : notRun(M.tableMissing(exp));
    }
    if (tables.length === 0) return notRun(M.noTables());
    if (tables.length === 1) return fn(p, viewOf(tables[0]!));
    const parts = tables.map((t) => ({ experiment: t.experiment, ...fn(p, viewOf(t)) }));
    return {
      status: combine(parts.map((x) => x.status)),
      measured: parts.map((x) => M.measured.perExperiment(x.experiment, x.status, x.measured)).join('; '),
      details: parts.map((x) => ({ experiment: x.experiment, status: x.status, measured: x.measured, details: x.details ?? null })),
    };
  };
}

interface Pt {
  run: RunRow;
  x: number;
}

/** Selected runs with their axis value, restricted to `range`; also reports why a run was dropped. */
function pointsIn(view: TableView, p: Record<string, unknown>, axis: Axis, range: Range | undefined): { pts: Pt[]; selected: number; missing: string[]; axisNaN: number } {
  const runs = selectRuns(view, p as Selection);
  const missing = new Set<string>();
  let axisNaN = 0;
  const pts: Pt[] = [];
  for (const run of runs) {
    const x = axisValue(view, run, axis);
    if (!Number.isFinite(x)) {
      axisNaN++;
      continue;
    }
    if (range) for (const b of missingBounds(view, run, range)) missing.add(b);
    if (inRange(view, run, axis, range)) pts.push({ run, x });
  }
  pts.sort((a, b) => a.x - b.x);
  return { pts, selected: runs.length, missing: [...missing], axisNaN };
}

/** The NOT-RUN reason when `pointsIn` found nothing. */
function emptyReason(view: TableView, p: Record<string, unknown>, axis: Axis, range: Range | undefined, r: ReturnType<typeof pointsIn>): string {
  if (r.selected === 0) return M.noRunsSelected(`variant ${variantLabel(p['variant'])}${p['seed'] !== undefined ? `, seed ${String(p['seed'])}` : ''} in '${view.table.experiment}'`);
  if (r.axisNaN === r.selected) return M.axisUnavailable(axis);
  if (r.missing.length) return M.boundMissing(r.missing);
  return M.noRunsIn(M.rangeText(axis, range));
}

// ---------------------------------------------------------------- convergence edges

function convergenceSides(p: Record<string, unknown>, view: TableView, iff: boolean): Outcome {
  const axis = p['axis'] as Axis;
  const thr = p['threshold'] as Endpoint;
  const margin = (p['margin'] as number | undefined) ?? 0;
  const above = (p['above'] as string | undefined) ?? 'not-converged';
  const range = p['range'] as Range | undefined;
  const rule = ruleOf(p);
  const r = pointsIn(view, p, axis, range);
  const below: Array<{ x: number; ok: boolean }> = [];
  const aboveRuns: Array<{ x: number; ok: boolean }> = [];
  const missing = new Set(r.missing);
  for (const { run, x } of r.pts) {
    const t = resolveEndpoint(view, run, axis, thr);
    if (t === null || !Number.isFinite(t)) {
      for (const b of missingBounds(view, run, [thr])) missing.add(b);
      continue;
    }
    const conv = isConverged(view, run, rule);
    if (x < t - margin) below.push({ x, ok: conv });
    else if (x > t + margin) aboveRuns.push({ x, ok: above === 'diverged' ? run.status === 'diverged' : !conv });
  }
  if (missing.size && !below.length && !aboveRuns.length) return notRun(M.boundMissing([...missing]));
  if (!below.length) return notRun(r.pts.length ? M.noRunsIn(`${M.axisSymbol(axis)} < ${M.endpointText(thr)}${margin ? ` − ${M.fmt(margin)}` : ''}`) : emptyReason(view, p, axis, range, r));
  if (iff && !aboveRuns.length) return notRun(M.noRunsIn(`${M.axisSymbol(axis)} > ${M.endpointText(thr)}${margin ? ` + ${M.fmt(margin)}` : ''}`));
  const converged = r.pts.filter((q) => isConverged(view, q.run, rule)).map((q) => q.x);
  const last = converged.length ? Math.max(...converged) : undefined;
  const bad = [...below, ...(iff ? aboveRuns : [])].filter((q) => !q.ok).map((q) => q.x);
  const nOk = below.filter((q) => q.ok).length;
  const text =
    (iff ? M.measured.convergence(nOk, below.length, aboveRuns.filter((q) => q.ok).length, aboveRuns.length, last, axis) : M.measured.convergenceBelow(nOk, below.length, last, axis)) +
    (bad.length ? M.measured.violations(axis, bad) : '');
  return verdict(bad.length === 0, text, { below: below.map((q) => ({ x: round(q.x), ok: q.ok })), above: aboveRuns.map((q) => ({ x: round(q.x), ok: q.ok })) });
}

/** Largest converged x and the smallest non-converged x above it. */
function edge(view: TableView, pts: readonly Pt[], rule: ConvergedRule): { xc?: number; xd?: number; atRun?: RunRow } {
  let xc: number | undefined;
  let atRun: RunRow | undefined;
  for (const q of pts) if (isConverged(view, q.run, rule) && (xc === undefined || q.x > xc)) [xc, atRun] = [q.x, q.run];
  let xd: number | undefined;
  for (const q of pts) if (!isConverged(view, q.run, rule) && (xc === undefined || q.x > xc) && (xd === undefined || q.x < xd)) xd = q.x;
  return { ...(xc !== undefined ? { xc } : {}), ...(xd !== undefined ? { xd } : {}), ...(atRun ? { atRun } : {}) };
}

const convergesIffBelow: KindImpl = {
  criterion: (p) => M.criterion.convergesIffBelow(variantLabel(p['variant']), p['axis'] as string, p['threshold'] as Endpoint, (p['margin'] as number) ?? 0, (p['above'] as string) ?? 'not-converged'),
  evaluate: perTable((p, v) => convergenceSides(p, v, true)),
};

const convergesBelow: KindImpl = {
  criterion: (p) =>
    M.criterion.convergesBelow(variantLabel(p['variant']), p['axis'] as string, p['threshold'] as Endpoint, (p['margin'] as number) ?? 0, ((p['range'] as Range | undefined)?.[0] ?? null) as Endpoint),
  evaluate: perTable((p, v) => convergenceSides(p, v, false)),
};

const convergesBeyond: KindImpl = {
  criterion: (p) => M.criterion.convergesBeyond(variantLabel(p['variant']), p['axis'] as string, p['threshold'] as Endpoint, (p['margin'] as number) ?? 0),
  evaluate: perTable((p, view) => {
    const axis = p['axis'] as Axis;
    const thr = p['threshold'] as Endpoint;
    const margin = (p['margin'] as number | undefined) ?? 0;
    const r = pointsIn(view, p, axis, undefined);
    const aboveRuns = r.pts.filter((q) => {
      const t = resolveEndpoint(view, q.run, axis, thr);
      return t !== null && Number.isFinite(t) && q.x > t + margin;
    });
    if (!aboveRuns.length) {
      const missing = r.pts.flatMap((q) => missingBounds(view, q.run, [thr]));
      return notRun(missing.length ? M.boundMissing([...new Set(missing)]) : r.pts.length ? M.noRunsIn(`${M.axisSymbol(axis)} > ${M.endpointText(thr)}`) : emptyReason(view, p, axis, undefined, r));
    }
    const conv = aboveRuns.filter((q) => isConverged(view, q.run, ruleOf(p))).map((q) => q.x);
    const { xc, xd } = edge(view, r.pts, ruleOf(p));
    return verdict(conv.length > 0, `${conv.length}/${aboveRuns.length} run(s) above converged; ${M.measured.largestConverged(axis, xc, xd)}`, { converged: conv.map(round) });
  }),
};

const maxConvergedIn: KindImpl = {
  criterion: (p) => {
    const [lo, hi] = p['range'] as [number, number];
    return M.criterion.maxConvergedIn(variantLabel(p['variant']), p['axis'] as string, lo, hi);
  },
  evaluate: perTable((p, view) => {
    const axis = p['axis'] as Axis;
    const [lo, hi] = p['range'] as [number, number];
    const r = pointsIn(view, p, axis, undefined);
    if (!r.pts.length) return notRun(emptyReason(view, p, axis, undefined, r));
    const { xc, xd } = edge(view, r.pts, ruleOf(p));
    const text = M.measured.largestConverged(axis, xc, xd);
    if (xc === undefined) return fail(M.measured.noConverged(r.pts.length));
    if (xd === undefined) return notRun(M.edgeNotBracketed(axis, xc));
    return verdict(xc >= lo && xc <= hi, text, { largestConverged: round(xc), nextNonConverged: round(xd) });
  }),
};

const edgeNear: KindImpl = {
  criterion: (p) => M.criterion.edgeNear(variantLabel(p['variant']), p['axis'] as string, p['value'] as Endpoint, p['tol'] as number),
  evaluate: perTable((p, view) => {
    const axis = p['axis'] as Axis;
    const tol = p['tol'] as number;
    const r = pointsIn(view, p, axis, undefined);
    if (!r.pts.length) return notRun(emptyReason(view, p, axis, undefined, r));
    const { xc, xd, atRun } = edge(view, r.pts, ruleOf(p));
    if (xc === undefined || !atRun) return fail(M.measured.noConverged(r.pts.length));
    if (xd === undefined) return notRun(M.edgeNotBracketed(axis, xc));
    const value = resolveEndpoint(view, atRun, axis, p['value'] as Endpoint);
    if (value === null || !Number.isFinite(value)) return notRun(M.boundMissing(missingBounds(view, atRun, [p['value'] as Endpoint])));
    const ok = xc <= value * (1 + tol) && xd >= value * (1 - tol);
    return verdict(ok, `edge in (${M.fmt(xc)}, ${M.fmt(xd)}] vs ${M.fmt(value)}`, { largestConverged: round(xc), nextNonConverged: round(xd), value: round(value) });
  }),
};

// ---------------------------------------------------------------- dynamics

/** Converged points in range, or the NOT-RUN / FAIL outcome explaining why there are none. */
function convergedIn(p: Record<string, unknown>, view: TableView): { pts: Pt[]; axis: Axis; range: Range | undefined } | Outcome {
  const axis = p['axis'] as Axis;
  const range = p['range'] as Range | undefined;
  const r = pointsIn(view, p, axis, range);
  if (!r.pts.length) return notRun(emptyReason(view, p, axis, range, r));
  const pts = r.pts.filter((q) => isConverged(view, q.run, ruleOf(p)));
  if (!pts.length) return fail(M.measured.noConverged(r.pts.length));
  return { pts, axis, range };
}
const isOutcome = (x: unknown): x is Outcome => typeof x === 'object' && x !== null && 'status' in x;
const where = (p: Record<string, unknown>): string => M.rangeText(p['axis'] as string, p['range'] as Range | undefined);
const pairs = (xs: ReadonlyArray<{ x: number; v: number }>): Array<[number, number]> => xs.map((q) => [q.x, q.v]);
const detailPairs = (xs: ReadonlyArray<{ x: number; v: number }>): JsonValue => xs.map((q) => ({ x: round(q.x), value: round(q.v) }));

const lossSpike: KindImpl = {
  criterion: (p) =>
    M.criterion.lossSpike(variantLabel(p['variant']), where(p), p['factor'] as number, (p['quantity'] as string) ?? 'loss', (p['fraction'] as number) ?? 1, p['fallTo'] as number | undefined),
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'loss';
    const fallTo = p['fallTo'] as number | undefined;
    const fraction = (p['fraction'] as number | undefined) ?? 1;
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals: Array<{ x: number; v: number; fall: number }> = [];
    for (const pt of c.pts) {
      const s = series(view, pt.run, q);
      const peak = q === 'loss' ? maxLoss(view, pt.run) : s.length ? Math.max(...s.map((z) => z.value)) : Number.NaN;
      const v0 = initialValue(view, pt.run, q);
      if (Number.isFinite(peak) && Number.isFinite(v0)) vals.push({ x: pt.x, v: peak / v0, fall: finalValue(view, pt.run, q) / peak });
    }
    if (!vals.length) return notRun(M.quantityNotRecorded(q));
    const good = vals.filter((z) => z.v >= (p['factor'] as number) && (fallTo === undefined || z.fall <= fallTo));
    const bad = vals.filter((z) => !good.includes(z)).map((z) => z.x);
    const need = Math.max(1, Math.ceil(fraction * vals.length - 1e-9));
    const sym = M.quantitySymbol(q);
    const label = q === 'loss' ? 'max L/L0' : `max ${sym}/${sym}(0)`;
    const text =
      (fraction < 1 ? `${M.measured.fraction(good.length, vals.length)}; ` : '') +
      M.measured.perRun(label, c.axis, pairs(vals)) +
      (fallTo !== undefined ? `; final/max: ${M.list(vals.map((z) => z.fall))}` : '') +
      (bad.length && fraction >= 1 ? M.measured.violations(c.axis, bad) : '');
    return verdict(good.length >= need, text, vals.map((z) => ({ x: round(z.x), peakRatio: round(z.v), finalOverPeak: round(z.fall) })));
  }),
};

function maxRelDeviation(view: TableView, run: RunRow, q: Quantity): number {
  const s = series(view, run, q);
  if (!s.length) return Number.NaN;
  const v0 = initialValue(view, run, q);
  return Math.max(...s.map((pt) => Math.abs(pt.value / v0 - 1)));
}

const kernelConstant: KindImpl = {
  criterion: (p) => M.criterion.kernelConstant(variantLabel(p['variant']), (p['quantity'] as string) ?? 'sharpness', where(p), p['tol'] as number),
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'sharpness';
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals = c.pts.map((pt) => ({ x: pt.x, v: maxRelDeviation(view, pt.run, q) })).filter((x) => Number.isFinite(x.v));
    if (!vals.length) return notRun(M.quantityNotRecorded(q));
    const bad = vals.filter((x) => !(x.v <= (p['tol'] as number))).map((x) => x.x);
    return verdict(!bad.length, M.measured.perRun(`max |Δ${M.quantitySymbol(q)}|/${M.quantitySymbol(q)}(0)`, c.axis, pairs(vals)) + (bad.length ? M.measured.violations(c.axis, bad) : ''), detailPairs(vals));
  }),
};

const onlyLambda1Drops: KindImpl = {
  criterion: (p) => M.criterion.onlyLambda1Drops(variantLabel(p['variant']), p['maxRatio'] as number, p['tol'] as number, (p['margin'] as number) ?? 0),
  evaluate: perTable((p, view) => {
    const margin = (p['margin'] as number | undefined) ?? 0;
    const runs = selectRuns(view, p as Selection);
    if (!runs.length) return notRun(M.noRunsSelected(`variant ${variantLabel(p['variant'])} in '${view.table.experiment}'`));
    const withAxes = runs.map((run) => ({ run, x1: axisValue(view, run, 'lambda1'), x2: axisValue(view, run, 'lambda2') })).filter((q) => Number.isFinite(q.x1) && Number.isFinite(q.x2));
    if (!withAxes.length) return notRun(M.axisUnavailable('lambda1'));
    const inWindow = withAxes.filter((q) => q.x1 > 1 + margin && q.x2 < 1 - margin);
    if (!inWindow.length) return notRun(M.noRunsIn(`2/λ1 < η < 2/λ2${margin ? ` (margin ${M.fmt(margin)})` : ''}`));
    const conv = inWindow.filter((q) => isConverged(view, q.run, ruleOf(p)));
    if (!conv.length) return fail(M.measured.noConverged(inWindow.length));
    const vals = conv.map((q) => ({
      x: q.x1,
      r1: finalValue(view, q.run, 'lambda1') / initialValue(view, q.run, 'lambda1'),
      d2: maxRelDeviation(view, q.run, 'lambda2'),
    }));
    if (vals.every((v) => !Number.isFinite(v.r1) || !Number.isFinite(v.d2))) return notRun(M.quantityNotRecorded('lambda1'));
    const bad = vals.filter((v) => !(v.r1 <= (p['maxRatio'] as number) && v.d2 <= (p['tol'] as number))).map((v) => v.x);
    const text = vals.map((v) => `η/(2/λ1) = ${M.fmt(v.x)}: λ1(∞)/λ1(0) = ${M.fmt(v.r1)}, max |Δλ2|/λ2(0) = ${M.fmt(v.d2)}`).join('; ');
    return verdict(!bad.length, text + (bad.length ? M.measured.violations('lambda1', bad) : ''), vals.map((v) => ({ x: round(v.x), lambda1Ratio: round(v.r1), lambda2Dev: round(v.d2) })));
  }),
};

const nonincreasing: KindImpl = {
  criterion: (p) => M.criterion.nonincreasing(variantLabel(p['variant']), (p['quantity'] as string) ?? 'theta2', where(p), (p['relTol'] as number) ?? 1e-6),
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'theta2';
    const relTol = (p['relTol'] as number | undefined) ?? 1e-6;
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals: Array<{ x: number; v: number; step: number }> = [];
    for (const pt of c.pts) {
      const s = series(view, pt.run, q);
      if (s.length < 2) continue;
      // Largest relative increase between consecutive recorded points (0 when monotone).
      let worst = 0;
      let step = -1;
      for (let i = 1; i < s.length; i++) {
        const inc = (s[i]!.value - s[i - 1]!.value) / Math.max(Math.abs(s[i - 1]!.value), 1e-300);
        if (inc > worst) [worst, step] = [inc, s[i]!.step];
      }
      vals.push({ x: pt.x, v: worst, step });
    }
    if (!vals.length) return notRun(M.quantityNotRecorded(q));
    const bad = vals.filter((v) => v.v > relTol);
    const text =
      `${vals.length - bad.length}/${vals.length} converged run(s) non-increasing; largest relative increase ${M.fmt(Math.max(...vals.map((v) => v.v)))}` +
      (bad.length ? ` — increases at ${bad.map((b) => `${M.axisSymbol(c.axis)} = ${M.fmt(b.x)} (step ${b.step})`).join(', ')}` : '');
    return verdict(!bad.length, text, vals.map((v) => ({ x: round(v.x), maxRelIncrease: round(v.v), step: v.step })));
  }),
};

function finalOf(view: TableView, run: RunRow, q: Quantity, relative: boolean): number {
  const f = finalValue(view, run, q);
  return relative ? f / initialValue(view, run, q) : f;
}

const finalIn: KindImpl = {
  criterion: (p) =>
    M.criterion.finalIn(variantLabel(p['variant']), p['quantity'] as string, p['relative'] === true, where(p), p['lo'] as number | undefined, p['hi'] as number | undefined, (p['fraction'] as number) ?? 1),
  evaluate: perTable((p, view) => {
    const q = p['quantity'] as Quantity;
    const lo = p['lo'] as number | undefined;
    const hi = p['hi'] as number | undefined;
    const fraction = (p['fraction'] as number | undefined) ?? 1;
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals = c.pts.map((pt) => ({ x: pt.x, v: finalOf(view, pt.run, q, p['relative'] === true) })).filter((v) => Number.isFinite(v.v));
    if (!vals.length) return notRun(M.quantityNotRecorded(q));
    const good = vals.filter((v) => (lo === undefined || v.v >= lo) && (hi === undefined || v.v <= hi));
    const need = Math.max(1, Math.ceil(fraction * vals.length - 1e-9));
    const label = p['relative'] === true ? `${M.quantitySymbol(q)}(∞)/${M.quantitySymbol(q)}(0)` : `final ${M.quantitySymbol(q)}`;
    return verdict(good.length >= need, `${M.measured.fraction(good.length, vals.length)}; ${M.measured.perRun(label, c.axis, pairs(vals))}`, detailPairs(vals));
  }),
};

const peakNear: KindImpl = {
  criterion: (p) => {
    const [lo, hi] = p['at'] as [number, number];
    return M.criterion.peakNear(variantLabel(p['variant']), (p['quantity'] as string) ?? 'theta2', p['relative'] !== false, where(p), lo, hi, p['interior'] !== false);
  },
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'theta2';
    const [lo, hi] = p['at'] as [number, number];
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals = c.pts.map((pt) => ({ x: pt.x, v: finalOf(view, pt.run, q, p['relative'] !== false) })).filter((v) => Number.isFinite(v.v));
    if (!vals.length) return notRun(M.quantityNotRecorded(q));
    const best = vals.reduce((a, b) => (b.v > a.v ? b : a));
    const interior = vals.some((v) => v.x > best.x);
    if (p['interior'] !== false && !interior) {
      // Is the peak at the convergence edge (FAIL) or at the end of the grid (NOT-RUN)?
      const r = pointsIn(view, p, c.axis, c.range);
      if (!r.pts.some((pt) => pt.x > best.x)) return notRun(`${M.measured.peak(best.x, best.v, c.axis, false)}; ${M.noRunsIn(`${M.axisSymbol(c.axis)} > ${M.fmt(best.x)}`)}`);
    }
    const ok = best.x >= lo && best.x <= hi && (p['interior'] === false || interior);
    return verdict(ok, M.measured.peak(best.x, best.v, c.axis, interior), detailPairs(vals));
  }),
};

const dropsThenReturns: KindImpl = {
  criterion: (p) => {
    const [lo, hi] = p['returnTo'] as [number, number];
    return M.criterion.dropsThenReturns(variantLabel(p['variant']), (p['quantity'] as string) ?? 'sharpness', where(p), p['dropBelow'] as number, lo, hi);
  },
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'sharpness';
    const [lo, hi] = p['returnTo'] as [number, number];
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals = c.pts.map((pt) => ({ x: pt.x, v: finalValue(view, pt.run, q) })).filter((v) => Number.isFinite(v.v));
    if (vals.length < 2) return notRun(vals.length ? M.tooFewRuns(vals.length, 2) : M.quantityNotRecorded(q));
    const min = vals.reduce((a, b) => (b.v < a.v ? b : a));
    const returned = vals.filter((v) => v.x > min.x && v.v >= lo && v.v <= hi);
    const ok = min.v <= (p['dropBelow'] as number) && returned.length > 0;
    return verdict(
      ok,
      `minimum ${M.fmt(min.v)} at ${M.axisSymbol(c.axis)} = ${M.fmt(min.x)}; ${returned.length ? `back in range at ${M.list(returned.map((r) => r.x))}` : 'never back in range at a larger rate'}; ${M.measured.perRun(`final ${M.quantitySymbol(q)}`, c.axis, pairs(vals))}`,
      detailPairs(vals),
    );
  }),
};

const distanceRatio: KindImpl = {
  criterion: (p) =>
    M.criterion.distanceRatio(
      variantLabel(p['variant']),
      (p['quantity'] as string) ?? 'distance',
      (p['stat'] as string) ?? 'final',
      M.rangeText(p['axis'] as string, p['sub'] as Range),
      M.rangeText(p['axis'] as string, p['super'] as Range),
      p['factor'] as number,
    ),
  evaluate: perTable((p, view) => {
    const q = (p['quantity'] as Quantity | undefined) ?? 'distance';
    const stat = (p['stat'] as string | undefined) ?? 'final';
    const valueOf = (run: RunRow): number => (stat === 'max' ? Math.max(...series(view, run, q).map((s) => s.value)) : finalValue(view, run, q));
    const sub = convergedIn({ ...p, range: p['sub'] }, view);
    if (isOutcome(sub)) return sub.status === 'FAIL' ? fail(`sub-range: ${sub.measured}`) : sub;
    const sup = convergedIn({ ...p, range: p['super'] }, view);
    if (isOutcome(sup)) return sup.status === 'FAIL' ? fail(`super-range: ${sup.measured}`) : sup;
    const sv = sub.pts.map((pt) => valueOf(pt.run)).filter(Number.isFinite);
    const pv = sup.pts.map((pt) => valueOf(pt.run)).filter(Number.isFinite);
    if (!sv.length || !pv.length) return notRun(M.quantityNotRecorded(q));
    const numer = Math.min(...pv);
    const den = Math.max(...sv);
    const ratio = numer / den;
    return verdict(ratio >= (p['factor'] as number), `min super / max sub = ${M.measured.ratio(numer, den, ratio)}`, { super: pv.map(round), sub: sv.map(round), ratio: round(ratio) });
  }),
};

// ---------------------------------------------------------------- test metrics

type Metric = 'bestTestLoss' | 'bestTestAcc' | 'finalTestLoss' | 'finalTestAcc';
const higherIsBetter = (m: Metric): boolean => m.endsWith('Acc');

function metricOf(run: RunRow, m: Metric): number {
  switch (m) {
    case 'bestTestLoss':
      return num(run.best?.testLoss);
    case 'bestTestAcc':
      return num(run.best?.testAcc);
    case 'finalTestLoss':
      return num(run.final?.testLoss);
    case 'finalTestAcc':
      return num(run.final?.testAcc);
  }
}

interface Group {
  x: number;
  etaValue: number;
  n: number;
  value: number;
}

/** Per declared rate: the metric's mean over converged seeds (NaN when no seed converged or none was evaluated). */
function groups(view: TableView, p: Record<string, unknown>, variant: string, axis: Axis, range: Range | undefined, m: Metric): { all: number; groups: Group[]; recorded: boolean } {
  const r = pointsIn(view, { ...p, variant }, axis, range);
  const by = new Map<number, Pt[]>();
  for (const pt of r.pts) {
    const k = num(pt.run.etaValue);
    let g = by.get(k);
    if (!g) by.set(k, (g = []));
    g.push(pt);
  }
  let recorded = false;
  const out: Group[] = [];
  for (const [etaValue, pts] of by) {
    const vals = pts.filter((pt) => isConverged(view, pt.run, ruleOf(p))).map((pt) => metricOf(pt.run, m)).filter(Number.isFinite);
    if (pts.some((pt) => Number.isFinite(metricOf(pt.run, m)))) recorded = true;
    out.push({ x: pts.reduce((a, b) => a + b.x, 0) / pts.length, etaValue, n: vals.length, value: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : Number.NaN });
  }
  out.sort((a, b) => a.x - b.x);
  return { all: r.pts.length, groups: out, recorded };
}

function pick(gs: readonly Group[], stat: string, higher: boolean): Group {
  const sorted = [...gs].sort((a, b) => (higher ? b.value - a.value : a.value - b.value));
  if (stat === 'best') return sorted[0]!;
  if (stat === 'worst') return sorted[sorted.length - 1]!;
  const med = median(gs.map((g) => g.value));
  return { ...sorted.reduce((a, b) => (Math.abs(b.value - med) < Math.abs(a.value - med) ? b : a)), value: med };
}

const testCompare: KindImpl = {
  criterion: (p) =>
    M.criterion.testCompare(
      (p['variants'] as string[] | undefined) ?? ['net', 'quad'],
      p['metric'] as string,
      M.rangeText(p['axis'] as string, p['sub'] as Range),
      M.rangeText(p['axis'] as string, p['super'] as Range),
      (p['superStat'] as string) ?? 'best',
      (p['subStat'] as string) ?? 'best',
      (p['slack'] as number) ?? 0,
      p['strict'] !== false,
    ),
  evaluate: perTable((p, view) => {
    const m = p['metric'] as Metric;
    const axis = p['axis'] as Axis;
    const higher = higherIsBetter(m);
    const slack = (p['slack'] as number | undefined) ?? 0;
    const strict = p['strict'] !== false;
    const variants = (p['variants'] as string[] | undefined) ?? ['net', 'quad'];
    const parts: Outcome[] = [];
    for (const variant of variants) {
      const sub = groups(view, p, variant, axis, p['sub'] as Range, m);
      const sup = groups(view, p, variant, axis, p['super'] as Range, m);
      const subOk = sub.groups.filter((g) => Number.isFinite(g.value));
      const supOk = sup.groups.filter((g) => Number.isFinite(g.value));
      if (!sub.all) parts.push(notRun(`${variant}: ${M.noRunsIn(M.rangeText(axis, p['sub'] as Range))}`));
      else if (!sup.all) parts.push(notRun(`${variant}: ${M.noRunsIn(M.rangeText(axis, p['super'] as Range))}`));
      else if (!sub.recorded && !sup.recorded) parts.push(notRun(`${variant}: ${M.quantityNotRecorded(m)}`));
      else if (!subOk.length) parts.push(notRun(`${variant}: sub-range: ${M.measured.noConverged(sub.all)}`));
      else if (!supOk.length) parts.push(fail(`${variant}: super-range: ${M.measured.noConverged(sup.all)}`));
      else {
        const a = pick(supOk, (p['superStat'] as string) ?? 'best', higher);
        const b = pick(subOk, (p['subStat'] as string) ?? 'best', higher);
        const ok = higher ? (strict ? a.value > b.value - slack : a.value >= b.value - slack) : strict ? a.value < b.value * (1 + slack) : a.value <= b.value * (1 + slack);
        parts.push(verdict(ok, M.measured.compare(variant, a.value, a.x, b.value, b.x, axis)));
      }
    }
    const statuses = parts.map((x) => x.status);
    const status: ClaimStatus = statuses.includes('FAIL') ? 'FAIL' : statuses.every((s) => s === 'PASS') ? 'PASS' : 'NOT-RUN';
    return { status, measured: parts.map((x) => x.measured).join('; ') };
  }),
};

const curvesCoincide: KindImpl = {
  criterion: (p) => M.criterion.curvesCoincide((p['variants'] as string[] | undefined) ?? ['net', 'lin', 'quad'], (p['metric'] as string) ?? 'bestTestLoss', where(p), p['relTol'] as number),
  evaluate: perTable((p, view) => {
    const m = (p['metric'] as Metric | undefined) ?? 'bestTestLoss';
    const axis = p['axis'] as Axis;
    const variants = (p['variants'] as string[] | undefined) ?? ['net', 'lin', 'quad'];
    const per = variants.map((v) => groups(view, p, v, axis, p['range'] as Range, m));
    if (per.every((g) => !g.all)) return notRun(M.noRunsIn(where(p)));
    if (per.every((g) => !g.recorded)) return notRun(M.quantityNotRecorded(m));
    const rows: Array<{ x: number; spread: number; values: number[] }> = [];
    for (const g0 of per[0]!.groups) {
      const values = per.map((g) => g.groups.find((x) => x.etaValue === g0.etaValue)?.value ?? Number.NaN);
      if (!values.every(Number.isFinite)) continue;
      const lo = Math.min(...values);
      rows.push({ x: g0.x, spread: (Math.max(...values) - lo) / Math.abs(lo), values });
    }
    if (!rows.length) return notRun(M.noRunsIn(`${where(p)} where all of ${variants.join(', ')} converged`));
    const worst = rows.reduce((a, b) => (b.spread > a.spread ? b : a));
    const bad = rows.filter((r) => !(r.spread <= (p['relTol'] as number)));
    return verdict(
      !bad.length,
      `largest relative spread ${M.fmt(worst.spread)} at ${M.axisSymbol(axis)} = ${M.fmt(worst.x)} (${variants.map((v, i) => `${v} ${M.fmt(worst.values[i]!)}`).join(', ')}) over ${rows.length} rate(s)`,
      rows.map((r) => ({ x: round(r.x), spread: round(r.spread) })),
    );
  }),
};

// ---------------------------------------------------------------- sparsity

function finalSparsity(view: TableView, run: RunRow): number[] | undefined {
  const s = run.final?.sparsity;
  if (Array.isArray(s) && s.length) return s.map(num);
  const t = view.trajectoryOf(run);
  for (let i = t.length - 1; i >= 0; i--) {
    const ts = t[i]!.sparsity;
    if (Array.isArray(ts) && ts.length) return ts.map(num);
  }
  return undefined;
}

const sparsityIncreases: KindImpl = {
  criterion: (p) => M.criterion.sparsityIncreases(variantLabel(p['variant']), p['layer'] === undefined || p['layer'] === 'mean' ? 'mean over layers' : `layer ${String(p['layer'])}`, where(p), p['rho'] as number),
  evaluate: perTable((p, view) => {
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const layer = p['layer'] as number | 'mean' | undefined;
    const vals: Array<{ x: number; v: number }> = [];
    for (const pt of c.pts) {
      const s = finalSparsity(view, pt.run);
      if (!s) continue;
      const v = layer === undefined || layer === 'mean' ? s.reduce((a, b) => a + b, 0) / s.length : num(s[layer]);
      if (Number.isFinite(v)) vals.push({ x: pt.x, v });
    }
    if (!vals.length) return notRun(M.sparsityNotRecorded(typeof layer === 'number' ? layer + 1 : 0));
    if (vals.length < 3) return notRun(M.tooFewRuns(vals.length, 3));
    const rho = spearman(vals.map((v) => v.x), vals.map((v) => v.v));
    return verdict(rho >= (p['rho'] as number), `${M.measured.spearman(rho, vals.length)}; ${M.measured.perRun('sparsity', c.axis, pairs(vals))}`, { rho: round(rho), points: detailPairs(vals) });
  }),
};

const layerSparser: KindImpl = {
  criterion: (p) => {
    const [a, b] = (p['layers'] as [number, number] | undefined) ?? [0, 1];
    return M.criterion.layerSparser(variantLabel(p['variant']), a, b, where(p), (p['fraction'] as number) ?? 1);
  },
  evaluate: perTable((p, view) => {
    const [a, b] = (p['layers'] as [number, number] | undefined) ?? [0, 1];
    const c = convergedIn(p, view);
    if (isOutcome(c)) return c;
    const vals: Array<{ x: number; d: number }> = [];
    for (const pt of c.pts) {
      const s = finalSparsity(view, pt.run);
      if (s && Number.isFinite(num(s[a])) && Number.isFinite(num(s[b]))) vals.push({ x: pt.x, d: s[a]! - s[b]! });
    }
    if (!vals.length) return notRun(M.sparsityNotRecorded(Math.max(a, b) + 1));
    const good = vals.filter((v) => v.d > 0).length;
    const need = Math.max(1, Math.ceil(((p['fraction'] as number | undefined) ?? 1) * vals.length - 1e-9));
    return verdict(good >= need, `${M.measured.fraction(good, vals.length)}; ${M.measured.perRun(`sparsity(layer ${a}) − sparsity(layer ${b})`, c.axis, vals.map((v) => [v.x, v.d] as [number, number]))}`, vals.map((v) => ({ x: round(v.x), diff: round(v.d) })));
  }),
};

// ---------------------------------------------------------------- across experiments

function tablesFor(p: Record<string, unknown>, tables: readonly MetricsTable[]): { views: TableView[] } | Outcome {
  const names = p['experiments'] as string[];
  const missing = names.filter((n) => !tables.some((t) => t.experiment === n));
  if (missing.length) return notRun(missing.map(M.tableMissing).join('; '));
  return { views: names.map((n) => viewOf(tables.find((t) => t.experiment === n)!)) };
}

const divergesEarlier: KindImpl = {
  criterion: (p) => {
    const [a, b] = p['experiments'] as [string, string];
    return M.criterion.divergesEarlier(variantLabel(p['variant']), a, b, p['axis'] as string);
  },
  evaluate: (p, tables) => {
    const t = tablesFor(p, tables);
    if (isOutcome(t)) return t;
    const axis = p['axis'] as Axis;
    const [a, b] = p['experiments'] as [string, string];
    const stats = t.views.map((view) => {
      const r = pointsIn(view, p, axis, undefined);
      const failed = r.pts.filter((pt) => (p['above'] === 'diverged' ? pt.run.status === 'diverged' : !isConverged(view, pt.run, ruleOf(p)))).map((pt) => pt.x);
      return { first: failed.length ? Math.min(...failed) : undefined, max: r.pts.length ? Math.max(...r.pts.map((pt) => pt.x)) : undefined };
    });
    const [sa, sb] = stats as [(typeof stats)[0], (typeof stats)[0]];
    const text = `first non-converged ${M.axisSymbol(axis)}: ${M.measured.edge(a, sa.first)}, ${M.measured.edge(b, sb.first)}`;
    const details = { [a]: sa.first ?? null, [b]: sb.first ?? null };
    if (sa.max === undefined || sb.max === undefined) return notRun(M.noRunsSelected(`variant ${variantLabel(p['variant'])} in ${sa.max === undefined ? a : b}`));
    if (sa.first === undefined) return sb.first !== undefined && sa.max >= sb.first ? fail(text, details) : notRun(`${text}; neither fails within the grid`);
    if (sb.first === undefined) return sb.max >= sa.first ? pass(text, details) : notRun(`${text}; '${b}' was not run beyond ${M.fmt(sb.max)}`);
    return verdict(sa.first < sb.first, text, details);
  },
};

const spikeLaterHigher: KindImpl = {
  criterion: (p) => M.criterion.spikeLaterHigher(variantLabel(p['variant']), p['experiments'] as string[]),
  evaluate: (p, tables) => {
    const t = tablesFor(p, tables);
    if (isOutcome(t)) return t;
    const names = p['experiments'] as string[];
    const axis = (p['axis'] as Axis | undefined) ?? 'critical';
    const at = p['at'] as number | undefined;
    const spikes: Array<{ name: string; step: number; height: number; converged: boolean }> = [];
    for (let i = 0; i < t.views.length; i++) {
      const view = t.views[i]!;
      const r = pointsIn(view, p, axis, undefined);
      if (!r.pts.length) return notRun(`${names[i]}: ${emptyReason(view, p, axis, undefined, r)}`);
      if (at === undefined && new Set(r.pts.map((pt) => pt.x)).size > 1) return notRun(`${names[i]}: several rates were run; set 'at' to choose one`);
      const pt = at === undefined ? r.pts[0]! : r.pts.reduce((x, y) => (Math.abs(y.x - at) < Math.abs(x.x - at) ? y : x));
      const s = series(view, pt.run, 'loss');
      if (!s.length) return notRun(`${names[i]}: ${M.quantityNotRecorded('loss')}`);
      const peak = s.reduce((x, y) => (y.value > x.value ? y : x));
      spikes.push({ name: names[i]!, step: peak.step, height: peak.value / initialLoss(view, pt.run), converged: isConverged(view, pt.run, ruleOf(p)) });
    }
    let ok = spikes.every((s) => s.converged);
    for (let i = 1; i < spikes.length; i++) ok &&= spikes[i]!.step > spikes[i - 1]!.step && spikes[i]!.height > spikes[i - 1]!.height;
    const text = spikes.map((s) => M.measured.spike(s.name, s.step, s.height) + (s.converged ? '' : ' (did not converge)')).join('; ');
    return verdict(ok, text, spikes.map((s) => ({ experiment: s.name, step: s.step, height: round(s.height), converged: s.converged })));
  },
};

const sameEdge: KindImpl = {
  criterion: (p) => M.criterion.sameEdge(variantLabel(p['variant']), p['experiments'] as string[], p['axis'] as string, p['tol'] as number),
  evaluate: (p, tables) => {
    const t = tablesFor(p, tables);
    if (isOutcome(t)) return t;
    const axis = p['axis'] as Axis;
    const names = p['experiments'] as string[];
    const edges = t.views.map((view) => edge(view, pointsIn(view, p, axis, undefined).pts, ruleOf(p)).xc);
    const text = names.map((n, i) => M.measured.edge(n, edges[i])).join(', ');
    if (edges.some((e) => e === undefined)) return fail(`largest converged ${M.axisSymbol(axis)}: ${text}`);
    const xs = edges as number[];
    return verdict(Math.max(...xs) - Math.min(...xs) <= (p['tol'] as number), `largest converged ${M.axisSymbol(axis)}: ${text}`, xs.map(round));
  },
};

// ---------------------------------------------------------------- initialisation

function initQuantity(init: MetricsTable['inits'][number], q: string): number {
  if (q.startsWith('bound:')) return num(init.bounds?.[q.slice(6)]);
  if (q.startsWith('extra:')) return num(init.extra?.[q.slice(6)]);
  if (q === 'etaLambda1' || q === 'etaLambda2') {
    // 2/λ_k of the loss Hessian, in absolute η: η_crit · λmax(K)/λ_k(K).
    const l = init.lambda12?.[q === 'etaLambda1' ? 0 : 1];
    return num(init.etaCrit) * (num(init.lambdaMaxK) / num(l));
  }
  return num((init as unknown as Record<string, unknown>)[q]);
}

const valueNear: KindImpl = {
  criterion: (p) => M.criterion.valueNear(p['quantity'] as string, p['target'] as number, p['relTol'] as number | undefined, p['absTol'] as number | undefined),
  evaluate: perTable((p, view) => {
    const seeds = p['seed'] === undefined ? undefined : ([] as number[]).concat(p['seed'] as number | number[]);
    const inits = (view.table.inits ?? []).filter((i) => !seeds || seeds.includes(i.seed));
    const q = p['quantity'] as string;
    const target = p['target'] as number;
    const vals = inits.map((i) => ({ seed: i.seed, v: initQuantity(i, q) })).filter((x) => Number.isFinite(x.v));
    if (!vals.length) return notRun(M.initQuantityMissing(q));
    const relTol = p['relTol'] as number | undefined;
    const tol = relTol !== undefined ? relTol * Math.abs(target) : ((p['absTol'] as number | undefined) ?? 0);
    const ok = vals.every((x) => Math.abs(x.v - target) <= tol);
    return verdict(ok, vals.map((x) => `seed ${x.seed}: ${q} = ${M.fmt(x.v)}`).join('; '), vals.map((x) => ({ seed: x.seed, value: round(x.v) })));
  }),
};

const initCompare: KindImpl = {
  criterion: (p) => {
    const [a, b] = p['experiments'] as [string, string];
    return M.criterion.initCompare(p['quantity'] as string, a, b, (p['minRatio'] as number) ?? 1);
  },
  evaluate: (p, tables) => {
    const t = tablesFor(p, tables);
    if (isOutcome(t)) return t;
    const [a, b] = p['experiments'] as [string, string];
    const q = p['quantity'] as string;
    const vals = t.views.map((v) => (v.table.inits ?? []).map((i) => initQuantity(i, q)).filter(Number.isFinite));
    const missing = [a, b].filter((_, i) => !vals[i]!.length);
    if (missing.length) return notRun(`${missing.join(', ')}: ${M.initQuantityMissing(q)}`);
    // Several inits: compare the smallest of the first with the largest of the second (every pair must agree).
    const va = Math.min(...vals[0]!);
    const vb = Math.max(...vals[1]!);
    return verdict(va > vb * ((p['minRatio'] as number | undefined) ?? 1), `${a}: ${q} = ${M.fmt(va)}; ${b}: ${q} = ${M.fmt(vb)}`, { [a]: round(va), [b]: round(vb) });
  },
};

export const KIND_IMPLS: Readonly<Record<string, KindImpl>> = {
  'converges-iff-below': convergesIffBelow,
  'converges-below': convergesBelow,
  'converges-beyond': convergesBeyond,
  'max-converged-in': maxConvergedIn,
  'edge-near': edgeNear,
  'loss-spike': lossSpike,
  'kernel-constant': kernelConstant,
  'only-lambda1-drops': onlyLambda1Drops,
  nonincreasing,
  'final-in': finalIn,
  'peak-near': peakNear,
  'drops-then-returns': dropsThenReturns,
  'distance-ratio': distanceRatio,
  'test-compare': testCompare,
  'curves-coincide': curvesCoincide,
  'sparsity-increases': sparsityIncreases,
  'layer-sparser': layerSparser,
  'diverges-earlier': divergesEarlier,
  'spike-later-higher': spikeLaterHigher,
  'same-edge': sameEdge,
  'value-near': valueNear,
  'init-compare': initCompare,
};
