import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { etaValues } from '../../src/graph/expand.js';
import { selectTargets } from '../../src/graph/select.js';
import { toDot, toMermaid } from '../../src/graph/render.js';
import { smallConfig } from './fixtures.js';

describe('etaValues', () => {
  it('generates a grid by index without float drift', () => {
    const v = etaValues({ from: 0.1, to: 4.0, step: 0.1, unit: 'lambda' });
    expect(v).toHaveLength(40);
    expect(v[2]).toBe(0.3);
    expect(v[39]).toBe(4);
  });
  it('keeps explicit values', () => {
    expect(etaValues({ values: [0.5, 1.5], unit: 'critical' })).toEqual([0.5, 1.5]);
  });
});

describe('buildGraph', () => {
  const g = buildGraph(smallConfig());
  it('expands the matrix into one train instance per eta × seed × variant', () => {
    const trains = g.instances.filter((i) => i.kind === 'train' && i.group === 'a');
    expect(trains).toHaveLength(3 * 2 * 2);
    expect(trains.map((t) => t.id)).toContain('train:a[eta=1.5,seed=1,variant=quad]');
  });
  it('wires train → dataset + init of its seed, metrics → all runs, figures → metrics', () => {
    expect(g.byId.get('train:a[eta=1.5,seed=1,variant=quad]')!.deps).toEqual(['dataset:toy', 'init:a[seed=1]']);
    expect(g.byId.get('metrics:a')!.deps).toHaveLength(2 + 12);
    expect(g.byId.get('plot:fig-ab')!.deps).toEqual(['metrics:a', 'metrics:b']);
  });
  it('shares one init across seeds when initSeed is fixed', () => {
    const cfg = smallConfig();
    cfg.experiments.a!.initSeed = 7;
    const g2 = buildGraph(cfg);
    expect(g2.instances.filter((i) => i.kind === 'init' && i.group === 'a').map((i) => i.id)).toEqual(['init:a[seed=7]']);
    expect(g2.byId.get('train:a[eta=0.5,seed=1,variant=net]')!.deps).toEqual(['dataset:toy', 'init:a[seed=7]']);
  });
  it('keeps captions out of every stage param (they only reach the report)', () => {
    expect(JSON.stringify(g.instances.map((i) => i.params))).not.toContain('caption A');
  });
  it('annotates instances with the figures that need them', () => {
    expect(g.byId.get('train:b[eta=1,seed=0,variant=net]')!.figures).toEqual(['fig-ab']);
    expect(g.byId.get('dataset:toy')!.figures).toEqual(['fig-a', 'fig-ab']);
  });
});

describe('selectTargets', () => {
  const g = buildGraph(smallConfig());
  it('selects a figure with all its dependencies', () => {
    const r = selectTargets(g, ['fig-a']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.has('plot:fig-a')).toBe(true);
    expect(r.value.has('train:a[eta=3,seed=0,variant=net]')).toBe(true);
    expect(r.value.has('metrics:b')).toBe(false);
  });
  it('supports globs over instance ids', () => {
    const r = selectTargets(g, ['train:b[eta=2,*']);
    expect(r.ok && [...r.value].filter((id) => id.startsWith('train')).sort()).toEqual([
      'train:b[eta=2,seed=0,variant=net]',
      'train:b[eta=2,seed=0,variant=quad]',
      'train:b[eta=2,seed=1,variant=net]',
      'train:b[eta=2,seed=1,variant=quad]',
    ]);
  });
  it('reports unknown targets with suggestions', () => {
    const r = selectTargets(g, ['fig-b']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error[0]!.suggestions).toContain('fig-a');
  });
});

describe('graph rendering', () => {
  const g = buildGraph(smallConfig());
  it('collapses instances per kind and group', () => {
    const dot = toDot(g);
    expect(dot).toContain('"train:a" [label="train:a ×12"]');
    expect(dot).toContain('"train:a" -> "metrics:a"');
    expect(dot.match(/->/g)!.length).toBeLessThan(20);
  });
  it('renders every instance with --full, in Mermaid too', () => {
    const mm = toMermaid(g, { full: true });
    expect(mm.split('\n').filter((l) => l.includes('["')).length).toBe(g.instances.length);
    expect(mm.startsWith('flowchart LR')).toBe(true);
  });
});
