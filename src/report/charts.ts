/**
 * Builds a figure's Vega-Lite v6 spec from its experiments' MetricsTables.
 *
 * Two steps, so that `--compare` can overlay two builds of the same figure:
 *  1. `prepareRows` turns the tables into flat chart rows (tagged by `kind`:
 *     trajectory points, per-run finals, reference lines, aggregates...), thinned
 *     and rounded for display;
 *  2. `assembleSpec` fills the JSON templates of `stages/plot/templates/` from
 *     those rows alone. A spec keeps its template and options in
 *     `usermeta.catapult`, so two specs' rows can be tagged with a `source` and
 *     re-assembled into one overlaid chart (`overlaySpecs`).
 */
import type { JsonValue } from '../core/json.js';
import type { InitRow, MetricsTable } from '../core/metrics.js';
import { err, ok, type Result } from '../core/result.js';
import { reportMessages as M } from '../messages/report.js';
import { fillTemplate, loadTemplate, type TemplateError } from './template.js';
import {
  CHART_TEMPLATES,
  SWEEP_PANELS,
  TRAJECTORY_PANELS,
  type BestVsEtaOptions,
  type ChartOptions,
  type EtaAxisKind,
  type PlotParams,
  type SpecMeta,
  type SweepOptions,
  type SweepPanel,
  type TableOptions,
  type TrajectoriesOptions,
  type TrajectoryPanel,
  type VegaLiteSpec,
} from './types.js';

export type ChartError =
  | TemplateError
  | { reason: 'unknown-template'; message: string }
  | { reason: 'bad-option'; message: string }
  | { reason: 'no-data'; message: string };

/** A built chart: the spec (inline data), how many rows it carries, and notes for the reader. */
export interface ChartBuild {
  spec: VegaLiteSpec;
  dataRows: number;
  notes: string[];
}

export interface ChartBuildOptions {
  /** Templates folder (default: the repository's `stages/plot/templates`). */
  templatesDir?: string;
}

/** A flat chart row. Every row has a `kind`; compare mode adds `source`. */
type Row = { [k: string]: JsonValue };

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const VARIANT_LABELS: Record<string, string> = { net: 'f (network)', lin: 'f_lin', quad: 'f_quad' };
const VARIANT_ORDER = ['lin', 'quad', 'net'];
const VARIANT_COLOURS: Record<string, string> = { 'f (network)': '#1f4e79', f_lin: '#e07b00', f_quad: '#2a9d3a' };

/** Axis titles of the per-step series (the papers' symbols). */
export const TRAJECTORY_TITLES: Record<TrajectoryPanel, string> = {
  loss: 'training loss L_t',
  theta2: 'θ_t² = ‖w_t‖²',
  etaLambdaT: 'ηλmax(H_t)',
  lambda1: 'λ₁(t) (kernel, along p₁)',
  lambda2: 'λ₂(t) (kernel, along p₂)',
  distance: '‖w_t − w_0‖',
  testLoss: 'test loss',
  testAcc: 'test accuracy',
};

export const SWEEP_TITLES: Record<SweepPanel, string> = {
  etaLambdaFinal: 'final ηλmax(H_∞)',
  theta2Ratio: 'θ_∞² / θ_0²',
  loss: 'final training loss',
  testLoss: 'final test loss',
  testAcc: 'final test accuracy',
  sparsity: 'sparsity (fraction of dead units)',
};

/** Reference horizontal lines of sweep panels: the edge of stability and "no change". */
const SWEEP_REF: Partial<Record<SweepPanel, number>> = { etaLambdaFinal: 2, theta2Ratio: 1 };

export function etaTitle(axis: EtaAxisKind): string {
  return axis === 'critical' ? 'η / η_crit' : axis === 'lambda' ? 'ηλmax(H₀)' : 'learning rate η';
}

const round = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(5)) + 0;
const fmt = (x: number): string => String(Number(x.toPrecision(3)));
const str = (v: string): string => JSON.stringify(v);

// ---------------------------------------------------------------- options

function badOption(option: string, why: string): { ok: false; error: ChartError } {
  return err({ reason: 'bad-option', message: M.badOption(option, why) });
}

function validate(options: ChartOptions): Result<ChartOptions, ChartError> {
  const o = options as ChartOptions & Record<string, unknown>;
  if (!CHART_TEMPLATES.includes(o.template)) {
    return err({ reason: 'unknown-template', message: M.unknownTemplate(String(o.template), CHART_TEMPLATES) });
  }
  if (o.experiments !== undefined && !(Array.isArray(o.experiments) && o.experiments.every((e) => typeof e === 'string'))) {
    return badOption('experiments', 'must be a list of experiment ids');
  }
  if (o.etaAxis !== undefined && !['critical', 'lambda', 'absolute'].includes(o.etaAxis)) {
    return badOption('etaAxis', 'must be critical, lambda or absolute');
  }
  for (const k of ['width', 'height'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 40 && v <= 2000)) return badOption(k, 'must be a number of pixels in [40, 2000]');
  }
  if (o.template === 'trajectories' && o.panels) {
    const bad = o.panels.filter((p) => !TRAJECTORY_PANELS.includes(p));
    if (bad.length) return badOption('panels', `unknown series ${bad.join(', ')} (known: ${TRAJECTORY_PANELS.join(', ')})`);
  }
  if (o.template === 'sweep' && o.panels) {
    const bad = o.panels.filter((p) => !SWEEP_PANELS.includes(p));
    if (bad.length) return badOption('panels', `unknown quantity ${bad.join(', ')} (known: ${SWEEP_PANELS.join(', ')})`);
  }
  if (o.template === 'best-vs-eta' && o.metric !== undefined && !['testLoss', 'testAcc'].includes(o.metric)) {
    return badOption('metric', 'must be testLoss or testAcc');
  }
  if (o.domains) {
    for (const [k, d] of Object.entries(o.domains)) {
      if (!Array.isArray(d) || d.length !== 2 || !(d[0] < d[1])) return badOption(`domains.${k}`, 'must be [low, high] with low < high');
    }
  }
  return ok(options);
}

function defaultEtaAxis(tables: readonly MetricsTable[]): EtaAxisKind {
  return tables[0]?.etaUnit === 'lambda' ? 'lambda' : 'critical';
}

/** A run's η in the chart's units. */
function etaIn(axis: EtaAxisKind, c: { eta: number; etaRel: number; etaLambda: number }): number {
  return axis === 'critical' ? c.etaRel : axis === 'lambda' ? c.etaLambda : c.eta;
}

/** A value in ηλmax(H0) units (bounds) converted to the chart's units. */
function fromLambdaUnits(axis: EtaAxisKind, v: number, init: InitRow | undefined): number {
  return axis === 'lambda' ? v : axis === 'critical' ? v / 2 : v / (init?.lambdaMaxH ?? Number.NaN);
}

function criticalX(axis: EtaAxisKind, init: InitRow | undefined): number {
  return axis === 'lambda' ? 2 : axis === 'critical' ? 1 : (init?.etaCrit ?? Number.NaN);
}

function expLabel(options: ChartOptions, exp: string): string {
  return options.panelTitles?.[exp] ?? exp;
}

function orderVariants(present: Iterable<string>, wanted?: string[]): string[] {
  const set = new Set(present);
  if (wanted) return wanted.filter((v) => set.has(v));
  return [...set].sort((a, b) => (VARIANT_ORDER.indexOf(a) + 99) % 99 - (VARIANT_ORDER.indexOf(b) + 99) % 99 || a.localeCompare(b));
}

// ---------------------------------------------------------------- row preparation

/** Turns metrics tables into chart rows for the figure's template. */
export function prepareRows(params: PlotParams, tables: readonly MetricsTable[]): Result<{ rows: Row[]; notes: string[]; options: ChartOptions }, ChartError> {
  const v = validate(params.chart);
  if (!v.ok) return v;
  // `experiments` restricts the chart to some of the figure's experiments (the others feed only its claims).
  const only = params.chart.experiments;
  if (only !== undefined) tables = tables.filter((t) => only.includes(t.experiment));
  if (tables.length === 0) return err({ reason: 'no-data', message: M.noTables(params.figure) });
  const options = { ...params.chart, etaAxis: params.chart.etaAxis ?? defaultEtaAxis(tables) } as ChartOptions;
  switch (options.template) {
    case 'trajectories':
      return trajectoryRows(params.figure, options, tables);
    case 'sweep':
      return sweepRows(params.figure, options, tables);
    case 'best-vs-eta':
      return bestRows(params.figure, options, tables);
    case 'table':
      return tableRows(params.figure, options, tables);
  }
}

function withOptions<T extends ChartOptions>(rows: Row[], notes: string[], options: T) {
  return ok({ rows, notes, options: options as ChartOptions });
}

function trajectoryRows(figure: string, o: TrajectoriesOptions, tables: readonly MetricsTable[]) {
  const axis = o.etaAxis!;
  const allRows = tables.flatMap((t) => t.trajectories.map((r) => ({ t, r })));
  if (allRows.length === 0) return err({ reason: 'no-data' as const, message: M.noData(figure, 'trajectories') });
  const seeds = [...new Set(allRows.map(({ r }) => r.seed))].sort((a, b) => a - b);
  const seed = o.seed ?? seeds[0]!;
  const wantedPanels = o.panels ?? (['loss', 'theta2', 'etaLambdaT'] as TrajectoryPanel[]);
  const has = (p: TrajectoryPanel) => allRows.some(({ r }) => r[p] !== undefined && r[p] !== null);
  const panels = wantedPanels.filter(has);
  if (panels.length === 0) return err({ reason: 'no-data' as const, message: M.noPanels(figure, wantedPanels) });
  const matchEta = (x: number) => !o.etas || o.etas.some((e) => Math.abs(e - x) <= 1e-6 * Math.max(1, Math.abs(e)));
  const maxPts = o.maxPointsPerRun ?? 300;

  // group by run
  const runs = new Map<string, { exp: string; r: (typeof allRows)[number]['r']; points: (typeof allRows)[number]['r'][] }>();
  for (const { t, r } of allRows) {
    if (r.seed !== seed) continue;
    if (o.variants && !o.variants.includes(r.variant)) continue;
    const eta = etaIn(axis, r);
    if (!matchEta(eta)) continue;
    if (o.maxStep !== undefined && r.step > o.maxStep) continue;
    if (o.logX && r.step <= 0) continue;
    const key = `${t.experiment}|${r.variant}|${r.seed}|${r.etaValue}`;
    let g = runs.get(key);
    if (!g) runs.set(key, (g = { exp: t.experiment, r, points: [] }));
    g.points.push(r);
  }
  if (runs.size === 0) return err({ reason: 'no-data' as const, message: M.noData(figure, `trajectories for seed ${seed}`) });

  const rows: Row[] = [];
  const notes: string[] = [];
  let total = 0;
  let kept = 0;
  for (const [key, g] of [...runs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const pts = g.points.sort((a, b) => a.step - b.step);
    total += pts.length;
    const idx = thin(pts.length, maxPts, panels.map((p) => pts.map((q) => (q[p] as number | undefined | null) ?? null)));
    kept += idx.length;
    const eta = round(etaIn(axis, g.r))!;
    const base = { run: key, exp: g.exp, variant: g.r.variant, variantLabel: VARIANT_LABELS[g.r.variant] ?? g.r.variant, seed: g.r.seed, eta, status: g.r.status };
    for (const i of idx) {
      const p = pts[i]!;
      const row: Row = { kind: 'traj', ...base, step: p.step };
      for (const panel of panels) row[panel] = round(p[panel] as number | undefined);
      rows.push(row);
    }
    if (g.r.status === 'diverged') {
      const table = tables.find((t) => t.experiment === g.exp);
      const run = table?.runs.find((x) => x.seed === g.r.seed && x.variant === g.r.variant && x.etaValue === g.r.etaValue);
      const step = run?.steps ?? pts[pts.length - 1]!.step;
      const multiVariant = new Set(allRows.map(({ r }) => r.variant)).size > 1;
      rows.push({
        kind: 'div',
        ...base,
        step,
        note: M.divergedAt(`${etaTitle(axis)} = ${fmt(eta)}`, multiVariant ? base.variantLabel : undefined, g.r.seed, step),
      });
    }
  }
  if (kept < total) notes.push(M.pointsThinned(kept, total));
  return withOptions(rows, notes, { ...o, panels });
}

/**
 * Indices of at most ~`max` points: an even stride over the recorded points,
 * plus, for every series, its maximum and minimum (the catapult peak and the
 * floor must survive thinning) and the first and last point.
 */
export function thin(n: number, max: number, series: readonly (number | null)[][]): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const keep = new Set<number>([0, n - 1]);
  const stride = (n - 1) / (max - 1);
  for (let k = 0; k < max; k++) keep.add(Math.round(k * stride));
  for (const s of series) {
    let iMax = -1;
    let iMin = -1;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      if (iMax < 0 || v > s[iMax]!) iMax = i;
      if (iMin < 0 || v < s[iMin]!) iMin = i;
    }
    if (iMax >= 0) keep.add(iMax);
    if (iMin >= 0) keep.add(iMin);
  }
  return [...keep].sort((a, b) => a - b);
}

function boundRows(o: SweepOptions | TableOptions, tables: readonly MetricsTable[], axis: EtaAxisKind): Row[] {
  const init = tables[0]?.inits[0];
  const rows: Row[] = [{ kind: 'vline', x: round(criticalX(axis, init)), label: 'critical: η = η_crit = 2/λmax(H₀)', short: 'η_crit', style: 'critical' }];
  const seen = new Set<string>();
  for (const t of tables) {
    const i0 = t.inits[0];
    for (const [name, value] of Object.entries(i0?.bounds ?? {})) {
      if (o.bounds && !o.bounds.includes(name)) continue;
      if (/lower/i.test(name) || seen.has(name) || !Number.isFinite(value)) continue;
      seen.add(name);
      const label = o.boundLabels?.[name] ?? name;
      rows.push({ kind: 'vline', x: round(fromLambdaUnits(axis, value, i0)), label: `${label} = ${fmt(value)} (ηλmax(H₀))`, short: label, style: 'bound' });
    }
  }
  return rows;
}

function sweepRows(figure: string, o: SweepOptions, tables: readonly MetricsTable[]) {
  const axis = o.etaAxis!;
  const panelsWanted = o.panels ?? (['etaLambdaFinal', 'theta2Ratio'] as SweepPanel[]);
  const runs = tables.flatMap((t) => t.runs.filter((r) => !o.variants || o.variants.includes(r.variant)).map((r) => ({ t, r })));
  if (runs.length === 0) return err({ reason: 'no-data' as const, message: M.noData(figure, 'runs') });
  const value = (r: (typeof runs)[number]['r'], p: SweepPanel): number | undefined =>
    p === 'sparsity' ? undefined : ((r.final as Record<string, unknown>)[p] as number | undefined);
  const panels = panelsWanted.filter((p) =>
    p === 'sparsity' ? runs.some(({ r }) => r.final.sparsity?.length) : runs.some(({ r }) => Number.isFinite(value(r, p) ?? Number.NaN)),
  );
  if (panels.length === 0) return err({ reason: 'no-data' as const, message: M.noPanels(figure, panelsWanted) });
  const multiVariant = new Set(runs.map(({ r }) => r.variant)).size > 1;
  const rows: Row[] = [];
  const diverged: number[] = [];
  for (const { t, r } of runs) {
    const eta = round(etaIn(axis, r))!;
    const variantLabel = VARIANT_LABELS[r.variant] ?? r.variant;
    const base = { exp: t.experiment, variant: r.variant, variantLabel, seed: r.seed, eta, status: r.status, series: `${t.experiment}|${r.variant}|${r.seed}` };
    if (r.status === 'diverged') {
      diverged.push(eta);
      if (o.diverged !== 'omit') {
        rows.push({ kind: 'rdiv', ...base, note: M.divergedAt(`${etaTitle(axis)} = ${fmt(eta)}`, multiVariant ? variantLabel : undefined, r.seed, r.steps) });
      }
      continue;
    }
    const row: Row = { kind: 'run', ...base, reason: r.reason, steps: r.steps };
    for (const p of panels) if (p !== 'sparsity') row[p] = round(value(r, p));
    rows.push(row);
    (r.final.sparsity ?? []).forEach((s, layer) => {
      rows.push({ kind: 'sparse', ...base, series: `${base.series}|layer ${layer + 1}`, layer: `layer ${layer + 1}`, sparsity: round(s) });
    });
  }
  for (const p of panels) {
    const y = SWEEP_REF[p];
    if (y !== undefined) rows.push({ kind: 'ref', panel: p, y });
  }
  rows.push(...boundRows(o, tables, axis));
  const notes: string[] = [];
  if (o.diverged === 'omit' && diverged.length) {
    const sorted = [...new Set(diverged)].sort((a, b) => a - b);
    notes.push(M.divergedOmitted(diverged.length, `${etaTitle(axis)} ∈ {${sorted.map(fmt).join(', ')}}`));
  }
  return withOptions(rows, notes, { ...o, panels });
}

function bestRows(figure: string, o: BestVsEtaOptions, tables: readonly MetricsTable[]) {
  const axis = o.etaAxis!;
  const metric = o.metric ?? 'testLoss';
  const rows: Row[] = [];
  for (const t of tables) {
    const init = t.inits[0];
    const aggs = t.aggregates.filter((a) => !o.variants || o.variants.includes(a.variant));
    for (const a of aggs) {
      const eta = round(axis === 'absolute' ? a.etaRel * (init?.etaCrit ?? Number.NaN) : etaIn(axis, { eta: Number.NaN, ...a }));
      if (eta === null) continue;
      const variantLabel = VARIANT_LABELS[a.variant] ?? a.variant;
      const stat = metric === 'testLoss' ? a.bestTestLoss : a.bestTestAcc;
      const base = { exp: t.experiment, variant: a.variant, variantLabel, eta, n: a.n, nDiverged: a.nDiverged, series: `${t.experiment}|${a.variant}` };
      if (a.nDiverged >= a.n || !stat || !Number.isFinite(stat.mean)) {
        if (a.nDiverged > 0) rows.push({ kind: 'adiv', ...base, note: M.allDiverged(`${etaTitle(axis)} = ${fmt(eta)}`, variantLabel, a.n) });
        continue;
      }
      const logY = o.logY?.includes(metric) ?? false;
      const lo = stat.mean - stat.std;
      rows.push({
        kind: 'agg',
        ...base,
        mean: round(stat.mean),
        std: round(stat.std),
        lo: round(logY && lo <= 0 ? stat.mean : lo),
        hi: round(stat.mean + stat.std),
        note: a.nDiverged > 0 ? M.someDiverged(a.nDiverged, a.n) : `${a.n} runs`,
      });
    }
  }
  if (!rows.some((r) => r.kind === 'agg' || r.kind === 'adiv')) return err({ reason: 'no-data' as const, message: M.noData(figure, `best ${metric === 'testLoss' ? 'test loss' : 'test accuracy'} aggregates`) });
  rows.push({ kind: 'vline', x: round(criticalX(axis, tables[0]?.inits[0])), label: 'critical: η = η_crit', short: 'η_crit', style: 'critical' });
  return withOptions(rows, [], { ...o, metric });
}

function tableRows(figure: string, o: TableOptions, tables: readonly MetricsTable[]) {
  const axis = o.etaAxis!;
  const rows: Row[] = [];
  for (const t of tables) {
    for (const init of t.inits) {
      const bounds = Object.entries(init.bounds ?? {}).filter(([n, v]) => (!o.bounds || o.bounds.includes(n)) && Number.isFinite(v));
      const lowerEntry = bounds.find(([n]) => /lower/i.test(n));
      const lower = lowerEntry ? lowerEntry[1] : 2;
      const converged = t.runs.filter((r) => r.seed === init.seed && r.status === 'converged').map((r) => etaIn(axis, r));
      const edge = converged.length ? Math.max(...converged) : null;
      for (const [name, upper] of bounds) {
        if (/lower/i.test(name)) continue;
        const label = o.boundLabels?.[name] ?? name;
        const multiSeed = t.inits.length > 1;
        rows.push({
          kind: 'window',
          exp: t.experiment,
          row: `${expLabel(o, t.experiment)} — ${label}${multiSeed ? ` (seed ${init.seed})` : ''}`,
          bound: name,
          lower: round(fromLambdaUnits(axis, lower, init)),
          upper: round(fromLambdaUnits(axis, upper, init)),
          upperText: `(${fmt(fromLambdaUnits(axis, lower, init))}, ${fmt(fromLambdaUnits(axis, upper, init))})`,
          edge: round(edge),
          edgeNote: edge === null ? M.noneConverged() : M.largestConverged(fmt(edge)),
        });
      }
    }
  }
  if (rows.length === 0) return err({ reason: 'no-data' as const, message: M.noData(figure, 'bounds in the metrics tables (inits[].bounds)') });
  return withOptions(rows, [], o);
}

// ---------------------------------------------------------------- assembly

interface AssembleInput {
  figure: string;
  title: string;
  options: ChartOptions;
  rows: Row[];
  notes: string[];
  /** Labels of the two sides when overlaying (rows carry `source`). */
  sources?: [string, string];
}

/** Builds a figure's spec from its tables: prepare rows, then fill the templates. */
export function buildChart(params: PlotParams, tables: readonly MetricsTable[], opts: ChartBuildOptions = {}): Result<ChartBuild, ChartError> {
  const prepared = prepareRows(params, tables);
  if (!prepared.ok) return prepared;
  const { rows, notes, options } = prepared.value;
  const spec = assembleSpec({ figure: params.figure, title: params.title, options, rows, notes }, opts);
  if (!spec.ok) return spec;
  return ok({ spec: spec.value, dataRows: rows.length, notes });
}

function extent(xs: readonly number[]): [number, number] | undefined {
  const f = xs.filter((x) => Number.isFinite(x));
  if (f.length === 0) return undefined;
  return [Math.min(...f), Math.max(...f)];
}

function nums(rows: readonly Row[], field: string, pred: (r: Row) => boolean = () => true): number[] {
  return rows.filter(pred).map((r) => r[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** The η colour channel shared by every panel: one colour per η, legend titled in the chart's η units. */
function etaColour(o: ChartOptions, rows: readonly Row[]): JsonValue {
  const etas = [...new Set(nums(rows, 'eta'))].sort((a, b) => a - b);
  const domain = extent(etas) ?? [0, 1];
  if (domain[0] === domain[1]) domain[1] = domain[0] + 1;
  const few = etas.length <= 10;
  return {
    field: 'eta',
    type: 'quantitative',
    title: etaTitle(o.etaAxis!),
    scale: { scheme: { name: o.scheme ?? 'viridis', extent: [0, 0.88] }, domain, zero: false },
    legend: few ? { type: 'symbol', values: etas, format: '.3~g', symbolType: 'stroke', symbolStrokeWidth: 2.5 } : { format: '.3~g', direction: 'vertical' },
  };
}

function variantColour(rows: readonly Row[]): JsonValue {
  const labels = [...new Set(rows.map((r) => r.variantLabel).filter((v): v is string => typeof v === 'string'))];
  const known = Object.keys(VARIANT_COLOURS);
  labels.sort((a, b) => (known.indexOf(a) + 99) % 99 - (known.indexOf(b) + 99) % 99 || a.localeCompare(b));
  const fallback = ['#7b3294', '#c2185b', '#555555'];
  return {
    field: 'variantLabel',
    type: 'nominal',
    title: 'model',
    scale: { domain: labels, range: labels.map((l, i) => VARIANT_COLOURS[l] ?? fallback[i % fallback.length]!) },
  };
}

function sourceDash(sources: [string, string]): JsonValue {
  return { field: 'source', type: 'nominal', title: 'source', scale: { domain: sources, range: [[1, 0], [6, 3]] } };
}

function yScale(o: ChartOptions, panel: string, rows: readonly Row[], field: string, pred: (r: Row) => boolean, extra: number[] = []): JsonValue {
  const log = o.logY?.includes(panel) ?? false;
  const explicit = (o as { domains?: Record<string, [number, number]> }).domains?.[panel];
  if (explicit) return { type: log ? 'log' : 'linear', domain: explicit, zero: false, nice: false };
  let values = nums(rows, field, pred);
  if (values.length === 0) values = nums(rows, field);
  values = values.concat(extra);
  if (log) values = values.filter((v) => v > 0);
  const e = extent(values);
  if (!e) return log ? { type: 'log' } : { type: 'linear', zero: false };
  if (log) return { type: 'log', domain: e[0] === e[1] ? [e[0] / 10, e[1] * 10] : e, nice: true };
  const pad = (e[1] - e[0]) * 0.05 || Math.abs(e[0]) * 0.1 || 1;
  const lo = e[0] >= 0 ? Math.max(0, e[0] - pad) : e[0] - pad;
  return { type: 'linear', domain: [round(lo)!, round(e[1] + pad)!], zero: false, nice: true };
}

/**
 * Axis of a log-scale panel: ticks at powers of ten only (at most ~6, every
 * k-th decade over wide ranges such as loss 1e-30 … 1e2), labelled 0.01 … 100
 * plainly and 1e-8 beyond.
 */
function logAxis(scale: JsonValue): JsonValue {
  const d = (scale as { domain?: [number, number] }).domain;
  const labelExpr = "abs(log(datum.value) / log(10)) <= 2 ? format(datum.value, '~g') : replace(format(datum.value, '.0e'), 'e+', 'e')";
  if (!d || !(d[0] > 0)) return { labelExpr };
  const lo = Math.floor(Math.log10(d[0]) + 1e-9);
  const hi = Math.ceil(Math.log10(d[1]) - 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  const values: number[] = [];
  for (let k = Math.ceil(lo / step) * step; k <= hi; k += step) values.push(Number(`1e${k}`));
  return { values, labelExpr, grid: true };
}

function yAxisFor(scale: JsonValue): JsonValue | undefined {
  return (scale as { type?: string }).type === 'log' ? logAxis(scale) : undefined;
}

const letter = (i: number): string => `(${String.fromCharCode(97 + (i % 26))})`;

function baseSpec(input: AssembleInput, theme: { [k: string]: JsonValue }, extraNotes: string[]): { [k: string]: JsonValue } {
  const o = input.options;
  const subtitle = [o.subtitle, ...extraNotes].filter((s): s is string => typeof s === 'string' && s.length > 0);
  const meta: SpecMeta = { template: o.template, figure: input.figure, title: input.title, options: o as unknown as JsonValue, context: { notes: input.notes } };
  return {
    ...theme,
    $schema: SCHEMA,
    title: subtitle.length ? { text: input.title, subtitle } : { text: input.title },
    data: { values: input.rows },
    usermeta: { catapult: meta as unknown as JsonValue },
  };
}

/** Fills the figure's template from its rows (no tables needed: this is what `--compare` re-runs). */
export function assembleSpec(input: AssembleInput, opts: ChartBuildOptions = {}): Result<VegaLiteSpec, ChartError> {
  const theme = loadTemplate('theme', opts.templatesDir);
  if (!theme.ok) return theme;
  const tpl = loadTemplate(input.options.template, opts.templatesDir);
  if (!tpl.ok) return tpl;
  const panel = tpl.value.panel as JsonValue;
  const o = input.options;
  const rows = input.rows;
  const width = o.width ?? 220;
  const height = o.height ?? 160;
  const compare = input.sources;
  const expFilter = (exp: string) => `datum.exp === ${str(exp)}`;
  const exps = [...new Set(rows.map((r) => r.exp).filter((e): e is string => typeof e === 'string'))];
  const fills: Result<JsonValue, TemplateError>[] = [];
  let layout: 'rows' | 'single-row' = 'single-row';
  const grid: JsonValue[][] = [];

  if (o.template === 'trajectories') {
    const t = o as TrajectoriesOptions;
    const panels = t.panels ?? ['loss'];
    const byExp = t.colorBy === 'experiment';
    const variants = orderVariants(rows.map((r) => String(r.variant)), t.variants);
    const groups: { filter: string; label: string }[] = [];
    for (const exp of byExp ? [null] : exps) {
      for (const variant of variants) {
        const parts = [exp === null ? null : expFilter(exp), `datum.variant === ${str(variant)}`].filter(Boolean);
        const labels = [exps.length > 1 && exp !== null ? expLabel(o, exp) : null, variants.length > 1 ? (VARIANT_LABELS[variant] ?? variant) : null].filter(Boolean);
        groups.push({ filter: parts.join(' && '), label: labels.join(', ') });
      }
    }
    const color = byExp
      ? ({ field: 'exp', type: 'nominal', title: 'experiment', scale: { domain: exps, range: exps.map((_, i) => ['#1f4e79', '#e07b00', '#2a9d3a', '#c2185b', '#7b3294', '#555'][i % 6]!) } } as JsonValue)
      : etaColour(o, rows);
    const statuses = ['converged', 'capped', 'diverged'].filter((s) => rows.some((r) => r.kind === 'traj' && r.status === s));
    const strokeDash: JsonValue = compare
      ? sourceDash(compare)
      : { field: 'status', type: 'nominal', title: 'run', scale: { domain: statuses, range: statuses.map((s) => (s === 'diverged' ? [5, 3] : [1, 0])) } };
    const steps = nums(rows, 'step', (r) => r.kind === 'traj');
    const stepExt = extent(steps) ?? [0, 1];
    const xScale: JsonValue = t.logX ? { type: 'log', domain: [Math.max(1, stepExt[0]), stepExt[1]], nice: false } : { type: 'linear', domain: stepExt, nice: false };
    let k = 0;
    layout = groups.length > 1 ? 'rows' : 'single-row';
    for (const g of groups) {
      const line: JsonValue[] = [];
      for (const p of panels) {
        const log = o.logY?.includes(p) ?? false;
        const validity = `isValid(datum[${str(p)}]) && isFinite(datum[${str(p)}])${log ? ` && datum[${str(p)}] > 0` : ''}`;
        const lineFilter = `datum.kind === 'traj' && ${g.filter} && ${validity}`;
        const title = `${letter(k++)} ${g.label ? `${g.label}: ` : ''}${TRAJECTORY_TITLES[p as TrajectoryPanel] ?? p}`;
        const ys = yScale(o, p, rows, p, (r) => r.kind === 'traj' && r.status !== 'diverged');
        const f = fillTemplate(panel, {
          width,
          height,
          panelTitle: title,
          lineFilter,
          divergedFilter: `datum.kind === 'div' && ${g.filter}`,
          field: p,
          yTitle: TRAJECTORY_TITLES[p as TrajectoryPanel] ?? p,
          yScale: ys,
          yAxis: yAxisFor(ys),
          xScale,
          color,
          strokeDash,
          lineTooltip: [
            { field: 'eta', type: 'quantitative', title: etaTitle(o.etaAxis!), format: '.4~g' },
            { field: 'variantLabel', type: 'nominal', title: 'model' },
            { field: 'seed', type: 'quantitative', title: 'seed' },
            { field: 'status', type: 'nominal', title: 'status' },
            ...(compare ? [{ field: 'source', type: 'nominal', title: 'source' }] : []),
          ],
        });
        fills.push(f);
        if (f.ok) line.push(f.value);
      }
      grid.push(line);
    }
  } else if (o.template === 'sweep') {
    const s = o as SweepOptions;
    const panels = s.panels ?? ['etaLambdaFinal'];
    const vlines = rows.filter((r) => r.kind === 'vline');
    const etas = nums(rows, 'eta');
    const etaExt = extent(etas) ?? [0, 1];
    const lineXs = nums(vlines, 'x').filter((x) => x <= etaExt[1] * 1.5);
    const xExt = extent([...etas, ...lineXs, 0]) ?? [0, 1];
    const xScale: JsonValue = { domain: [xExt[0], round(xExt[1] * 1.04)!], nice: false, zero: true };
    const vlineLabels = vlines.map((r) => String(r.label));
    const boundPalette = ['#c0392b', '#8e44ad', '#d35400', '#16a085'];
    let bi = 0;
    const vlineStroke: JsonValue = {
      field: 'label',
      type: 'nominal',
      title: 'reference lines',
      scale: { domain: vlineLabels, range: vlines.map((r) => (r.style === 'critical' ? '#555555' : boundPalette[bi++ % boundPalette.length]!)) },
      legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 },
    };
    // in compare mode the strokeDash scale belongs to `source`; reference lines keep one dash and differ by colour
    const vlineDash: JsonValue = compare
      ? { value: [6, 4] }
      : {
      field: 'style',
      type: 'nominal',
      scale: { domain: ['critical', 'bound'], range: [[2, 3], [6, 4]] },
      legend: null,
    };
    let k = 0;
    for (const exp of exps) {
      const line: JsonValue[] = [];
      for (const p of panels) {
        const isSparse = p === 'sparsity';
        const pointFilter = isSparse
          ? `datum.kind === 'sparse' && ${expFilter(exp)}`
          : `datum.kind === 'run' && ${expFilter(exp)} && isValid(datum[${str(p)}]) && isFinite(datum[${str(p)}])${o.logY?.includes(p) ? ` && datum[${str(p)}] > 0` : ''}`;
        const ref = SWEEP_REF[p as SweepPanel];
        const ys = isSparse ? { domain: [0, 1], zero: true } : yScale(o, p, rows, p, (r) => r.kind === 'run' && r.exp === exp, ref !== undefined ? [ref] : []);
        const title = `${letter(k++)} ${exps.length > 1 ? `${expLabel(o, exp)}: ` : ''}${SWEEP_TITLES[p as SweepPanel] ?? p}`;
        const f = fillTemplate(panel, {
          width,
          height,
          panelTitle: title,
          xScale,
          etaTitle: etaTitle(o.etaAxis!),
          vlineStroke,
          vlineDash,
          refFilter: `datum.kind === 'ref' && datum.panel === ${str(p)}`,
          pointFilter,
          divergedFilter: `datum.kind === 'rdiv' && ${expFilter(exp)}`,
          field: p,
          yTitle: SWEEP_TITLES[p as SweepPanel] ?? p,
          yScale: ys,
          yAxis: yAxisFor(ys),
          color: etaColour(o, rows),
          seriesDash: compare ? sourceDash(compare) : undefined,
          shape: isSparse
            ? { field: 'layer', type: 'nominal', title: 'hidden layer' }
            : compare
              ? { field: 'source', type: 'nominal', title: 'source' }
              : undefined,
          pointTooltip: [
            { field: 'eta', type: 'quantitative', title: etaTitle(o.etaAxis!), format: '.4~g' },
            { field: isSparse ? 'sparsity' : p, type: 'quantitative', title: SWEEP_TITLES[p as SweepPanel] ?? p, format: '.4~g' },
            ...(isSparse ? [{ field: 'layer', type: 'nominal', title: 'layer' }] : [{ field: 'status', type: 'nominal', title: 'status' }, { field: 'steps', type: 'quantitative', title: 'steps' }]),
            { field: 'seed', type: 'quantitative', title: 'seed' },
            ...(compare ? [{ field: 'source', type: 'nominal', title: 'source' }] : []),
          ],
        });
        fills.push(f);
        if (f.ok) line.push(f.value);
      }
      grid.push(line);
    }
    layout = grid.length > 1 ? 'rows' : 'single-row';
  } else if (o.template === 'best-vs-eta') {
    const b = o as BestVsEtaOptions;
    const metric = b.metric ?? 'testLoss';
    const etas = nums(rows, 'eta');
    const xExt = extent([...etas, ...nums(rows, 'x', (r) => r.kind === 'vline'), 0]) ?? [0, 1];
    const xScale: JsonValue = { domain: [xExt[0], round(xExt[1] * 1.04)!], nice: false, zero: true };
    const line: JsonValue[] = [];
    let k = 0;
    for (const exp of exps) {
      const yTitle = metric === 'testLoss' ? 'best test loss' : 'test accuracy';
      const ys = yScale(o, metric, rows, 'hi', (r) => r.kind === 'agg' && r.exp === exp, nums(rows, 'lo', (r) => r.kind === 'agg' && r.exp === exp));
      const f = fillTemplate(panel, {
        width,
        height,
        panelTitle: `${letter(k++)} ${expLabel(o, exp)}`,
        vlineFilter: `datum.kind === 'vline'`,
        xScale,
        pointFilter: `datum.kind === 'agg' && ${expFilter(exp)}`,
        divergedFilter: `datum.kind === 'adiv' && ${expFilter(exp)}`,
        color: variantColour(rows),
        etaTitle: etaTitle(o.etaAxis!),
        yTitle,
        yScale: ys,
        yAxis: yAxisFor(ys),
        seriesDash: compare ? sourceDash(compare) : undefined,
        shape: compare ? { field: 'source', type: 'nominal', title: 'source' } : undefined,
        pointTooltip: [
          { field: 'variantLabel', type: 'nominal', title: 'model' },
          { field: 'eta', type: 'quantitative', title: etaTitle(o.etaAxis!), format: '.4~g' },
          { field: 'mean', type: 'quantitative', title: 'mean', format: '.4~g' },
          { field: 'std', type: 'quantitative', title: 'std', format: '.3~g' },
          { field: 'note', type: 'nominal', title: 'runs' },
          ...(compare ? [{ field: 'source', type: 'nominal', title: 'source' }] : []),
        ],
      });
      fills.push(f);
      if (f.ok) line.push(f.value);
    }
    grid.push(line);
  } else {
    const xs = [...nums(rows, 'lower'), ...nums(rows, 'upper'), ...nums(rows, 'edge')];
    const ext = extent([...xs, 0]) ?? [0, 1];
    const f = fillTemplate(panel, {
      width: o.width ?? 460,
      etaTitle: etaTitle(o.etaAxis!),
      xScale: { domain: [0, round(ext[1] * 1.15)!], nice: false },
      windowFilter: compare ? `datum.kind === 'window' && datum.source === ${str(compare[0])}` : `datum.kind === 'window'`,
      edgeFilter: `datum.kind === 'window' && isValid(datum.edge)`,
      windowTooltip: [
        { field: 'row', type: 'nominal', title: 'model — bound' },
        { field: 'upperText', type: 'nominal', title: 'window' },
        { field: 'edgeNote', type: 'nominal', title: 'runs' },
        ...(compare ? [{ field: 'source', type: 'nominal', title: 'source' }] : []),
      ],
    });
    fills.push(f);
    if (f.ok) grid.push([f.value]);
  }

  for (const f of fills) if (!f.ok) return f;
  const spec = baseSpec(input, theme.value, input.notes.filter((n) => !/thinned/.test(n)));
  // Wrap long rows (e.g. 14 dataset × architecture panels) so the figure stays readable on a page.
  const columns = o.columns ?? 4;
  const wrapped = grid.flatMap((line) => {
    const out: typeof line[] = [];
    for (let i = 0; i < line.length; i += columns) out.push(line.slice(i, i + columns));
    return out.length ? out : [line];
  });
  if ((layout === 'single-row' || grid.length === 1) && wrapped.length === 1) {
    spec.hconcat = wrapped[0] ?? [];
  } else {
    spec.vconcat = wrapped.map((line) => ({ hconcat: line }));
  }
  if (o.template === 'sweep') spec.resolve = { scale: { color: 'shared', stroke: 'shared' } };
  return ok(spec as VegaLiteSpec);
}

// ---------------------------------------------------------------- overlay (--compare)

export type OverlayError = ChartError | { reason: 'not-ours'; message: string } | { reason: 'template-mismatch'; message: string };

function metaOf(spec: VegaLiteSpec): SpecMeta | undefined {
  const um = spec.usermeta as { catapult?: SpecMeta } | undefined;
  return um?.catapult;
}

function rowsOf(spec: VegaLiteSpec): Row[] {
  const data = spec.data as { values?: Row[] } | undefined;
  return Array.isArray(data?.values) ? data!.values! : [];
}

/**
 * Overlays the same figure from two builds (two configurations or revisions):
 * rows of each side are tagged with `source`, run keys are made distinct, and
 * the template is re-filled with a `source` stroke-dash / shape channel — the
 * colour keeps meaning η (or the model), as in `dvc plots diff`.
 */
export function overlaySpecs(a: VegaLiteSpec, b: VegaLiteSpec, labels: [string, string], opts: ChartBuildOptions = {}): Result<VegaLiteSpec, OverlayError> {
  const ma = metaOf(a);
  const mb = metaOf(b);
  if (!ma || !mb) return err({ reason: 'not-ours', message: M.compareNotComparable('a spec not built by catapult') });
  if (ma.template !== mb.template) return err({ reason: 'template-mismatch', message: M.compareNotComparable(`${ma.template} vs ${mb.template}`) });
  const tag = (rows: Row[], source: string): Row[] =>
    rows.map((r) => ({
      ...r,
      source,
      ...(typeof r.run === 'string' ? { run: `${source}|${r.run}` } : {}),
      ...(typeof r.series === 'string' ? { series: `${source}|${r.series}` } : {}),
    }));
  // vertical reference lines are facts of an init: keep both sides' if they differ, else one
  const rowsA = tag(rowsOf(a), labels[0]);
  const rowsB = tag(rowsOf(b), labels[1]).filter(
    (r) => !(r.kind === 'vline' || r.kind === 'ref') || !rowsA.some((x) => x.kind === r.kind && x.x === r.x && x.y === r.y && x.label === r.label),
  );
  const options = ma.options as unknown as ChartOptions;
  return assembleSpec(
    { figure: ma.figure, title: M.compareTitle(labels[0], labels[1]).replace('Comparison', `${ma.title} — comparison`), options, rows: [...rowsA, ...rowsB], notes: [], sources: labels },
    opts,
  );
}
