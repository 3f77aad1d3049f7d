import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/json.js';
import { buildChart, overlaySpecs, prepareRows, thin } from '../../src/report/charts.js';
import { compileSpec, renderSvg } from '../../src/report/render.js';
import { fillTemplate } from '../../src/report/template.js';
import type { ChartOptions, PlotParams, VegaLiteSpec } from '../../src/report/types.js';
import { reportMessages as M } from '../../src/messages/report.js';
import { GOLDEN_FIGURES, goldenDir, loadTable } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares text with a golden file; UPDATE_GOLDEN=1 rewrites it. Reports the first differing line. */
function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (UPDATE) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden ${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/report`);
  const expected = readFileSync(path, 'utf8');
  if (expected === actual) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const i = a.findIndex((line, k) => line !== e[k]);
  const at = i < 0 ? Math.min(a.length, e.length) : i;
  expect({ golden: name, line: at + 1, expected: e[at]?.slice(0, 300), actual: a[at]?.slice(0, 300) }).toEqual({ golden: name, line: at + 1, expected: e[at]?.slice(0, 300), actual: e[at]?.slice(0, 300) });
}

const params = (chart: Partial<ChartOptions> & { template: ChartOptions['template'] }, figure = 'f'): PlotParams => ({ figure, paper: 'ml', title: 'T', chart: chart as ChartOptions });
type Row = Record<string, JsonValue>;
const rowsOf = (spec: VegaLiteSpec): Row[] => (spec.data as { values: Row[] }).values;

describe('golden charts (compiled Vega-Lite spec and SVG)', () => {
  for (const g of GOLDEN_FIGURES) {
    it(`${g.params.figure} (${g.params.chart.template})`, async () => {
      const chart = buildChart(g.params, g.tables.map(loadTable));
      expect(chart.ok).toBe(true);
      if (!chart.ok) return;
      golden(`${g.params.figure}.vl.json`, `${JSON.stringify(chart.value.spec, null, 1)}\n`);
      const compiled = compileSpec(chart.value.spec);
      expect(compiled.ok && compiled.value.warnings).toEqual([]);
      if (!compiled.ok) return;
      golden(`${g.params.figure}.vg.json`, `${JSON.stringify(compiled.value.vega, null, 1)}\n`);
      const svg = await renderSvg(chart.value.spec);
      expect(svg.ok).toBe(true);
      if (!svg.ok) return;
      expect(svg.value.svg).toMatch(/^<svg /);
      golden(`${g.params.figure}.svg`, `${svg.value.svg}\n`);
    });
  }
});

describe('trajectories', () => {
  const tables = [loadTable('zhu-fig1')];
  it('draws diverged runs dashed with a marker that says where they diverged', () => {
    const r = prepareRows(params({ template: 'trajectories' }), tables);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const div = r.value.rows.filter((x) => x.kind === 'div');
    // lin diverges at 1.5, 2.5, 4.5; quad and net at 2.5 and 4.5 (see the fixture)
    expect(div.length).toBe(7);
    const lin15 = div.find((x) => x.variant === 'lin' && x.eta === 1.5)!;
    expect(lin15.note).toBe(M.divergedAt('η / η_crit = 1.5', 'f_lin', 0, 14));
    const built = buildChart(params({ template: 'trajectories', logY: ['loss'] }), tables);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const text = JSON.stringify(built.value.spec);
    expect(text).toContain('"strokeDash":{"field":"status"');
    expect(text).toContain('"range":[[1,0],[5,3]]');
    expect(text).toContain('"type":"log"');
  });

  it('defaults the η axis to the experiment unit and titles the legend accordingly', () => {
    const ml = buildChart(params({ template: 'trajectories' }), [loadTable('ml-toy')]);
    const zhu = buildChart(params({ template: 'trajectories' }), tables);
    expect(ml.ok && JSON.stringify(ml.value.spec)).toContain('"title":"ηλmax(H₀)"');
    expect(zhu.ok && JSON.stringify(zhu.value.spec)).toContain('"title":"η / η_crit"');
  });

  it('keeps only the requested η values and seed', () => {
    const r = prepareRows(params({ template: 'trajectories', etas: [0.4, 2.5] }), tables);
    expect(r.ok && [...new Set(r.value.rows.map((x) => x.eta))].sort()).toEqual([0.4, 2.5]);
    const none = prepareRows(params({ template: 'trajectories', seed: 7 }), tables);
    expect(none.ok ? 'ok' : none.error.reason).toBe('no-data');
  });

  it('rejects an unknown panel and an unknown template with exact messages', () => {
    const bad = buildChart(params({ template: 'trajectories', panels: ['nope' as never] }), tables);
    expect(bad.ok ? '' : bad.error.message).toBe(M.badOption('panels', 'unknown series nope (known: loss, theta2, etaLambdaT, lambda1, lambda2, distance, testLoss, testAcc)'));
    const tpl = buildChart(params({ template: 'pie' as never }), tables);
    expect(tpl.ok ? '' : tpl.error.reason).toBe('unknown-template');
  });

  it('colours by experiment when asked (one line per γ / width at fixed η)', () => {
    const two = [loadTable('zhu-fig1'), { ...loadTable('zhu-fig1'), experiment: 'other' }];
    const built = buildChart(params({ template: 'trajectories', colorBy: 'experiment', etas: [1.5], variants: ['quad'], panels: ['loss'] } as never), two);
    if (!built.ok) throw new Error(built.error.message);
    const text = JSON.stringify(built.value.spec);
    expect(text).toContain('"color":{"field":"exp","type":"nominal"');
    const compiled = compileSpec(built.value.spec);
    expect(compiled.ok && compiled.value.warnings).toEqual([]);
    expect(new Set(rowsOf(built.value.spec).map((r) => r.exp))).toEqual(new Set(['zhu-fig1-toy', 'other']));
  });

  it('uses decade ticks on log axes', () => {
    const built = buildChart(params({ template: 'trajectories', logY: ['loss'], panels: ['loss'] }), tables);
    if (!built.ok) throw new Error(built.error.message);
    const axis = JSON.stringify(built.value.spec).match(/"axis":\{"values":\[([^\]]*)\]/);
    expect(axis).not.toBeNull();
    const values = axis![1]!.split(',').map(Number);
    expect(values.length).toBeLessThanOrEqual(7);
    for (const v of values) expect(Math.log10(v) % 1).toBeCloseTo(0, 9);
  });
});

describe('sweep', () => {
  const tables = [loadTable('ml-toy')];
  it('draws each bound as a labelled dashed line, converted to the axis units', () => {
    const lam = prepareRows(params({ template: 'sweep' }), tables);
    const crit = prepareRows(params({ template: 'sweep', etaAxis: 'critical' }), tables);
    if (!lam.ok || !crit.ok) throw new Error('prepare failed');
    const lines = (rows: Row[]) => rows.filter((r) => r.kind === 'vline').map((r) => [r.short, r.x]);
    expect(lines(lam.value.rows)).toEqual([['η_crit', 2], ['table1-upper', 4], ['method-2', 3.25]]);
    expect(lines(crit.value.rows)).toEqual([['η_crit', 1], ['table1-upper', 2], ['method-2', 1.625]]);
  });

  it('marks diverged runs at the top, or omits them with a note', () => {
    const marker = prepareRows(params({ template: 'sweep' }), tables);
    const omit = prepareRows(params({ template: 'sweep', diverged: 'omit' }), tables);
    if (!marker.ok || !omit.ok) throw new Error('prepare failed');
    expect(marker.value.rows.filter((r) => r.kind === 'rdiv').map((r) => r.eta)).toEqual([4, 4.2, 4.4, 4.6]);
    expect(omit.value.rows.some((r) => r.kind === 'rdiv')).toBe(false);
    expect(omit.value.notes).toEqual([M.divergedOmitted(4, 'ηλmax(H₀) ∈ {4, 4.2, 4.4, 4.6}')]);
    // converged points only in the point layers
    expect(marker.value.rows.filter((r) => r.kind === 'run').every((r) => r.status !== 'diverged')).toBe(true);
  });

  it('computes θ∞²/θ0² and final ηλmax(H∞) from the runs (edge of stability ≤ 2 when converged)', () => {
    const r = prepareRows(params({ template: 'sweep' }), tables);
    if (!r.ok) throw new Error('prepare failed');
    const runs = r.value.rows.filter((x) => x.kind === 'run');
    for (const x of runs) expect(x.etaLambdaFinal as number).toBeLessThanOrEqual(2.0001);
    const small = runs.find((x) => x.eta === 0.2)!;
    expect(small.theta2Ratio as number).toBeGreaterThan(0.99);
  });
});

describe('best-vs-eta', () => {
  it('aggregates per variant with error bars and marks all-diverged points', () => {
    const r = prepareRows(params({ template: 'best-vs-eta' }), [loadTable('zhu-best-cifar2')]);
    if (!r.ok) throw new Error('prepare failed');
    const agg = r.value.rows.filter((x) => x.kind === 'agg');
    for (const a of agg) {
      expect(a.lo as number).toBeLessThanOrEqual(a.mean as number);
      expect(a.hi as number).toBeGreaterThanOrEqual(a.mean as number);
    }
    const linDiv = r.value.rows.filter((x) => x.kind === 'adiv' && x.variant === 'lin');
    expect(linDiv.length).toBeGreaterThan(0);
    expect(linDiv.every((x) => (x.eta as number) > 1)).toBe(true);
    expect(r.value.rows.find((x) => x.kind === 'vline')?.x).toBe(1);
  });
});

describe('table', () => {
  it('reports each bound window and the largest converged rate', () => {
    const r = prepareRows(params({ template: 'table' }), [loadTable('ml-toy')]);
    if (!r.ok) throw new Error('prepare failed');
    expect(r.value.rows.map((x) => [x.bound, x.lower, x.upper, x.edge])).toEqual([
      ['table1-upper', 2, 4, 3.8],
      ['method-2', 2, 3.25, 3.8],
    ]);
  });
});

describe('overlay (--compare)', () => {
  it('tags both sides with a source and encodes it with stroke dash', () => {
    const g = GOLDEN_FIGURES[1]!;
    const a = buildChart(g.params, g.tables.map(loadTable));
    const tb = loadTable('ml-toy');
    tb.runs = tb.runs.map((r) => ({ ...r, final: { ...r.final, theta2Ratio: (r.final.theta2Ratio ?? 1) * 0.9 } }));
    const b = buildChart(g.params, [tb]);
    if (!a.ok || !b.ok) throw new Error('build failed');
    const o = overlaySpecs(a.value.spec, b.value.spec, ['main', 'branch']);
    if (!o.ok) throw new Error(o.error.message);
    const rows = rowsOf(o.value);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['main', 'branch']));
    expect(rows.filter((r) => r.kind === 'run').length).toBe(2 * rowsOf(a.value.spec).filter((r) => r.kind === 'run').length);
    // identical bound lines are not duplicated
    expect(rows.filter((r) => r.kind === 'vline').length).toBe(3);
    expect(JSON.stringify(o.value)).toContain('"strokeDash":{"field":"source"');
    expect(compileSpec(o.value).ok).toBe(true);
    const foreign = overlaySpecs({ mark: 'point' }, a.value.spec, ['x', 'y']);
    expect(foreign.ok ? '' : foreign.error.reason).toBe('not-ours');
  });
});

describe('thinning and templates', () => {
  it('thin keeps the first, last, maximum and minimum points', () => {
    const s = Array.from({ length: 1000 }, (_, i) => (i === 537 ? 1e9 : i === 911 ? -5 : Math.sin(i)));
    const idx = thin(1000, 50, [s]);
    expect(idx.length).toBeLessThanOrEqual(54);
    for (const k of [0, 999, 537, 911]) expect(idx).toContain(k);
    expect(thin(10, 50, [s])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('fillTemplate substitutes values, drops undefined and reports every missing placeholder', () => {
    const t = { a: '{{x}}', b: 'n={{n}}', c: ['{{gone}}', 1], d: '{{y}}' } as JsonValue;
    const r = fillTemplate(t, { x: { k: [1] }, n: 3, gone: undefined, y: 'z' });
    expect(r.ok && r.value).toEqual({ a: { k: [1] }, b: 'n=3', c: [1], d: 'z' });
    const bad = fillTemplate({ a: '{{p}}', b: 'x{{q}}' }, {});
    expect(bad.ok ? '' : bad.error.message).toBe(M.placeholderMissing(['p', 'q']));
  });
});
