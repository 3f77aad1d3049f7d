/**
 * Reading MetricsTables for checks: learning-rate axes, thresholds resolved
 * against a run's own initialisation, the convergence rule, per-run series.
 *
 * Tables arrive as JSON (the metrics stage writes non-finite numbers as
 * `null`), so every numeric read goes through `num`, which maps anything that
 * is not a finite number to NaN.
 */
import type { InitRow, MetricsTable, RunRow, TrajectoryRow } from '../core/metrics.js';
import type { Axis, ConvergedRule, Endpoint, Quantity, Range, Selection } from './types.js';

export const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number.NaN);

/** A table plus indexes built once per check evaluation. */
export interface TableView {
  readonly table: MetricsTable;
  readonly runs: readonly RunRow[];
  initOf(run: RunRow): InitRow | undefined;
  trajectoryOf(run: RunRow): readonly TrajectoryRow[];
}

const runKey = (r: { eta: number; seed: number; variant: string }): string => `${num(r.eta)}|${r.seed}|${r.variant}`;

export function viewOf(table: MetricsTable): TableView {
  const traj = new Map<string, TrajectoryRow[]>();
  for (const row of table.trajectories ?? []) {
    const k = runKey(row);
    let list = traj.get(k);
    if (!list) traj.set(k, (list = []));
    list.push(row);
  }
  for (const list of traj.values()) list.sort((a, b) => a.step - b.step);
  const inits = table.inits ?? [];
  return {
    table,
    runs: table.runs ?? [],
    // Meltzer & Liu fix the initialisation while the matrix seed varies: with a single init row, every run uses it.
    initOf: (run) => inits.find((i) => i.seed === run.seed) ?? (inits.length === 1 ? inits[0] : undefined),
    trajectoryOf: (run) => traj.get(runKey(run)) ?? [],
  };
}

/** The run's position on `axis`, or NaN when it cannot be computed (e.g. no λ1/λ2 recorded). */
export function axisValue(view: TableView, run: RunRow, axis: Axis): number {
  switch (axis) {
    case 'absolute':
      return num(run.eta);
    case 'value':
      return num(run.etaValue);
    case 'critical':
      return num(run.etaRel);
    case 'lambda':
      return num(run.etaLambda);
    case 'lambda1':
    case 'lambda2': {
      const init = view.initOf(run);
      const l = init?.lambda12?.[axis === 'lambda1' ? 0 : 1];
      // λ_k(H) / λmax(H) = λ_k(K) / λmax(K): both are scaled by the same loss constant 2c.
      return num(run.etaRel) * (num(l) / num(init?.lambdaMaxK));
    }
  }
}

/**
 * An endpoint in the units of `axis` for this run. Bounds are stored in units
 * of ηλmax(H0); every axis is proportional to η at a fixed init, so the
 * conversion factor is the run's own axis value over its ηλmax(H0).
 */
export function resolveEndpoint(view: TableView, run: RunRow, axis: Axis, e: Endpoint): number | null {
  if (e === null) return null;
  if (typeof e === 'number') return e;
  const b = num(view.initOf(run)?.bounds?.[e.bound]);
  const factor = axisValue(view, run, axis) / num(run.etaLambda);
  return b * (e.scale ?? 1) * factor;
}

/** Whether x lies in the closed range (NaN endpoints — an unresolvable bound — exclude every run). */
export function inRange(view: TableView, run: RunRow, axis: Axis, range: Range | undefined): boolean {
  if (!range) return true;
  const x = axisValue(view, run, axis);
  if (!Number.isFinite(x)) return false;
  const lo = resolveEndpoint(view, run, axis, range[0]);
  const hi = resolveEndpoint(view, run, axis, range[1]);
  if (lo !== null && !(x >= lo)) return false;
  if (hi !== null && !(x <= hi)) return false;
  return true;
}

/** Names of bounds a range refers to that the run's init lacks (so the check can say NOT-RUN, not FAIL). */
export function missingBounds(view: TableView, run: RunRow, endpoints: readonly Endpoint[]): string[] {
  const out: string[] = [];
  for (const e of endpoints) {
    if (e !== null && typeof e === 'object' && !Number.isFinite(num(view.initOf(run)?.bounds?.[e.bound]))) out.push(e.bound);
  }
  return out;
}

const asArray = <T>(x: T | T[] | undefined): T[] | undefined => (x === undefined ? undefined : Array.isArray(x) ? x : [x]);

/** Runs of the table matching the selection's variant and seed filters. */
export function selectRuns(view: TableView, sel: Selection): RunRow[] {
  const variants = asArray(sel.variant);
  const seeds = asArray(sel.seed);
  return view.runs.filter((r) => (!variants || variants.includes(r.variant)) && (!seeds || seeds.includes(r.seed)));
}

export function initialLoss(view: TableView, run: RunRow): number {
  const l0 = num(run.loss0);
  if (Number.isFinite(l0)) return l0;
  const first = view.trajectoryOf(run)[0];
  return Number.isFinite(num(first?.loss)) ? num(first?.loss) : num(view.initOf(run)?.loss0);
}

export const DEFAULT_RULE: ConvergedRule = { mode: 'removable', removable: 0.01, floor: 'zero' };

/** The loss floor the rule compares against for this run. */
export function lossFloor(view: TableView, run: RunRow, rule: ConvergedRule): number {
  if (rule.mode !== 'removable') return 0;
  const f = rule.floor ?? 'zero';
  if (f === 'zero') return 0;
  if (typeof f === 'number') return f;
  if (f === 'min-final') {
    let best = Number.POSITIVE_INFINITY;
    for (const r of view.runs) {
      if (r.seed !== run.seed || r.variant !== run.variant || r.status === 'diverged') continue;
      const l = num(r.final?.loss);
      if (l < best) best = l;
    }
    return Number.isFinite(best) ? best : Number.NaN;
  }
  const v = view.initOf(run)?.extra?.[f.extra];
  return num(typeof v === 'number' ? v : Number.NaN);
}

/** Whether a run counts as converged under `rule` (see ConvergedRule). */
export function isConverged(view: TableView, run: RunRow, rule: ConvergedRule = DEFAULT_RULE): boolean {
  if (run.status === 'diverged') return false;
  const final = num(run.final?.loss);
  if (!Number.isFinite(final)) return false;
  if (rule.mode === 'not-diverged') return true;
  const floor = lossFloor(view, run, rule);
  const l0 = initialLoss(view, run);
  if (!Number.isFinite(floor) || !Number.isFinite(l0)) return false;
  const tol = rule.removable ?? 0.01;
  return final - floor <= tol * Math.max(l0 - floor, 0) + 1e-12 * Math.max(Math.abs(floor), 1e-300);
}

/** The recorded values of a per-step quantity, in step order, non-finite entries dropped. */
export function series(view: TableView, run: RunRow, q: Quantity): Array<{ step: number; value: number }> {
  const out: Array<{ step: number; value: number }> = [];
  for (const row of view.trajectoryOf(run)) {
    const v = num(q === 'sharpness' ? row.etaLambdaT : (row as unknown as Record<string, unknown>)[q]);
    if (Number.isFinite(v)) out.push({ step: row.step, value: v });
  }
  return out;
}

/** Initial value of a quantity: first recorded point (θ² falls back to the init row, loss to loss0). */
export function initialValue(view: TableView, run: RunRow, q: Quantity): number {
  if (q === 'loss') return initialLoss(view, run);
  const s = series(view, run, q);
  if (s.length && s[0]!.step === 0) return s[0]!.value;
  if (q === 'theta2') return num(view.initOf(run)?.theta2);
  if (q === 'sharpness') return num(run.etaLambda);
  return s[0]?.value ?? Number.NaN;
}

/** Final value of a quantity: the run's `final` record where it has one, else the last recorded point. */
export function finalValue(view: TableView, run: RunRow, q: Quantity): number {
  const f = run.final ?? ({} as RunRow['final']);
  const fromFinal =
    q === 'loss' ? f.loss : q === 'theta2' ? f.theta2 : q === 'sharpness' ? f.etaLambdaFinal : q === 'testLoss' ? f.testLoss : q === 'testAcc' ? f.testAcc : undefined;
  if (Number.isFinite(num(fromFinal))) return num(fromFinal);
  const s = series(view, run, q);
  return s.length ? s[s.length - 1]!.value : Number.NaN;
}

/** Largest loss seen during the run (RunRow.lossMax, else the trajectory maximum). */
export function maxLoss(view: TableView, run: RunRow): number {
  const m = num(run.lossMax);
  if (Number.isFinite(m)) return m;
  const s = series(view, run, 'loss');
  return s.length ? Math.max(...s.map((p) => p.value)) : Number.NaN;
}

/** Ranks with ties averaged (1-based). */
function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson on tie-averaged ranks); NaN when a side is constant or n < 2. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return Number.NaN;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mx;
    const dy = ry[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
