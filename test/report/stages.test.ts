import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/json.js';
import type { ArtifactInput, StageContext } from '../../src/core/stage.js';
import type { PlotResult } from '../../src/report/types.js';
import { plotStage } from '../../stages/plot/index.js';
import { materializeReportEntry, reportStage, type ReportArtifact, type ReportStageParams } from '../../stages/report/index.js';
import { GOLDEN_FIGURES, loadTable, repoRoot } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'catapult-stages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const logs: string[] = [];
const ctx: StageContext = {
  id: 'plot:ml-fig1',
  key: 'k'.repeat(64),
  backend: 'none',
  dataRoot: '/nonexistent',
  repoRoot,
  offline: true,
  signal: new AbortController().signal,
  log: (m) => logs.push(m),
  progress: () => {},
};

const metricsInput = (name: string): ArtifactInput => ({ id: `metrics:${name}`, kind: 'metrics', key: 'm'.repeat(64), result: loadTable(name) as unknown as JsonValue, dir: work });

describe('plot stage', () => {
  it('returns the spec, SVG, PNG and a restylable spec file; fails with a message on bad options', async () => {
    const g = GOLDEN_FIGURES[1]!;
    const out = await plotStage.run(g.params as unknown as JsonValue, g.tables.map(metricsInput), ctx);
    const r = out.result as unknown as PlotResult;
    expect(r.figure).toBe('ml-fig1');
    expect(r.svgFile).toBe('figure.svg');
    expect(r.dataRows).toBe((r.spec.data as { values: unknown[] }).values.length);
    expect(String(out.files?.['figure.svg'])).toMatch(/^<svg/);
    expect(JSON.parse(String(out.files?.['figure.vl.json']))).toEqual(r.spec);
    expect((out.files?.['figure.png'] as Uint8Array).byteLength).toBeGreaterThan(10_000);
    await expect(plotStage.run({ ...g.params, chart: { template: 'pie' } } as unknown as JsonValue, g.tables.map(metricsInput), ctx)).rejects.toThrow(/unknown chart template "pie"/);
  });
});

describe('report stage', () => {
  it('reads plot and claims artifacts, and its entry materialises to reports/', async () => {
    const g = GOLDEN_FIGURES[1]!;
    const plotOut = await plotStage.run(g.params as unknown as JsonValue, g.tables.map(metricsInput), ctx);
    const plotDir = join(work, 'plot-entry');
    mkdirSync(plotDir, { recursive: true });
    for (const [name, content] of Object.entries(plotOut.files ?? {})) writeFileSync(join(plotDir, name), content);
    const claims = { figure: 'ml-fig1', claims: [{ id: 'c1', text: 'edge near 4', status: 'PASS', measured: '3.8', criterion: 'edge in [3.7, 4.05]', details: { x: 1 } }] };
    const params: ReportStageParams = {
      title: 'stage report',
      project: { packages: {} },
      papers: [{ id: 'ml', title: 'Meltzer & Liu' }],
      figures: [{ id: 'ml-fig1', paper: 'ml', title: 'sweep', caption: 'cap', status: 'built', plotInput: 'plot:ml-fig1', claimsInput: 'claims:ml-fig1' }],
    };
    const inputs: ArtifactInput[] = [
      { id: 'plot:ml-fig1', kind: 'plot', key: 'p'.repeat(64), result: plotOut.result, dir: plotDir },
      { id: 'claims:ml-fig1', kind: 'claims', key: 'c'.repeat(64), result: claims as unknown as JsonValue, dir: work },
    ];
    const out = await reportStage.run(params as unknown as JsonValue, inputs, ctx);
    const art = out.result as unknown as ReportArtifact;
    expect(art.files.map((f) => f.path).sort()).toEqual(['figures/ml-fig1/figure.png', 'figures/ml-fig1/figure.svg', 'figures/ml-fig1/figure.vl.json', 'index.html']);
    for (const name of Object.keys(out.files ?? {})) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    const html = String(out.files?.['index.html']);
    expect(html).toContain('edge in [3.7, 4.05]');
    expect(html).toContain('data-chart="chart-0"');
    // write the entry as the cache would, then materialise it
    const entry = join(work, 'report-entry');
    mkdirSync(entry, { recursive: true });
    for (const [name, content] of Object.entries(out.files ?? {})) writeFileSync(join(entry, name), content);
    const m = materializeReportEntry(art, entry, join(work, 'reports'));
    expect(m.ok).toBe(true);
    expect(readFileSync(join(work, 'reports', 'figures', 'ml-fig1', 'figure.svg'), 'utf8')).toBe(String(plotOut.files?.['figure.svg']));
  });
});
