/** Shared fixtures for the report tests: metrics tables, three built figures and a full ReportInput. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsTable } from '../../src/core/metrics.js';
import type { ChartOptions, PlotParams, ReportFigure, ReportInput } from '../../src/report/types.js';
import { renderFigure } from '../../stages/plot/index.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtureDir = join(repoRoot, 'test', 'fixtures', 'report');
export const goldenDir = join(repoRoot, 'test', 'report', '__golden__');

export function loadTable(name: string): MetricsTable {
  return JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as MetricsTable;
}

/** The three golden figures: Zhu fig 1-style trajectories, Meltzer-style sweep, Zhu fig 2b-style best-vs-η. */
export const GOLDEN_FIGURES: { params: PlotParams; tables: string[] }[] = [
  {
    params: {
      figure: 'zhu-fig1',
      paper: 'zhu',
      title: 'f_lin, f_quad and f on one example: loss, θ² and ηλmax(H_t) vs step',
      chart: { template: 'trajectories', panels: ['loss', 'theta2', 'etaLambdaT'], logY: ['loss'], maxStep: 150 } as ChartOptions,
    },
    tables: ['zhu-fig1'],
  },
  {
    params: {
      figure: 'ml-fig1',
      paper: 'ml',
      title: 'Uv model on (1, 0): final ηλmax(H_∞) and θ_∞²/θ_0² vs ηλmax(H₀)',
      chart: { template: 'sweep', panels: ['etaLambdaFinal', 'theta2Ratio'], boundLabels: { 'table1-upper': 'Table 1', 'method-2': 'method 2' } } as ChartOptions,
    },
    tables: ['ml-toy'],
  },
  {
    params: {
      figure: 'zhu-fig2b',
      paper: 'zhu',
      title: 'Best test loss vs η/η_crit for f, f_lin, f_quad (5 seeds)',
      chart: { template: 'best-vs-eta', metric: 'testLoss', panelTitles: { 'cifar2-fc': 'CIFAR-2, FC', 'mnist-fc': 'MNIST, FC' } } as ChartOptions,
    },
    tables: ['zhu-best-cifar2', 'zhu-best-mnist'],
  },
];

const rendered = new Map<number, ReturnType<typeof renderFigure>>();

/** Renders golden figure `i` once per test file (rendering PNGs is the slow part) and returns a fresh copy. */
export async function builtFigure(i: number, extra: Partial<ReportFigure> = {}): Promise<ReportFigure> {
  const g = GOLDEN_FIGURES[i]!;
  if (!rendered.has(i)) rendered.set(i, renderFigure(g.params, g.tables.map(loadTable)));
  const out = await rendered.get(i)!;
  if (!out.ok) throw new Error(out.error.message);
  const f = structuredClone(out.value);
  return {
    id: g.params.figure,
    paper: g.params.paper,
    title: g.params.title,
    caption: `Caption of ${g.params.figure}.`,
    status: 'built',
    plot: { spec: f.result.spec, svg: f.files['figure.svg'], png: f.files['figure.png'], notes: f.result.notes },
    claims: [
      { id: `${g.params.figure}-c1`, text: 'the loss spikes then converges', status: 'PASS', measured: 12.5, criterion: 'peak > 10× initial' },
      { id: `${g.params.figure}-c2`, text: 'edge near 4', status: 'FAIL', measured: { edge: 3.8 }, criterion: 'edge in [3.9, 4.05]' },
    ],
    provenance: {
      params: g.params as unknown as import('../../src/core/json.js').JsonValue,
      key: 'a'.repeat(64),
      stages: [{ id: `plot:${g.params.figure}`, key: 'b'.repeat(64), wallSeconds: 0.42, cached: false }],
      packages: { vega: '6.4.0' },
      seeds: [0],
      wallSeconds: 1.25,
      command: `npx catapult run ${g.params.figure}`,
    },
    ...extra,
  };
}

/** A report input with three built figures plus one failed, one missing-data and one not-run figure. */
export async function sampleInput(): Promise<ReportInput> {
  const figures = [await builtFigure(0), await builtFigure(1), await builtFigure(2)];
  figures.push(
    {
      id: 'zhu-fig4',
      paper: 'zhu',
      title: 'Best test loss on five datasets',
      caption: 'Needs real data.',
      status: 'missing-data',
      missing: [
        {
          dataset: 'cifar2-256',
          source: 'cifar10',
          expected: ['<dataRoot>/cifar10/data_batch_1.bin'],
          how: 'Put the CIFAR-10 binary version under the data root (defaults.dataRoot, env CATAPULT_DATA_ROOT or --set defaults.dataRoot=PATH).',
        },
      ],
      claims: [{ id: 'zhu-fig4-c1', text: 'super-critical beats sub-critical', status: 'NOT-RUN', measured: null, criterion: 'min over η>η_crit < min over η<η_crit' }],
    },
    {
      id: 'ml-fig2',
      paper: 'ml',
      title: 'Homogeneous net',
      caption: 'Failed on purpose.',
      status: 'failed',
      failures: [{ stage: 'train:ml-fig2[eta=4.5,seed=0,variant=net]', message: 'RangeError: out of memory' }],
      claims: [],
    },
    { id: 'ml-fig8', paper: 'ml', title: 'Homogeneous net, a₋ = 3/4', caption: 'Not run.', status: 'not-run', claims: [] },
  );
  return {
    title: 'catapult report (fixtures)',
    project: { gitCommit: '0123456789abcdef0123456789abcdef01234567', gitDirty: true, packages: { catapult: '0.1.0', vega: '6.4.0', 'vega-lite': '6.4.3' }, backend: 'wasm', profile: 'quick' },
    papers: [
      { id: 'zhu', title: 'Zhu et al. — Quadratic models for understanding neural network dynamics' },
      { id: 'ml', title: 'Meltzer & Liu — Catapult dynamics and phase transitions in quadratic nets' },
    ],
    figures,
  };
}
