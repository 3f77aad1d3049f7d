/**
 * Tests of the repository's pipeline.yaml itself (not of the config loader):
 * every figure of the catalog (../shared/FIGURES.md) is declared, every
 * figure's experiments exist, the default profile is the papers' scale, and
 * the `quick` profile keeps every figure and the sub-/super-critical
 * structure its claims read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { formatConfigFailures, loadPipeline, type EtaAxis, type PipelineConfig, type RealDatasetSpec } from '../../src/config/index.js';
import { etaValues } from '../../src/graph/expand.js';

const ROOT = join(import.meta.dirname, '../..');
const PIPELINE = join(ROOT, 'pipeline.yaml');
const CATALOG = join(ROOT, '../shared/FIGURES.md');

function load(profile: string | null): PipelineConfig {
  const r = loadPipeline(PIPELINE, { profile, env: {} });
  if (!r.ok) throw new Error(formatConfigFailures(r.error));
  return r.value.config;
}

const paper = load(null);
const quick = load('quick');

/**
 * Catalog ids that are declared under other names, and why: a figure whose
 * panels are drawn by two chart templates, or a catalog row naming several
 * of the paper's figures that we draw as one.
 */
const SPLITS: Record<string, string[]> = {
  // zhu-fig6 draws the general quadratic models; its network panel trains real data (CIFAR-2).
  'zhu-fig6': ['zhu-fig6', 'zhu-fig6-net'],
};
/** A catalog range `id..N` may be one combined figure `id-N` or one figure per number. */
function candidates(id: string): string[][] {
  if (SPLITS[id]) return [SPLITS[id]];
  const m = /^(.*fig)(\d+)\.\.(\d+)$/.exec(id);
  if (!m) return [[id]];
  const [, stem, lo, hi] = m as unknown as [string, string, string, string];
  const each = Array.from({ length: Number(hi) - Number(lo) + 1 }, (_, k) => `${stem}${Number(lo) + k}`);
  return [[`${stem}${lo}-${hi}`], each];
}

/** Figure ids of the catalog's tables (first cell of every row that starts with `zhu-` or `ml-`). */
function catalogIds(): string[] {
  const text = readFileSync(CATALOG, 'utf8');
  return [...text.matchAll(/^\| ((?:zhu|ml)-[a-z0-9.]+) \|/gm)].map((m) => m[1]!);
}

const isReal = (c: PipelineConfig, exp: string): boolean => {
  const ds = c.datasets[c.experiments[exp]!.dataset];
  return ds !== undefined && 'source' in ds;
};
const realExperiments = (c: PipelineConfig) => Object.keys(c.experiments).filter((e) => isReal(c, e));
const etas = (axis: EtaAxis): number[] => etaValues(axis);

describe.skipIf(!existsSync(CATALOG))('every catalog figure is declared', () => {
  const ids = catalogIds();

  it('reads the catalog (both papers, ranges included)', () => {
    expect(ids).toContain('zhu-fig2a');
    expect(ids).toContain('zhu-fig7..9');
    expect(ids).toContain('ml-fig14..16');
    expect(ids.length).toBeGreaterThanOrEqual(26); // 11 Zhu rows, 15 Meltzer & Liu rows
  });

  for (const profile of ['default', 'quick'] as const) {
    it(`has a figure (or a documented split) for every catalog id — ${profile}`, () => {
      const c = profile === 'default' ? paper : quick;
      const missing = ids.filter((id) => !candidates(id).some((set) => set.every((f) => c.figures[f] !== undefined)));
      expect(missing).toEqual([]);
    });
  }

  it('gives every Meltzer image figure its (d)–(g) sweep and ml-fig11 its zoom', () => {
    for (const f of ['ml-fig3', 'ml-fig12', 'ml-fig13', 'ml-fig14', 'ml-fig15', 'ml-fig16']) {
      expect(paper.figures[`${f}-dg`]?.chart.template, f).toBe('sweep');
      expect(paper.figures[`${f}-dg`]?.chart.panels).toEqual(['etaLambdaFinal', 'theta2Ratio', 'sparsity', 'testLoss']);
      expect(paper.figures[f]?.chart.template, f).toBe('trajectories');
    }
    expect(paper.figures['ml-fig11']?.experiments).toEqual(['ml-fig3']);
  });
});

describe('figures read declared experiments', () => {
  for (const [name, c] of [['default', paper], ['quick', quick]] as const) {
    it(`every figure's experiments and every claim's experiments exist — ${name}`, () => {
      const bad: string[] = [];
      for (const [fig, spec] of Object.entries(c.figures)) {
        for (const e of spec.experiments) if (!c.experiments[e]) bad.push(`${fig}: ${e}`);
        for (const claim of spec.claims) {
          const refs = JSON.stringify(claim.check).matchAll(/"experiments?":(\[[^\]]*\]|"[^"]*")/g);
          for (const m of refs) {
            const named = ([] as string[]).concat(JSON.parse(m[1]!) as string | string[]);
            for (const e of named) if (!spec.experiments.includes(e)) bad.push(`${fig}/${claim.id}: ${e}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('the quick profile keeps the same figures, experiments and datasets', () => {
    expect(Object.keys(quick.figures).sort()).toEqual(Object.keys(paper.figures).sort());
    expect(Object.keys(quick.experiments).sort()).toEqual(Object.keys(paper.experiments).sort());
    for (const [fig, spec] of Object.entries(paper.figures)) expect(quick.figures[fig]?.experiments, fig).toEqual(spec.experiments);
  });
});

describe('the default profile is the papers\' scale', () => {
  const zhuReal = realExperiments(paper).filter((e) => e.startsWith('zhu'));
  const mlReal = realExperiments(paper).filter((e) => e.startsWith('ml'));

  it('declares the real-data experiments of both papers', () => {
    expect(zhuReal.length).toBeGreaterThanOrEqual(30);
    expect(mlReal.sort()).toEqual(['ml-fig12', 'ml-fig13', 'ml-fig14', 'ml-fig15', 'ml-fig16', 'ml-fig3']);
  });

  it('Zhu: FC width 5000 (1e4 for Figure 6), CNN 1000 channels, MSE-mean, 5 seeds, f / f_lin / f_quad', () => {
    for (const e of zhuReal) {
      const x = paper.experiments[e]!;
      const m = x.model;
      if (m.arch === 'cnn2') expect(m.channels, e).toBe(1000);
      else if (m.arch === 'fc2' || m.arch === 'fc3') expect(m.width, e).toBe(e.startsWith('zhu-fig6-net') ? ({ narrow: 1000, mid: 3000, wide: 10000 } as Record<string, number>)[e.slice(13)] : 5000);
      else throw new Error(`${e}: unexpected arch ${m.arch}`);
      expect(x.loss, e).toEqual({ reduction: 'mean', half: false });
      if (e === 'zhu-fig2a' || e.startsWith('zhu-fig6-net')) continue;
      expect(x.matrix.seed, e).toEqual([0, 1, 2, 3, 4]);
      expect(x.matrix.variant, e).toEqual(['net', 'lin', 'quad']);
      if (x.train.optimizer === 'sgd') expect(x.train.batch, e).toBe(32);
      const g = etas(x.matrix.eta);
      expect(x.matrix.eta.unit).toBe('critical');
      expect(g.some((v) => v < 0.95) && g.some((v) => v > 1.05), e).toBe(true);
    }
  });

  it('Zhu: the paper\'s train / test sizes and classes', () => {
    const want: Record<string, [RealDatasetSpec['source'], [number, number], number, number | 'all']> = {
      'zhu-cifar2': ['cifar10', [0, 2], 256, 2000],
      'zhu-svhn': ['svhn', [0, 2], 256, 2000],
      'zhu-mnist': ['mnist', [0, 2], 128, 2000],
      'zhu-fsdd': ['fsdd', [0, 2], 256, 'all'],
      'zhu-agnews': ['ag-news', [1, 3], 128, 2000],
      'zhu-cifar2-128': ['cifar10', [0, 2], 128, 500],
      'zhu-cifar2-20': ['cifar10', [0, 2], 20, 200],
      'zhu3-cifar2': ['cifar10', [0, 2], 100, 500],
      'zhu3-svhn': ['svhn', [0, 2], 100, 500],
      'zhu3-agnews': ['ag-news', [1, 3], 100, 500],
      'zhu3-fsdd': ['fsdd', [1, 3], 100, 'all'],
    };
    for (const [name, [source, classes, train, test]] of Object.entries(want)) {
      const d = paper.datasets[name] as RealDatasetSpec;
      expect({ source: d.source, classes: d.classes, train: d.train, test: d.test }, name).toEqual({ source, classes, train, test });
    }
    const cifar = paper.datasets['zhu-cifar2'] as RealDatasetSpec;
    expect(cifar.features).toEqual({ kind: 'pixels', scale: 'channel-standardise', mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] });
  });

  it('Meltzer & Liu: width 1024, half-MSE, ΔL < 1e-8, ηλmax(H0) from 0.5 to 12 by 0.5, pixels / 255, 128 train / all test', () => {
    for (const e of mlReal) {
      const x = paper.experiments[e]!;
      expect(x.model, e).toEqual({ arch: ['ml-fig14', 'ml-fig15', 'ml-fig16'].includes(e) ? 'fc3' : 'fc2', width: 1024, activation: 'relu' });
      expect(x.loss, e).toEqual({ reduction: 'mean', half: true });
      expect(x.train, e).toMatchObject({ optimizer: 'gd', tol: 1e-8, tolAbsolute: true });
      expect(x.matrix.eta.unit).toBe('lambda');
      const g = etas(x.matrix.eta);
      expect(g.length).toBe(24);
      expect(g[0]).toBeCloseTo(0.5, 9);
      expect(g[23]).toBeCloseTo(12, 9);
      const d = paper.datasets[x.dataset] as RealDatasetSpec;
      expect({ train: d.train, test: d.test, features: d.features }, e).toEqual({ train: 128, test: 'all', features: { kind: 'pixels', scale: 'unit' } });
    }
    expect((paper.datasets['ml-mnist01'] as RealDatasetSpec).classes).toEqual([0, 1]);
    expect((paper.datasets['ml-fmnist01'] as RealDatasetSpec).source).toBe('fashion-mnist');
    expect((paper.datasets['ml-cifar01'] as RealDatasetSpec).classes).toEqual([0, 1]);
  });
});

describe('the quick profile keeps every phenomenon in reach', () => {
  it('is smaller than the paper everywhere it differs', () => {
    for (const e of realExperiments(paper)) {
      const [p, q] = [paper.experiments[e]!, quick.experiments[e]!];
      const size = (m: typeof p.model): number => (m.arch === 'cnn2' ? m.channels : 'width' in m ? m.width : 0);
      expect(size(q.model), e).toBeLessThan(size(p.model));
      expect(q.train.steps, e).toBeLessThanOrEqual(p.train.steps);
      expect(etas(q.matrix.eta).length * q.matrix.seed.length, e).toBeLessThanOrEqual(etas(p.matrix.eta).length * p.matrix.seed.length);
      const [dp, dq] = [paper.datasets[p.dataset] as RealDatasetSpec, quick.datasets[q.dataset] as RealDatasetSpec];
      expect(dq.train, e).toBeLessThanOrEqual(dp.train);
    }
  });

  it('Zhu: sub- and super-critical rates, all three models', () => {
    for (const e of realExperiments(quick).filter((x) => x.startsWith('zhu') && !x.startsWith('zhu-fig6-net'))) {
      const x = quick.experiments[e]!;
      const g = etas(x.matrix.eta);
      expect(g.filter((v) => v < 0.95).length, e).toBeGreaterThanOrEqual(1);
      expect(g.filter((v) => v > 1.1).length, e).toBeGreaterThanOrEqual(1);
      if (e !== 'zhu-fig2a') expect(x.matrix.variant, e).toEqual(['net', 'lin', 'quad']);
    }
    // Figure 6: the widths still increase along the list the claim reads.
    const w = ['narrow', 'mid', 'wide'].map((k) => (quick.experiments[`zhu-fig6-net-${k}`]!.model as { width: number }).width);
    expect(w[0]! < w[1]! && w[1]! < w[2]!).toBe(true);
  });

  it('Meltzer & Liu: rates in every claim range (sub-critical, catapult below 4, above 4.25, above 6)', () => {
    for (const e of realExperiments(quick).filter((x) => x.startsWith('ml'))) {
      const g = etas(quick.experiments[e]!.matrix.eta);
      expect(g.some((v) => v < 1.9), e).toBe(true);
      expect(g.filter((v) => v >= 2.25 && v <= 3.75).length, e).toBeGreaterThanOrEqual(1);
      expect(g.some((v) => v >= 4.25 && v <= 5), e).toBe(true);
      expect(g.some((v) => v >= 6), e).toBe(true);
      // ml-fig11's η filter must select quick runs too.
      const shown = (quick.figures['ml-fig11']!.chart.etas as number[]) ?? [];
      expect(g.filter((v) => shown.some((s) => Math.abs(s - v) < 1e-9)).length, e).toBeGreaterThanOrEqual(4);
    }
  });
});
