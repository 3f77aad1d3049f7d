import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { formatConfigFailures, loadPipeline, loadPipelineText, type LoadedPipeline, type LoadOptions } from '../../src/config/index.js';

const GOOD = join(import.meta.dirname, '../fixtures/config/good.yaml');
const goodText = readFileSync(GOOD, 'utf8');
const lineOf = (needle: string): number => goodText.split('\n').findIndex((l) => l.includes(needle)) + 1;

function load(opts: LoadOptions = {}): LoadedPipeline {
  const r = loadPipelineText(goodText, 'good.yaml', { env: {}, ...opts });
  if (!r.ok) throw new Error(formatConfigFailures(r.error));
  return r.value;
}

describe('good.yaml', () => {
  it('loads from disk, listing its profiles', () => {
    const r = loadPipeline(GOOD, { env: {} });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.profiles).toEqual(['quick']);
    expect(r.value.profile).toBeNull();
    expect(Object.keys(r.value.config.experiments)).toEqual(['zhu-fig3', 'ml-fig2']);
  });

  it('merges templates in order, the experiment winning, lists replaced', () => {
    const e = load().config.experiments['zhu-fig3'];
    expect(e?.model).toEqual({ arch: 'fc2', width: 5000, activation: 'relu' }); // relu-net via zhu-nqm
    expect(e?.dataset).toBe('mixture-128'); // zhu-nqm
    expect(e?.train.metrics).toEqual(['loss', 'lambda12']); // the experiment's list replaces the template's
    expect(e?.train.record).toEqual({ dense: 100, points: 200 }); // deep merge keeps the template's other keys
    expect(e?.matrix).toEqual({ eta: { values: [0.5, 1.5, 2.5, 4.5], unit: 'critical' }, variant: ['quad'], seed: [0] });
  });

  it('fills defaults: loss (deep-merged), ceiling, backend, data root, seed and variant', () => {
    const c = load().config;
    expect(c.defaults).toEqual({ backend: 'auto', dataRoot: './data', loss: { reduction: 'mean', half: false }, divergenceCeiling: 1e8 });
    expect(c.experiments['zhu-fig3']?.loss).toEqual({ reduction: 'mean', half: false });
    expect(c.experiments['ml-fig2']?.loss).toEqual({ reduction: 'mean', half: true });
    expect(c.experiments['ml-fig2']?.divergenceCeiling).toBe(1e8);
    expect(c.experiments['ml-fig2']?.matrix.variant).toEqual(['net']);
    expect(c.figures['ml-fig2']?.claims).toEqual([]);
    expect(c.figures['zhu-fig3']?.chart).toEqual({ template: 'trajectories', metrics: ['loss', 'lambda1', 'lambda2'], logY: true });
  });

  it('the quick profile shrinks a template for every user and swaps a grid for values', () => {
    const q = load({ profile: 'quick' });
    expect(q.profile).toBe('quick');
    const e = q.config.experiments['zhu-fig3'];
    expect(e?.model).toEqual({ arch: 'fc2', width: 256, activation: 'relu' });
    expect(e?.train.steps).toBe(100);
    expect(q.config.defaults.backend).toBe('cpu');
    // values replace the from/to/step grid instead of conflicting with it
    expect(q.config.experiments['ml-fig2']?.matrix.eta).toEqual({ unit: 'lambda', values: [1, 3, 4.5] });
    expect(q.config.experiments['ml-fig2']?.model).toMatchObject({ width: 128, slopes: [1, 0.5] });
  });

  it('precedence: file < profile < env < --set', () => {
    expect(load().config.defaults.dataRoot).toBe('./data');
    expect(load({ env: { CATAPULT_DATA_ROOT: '/env/data' } }).config.defaults.dataRoot).toBe('/env/data');
    expect(load({ env: { CATAPULT_DATA_ROOT: '/env/data' }, sets: ['defaults.dataRoot=/cli/data'] }).config.defaults.dataRoot).toBe('/cli/data');
    expect(load({ profile: 'quick', sets: ['defaults.backend=wasm'] }).config.defaults.backend).toBe('wasm');
    expect(load({ profile: 'quick', sets: ['templates.relu-net.model.width=64'] }).config.experiments['zhu-fig3']?.model).toMatchObject({ width: 64 });
    // later --set wins over earlier
    expect(load({ sets: ['experiments.ml-fig2.initSeed=3', 'experiments.ml-fig2.initSeed=4'] }).config.experiments['ml-fig2']?.initSeed).toBe(4);
  });

  it('--set values are YAML: lists, maps, and a new key inside an experiment', () => {
    const c = load({ sets: ['experiments.zhu-fig3.matrix.eta.values=[0.5, 1.5]', 'experiments.zhu-fig3.matrix.seed=[0,1,2]', 'experiments.zhu-fig3.initSeed=9'] }).config;
    expect(c.experiments['zhu-fig3']?.matrix.eta).toEqual({ values: [0.5, 1.5], unit: 'critical' });
    expect(c.experiments['zhu-fig3']?.matrix.seed).toEqual([0, 1, 2]);
    expect(c.experiments['zhu-fig3']?.initSeed).toBe(9);
    const g = load({ sets: ['experiments.ml-fig2.matrix.eta={from: 1, to: 2, step: 0.5, unit: absolute}'] }).config;
    expect(g.experiments['ml-fig2']?.matrix.eta).toEqual({ from: 1, to: 2, step: 0.5, unit: 'absolute' });
  });

  it('locate maps resolved paths to where each value was written', () => {
    const q = load({ profile: 'quick', sets: ['experiments.zhu-fig3.train.steps=7'] });
    // from the template relu-net
    expect(q.locate(['experiments', 'zhu-fig3', 'model', 'arch'])).toMatchObject({ file: 'good.yaml', line: lineOf('model: {arch: fc2, width: 5000'), origin: 'file' });
    // from the quick profile
    expect(q.locate(['experiments', 'zhu-fig3', 'model', 'width'])?.line).toBe(lineOf('model: {width: 256}'));
    // from the experiment itself, and a list item
    expect(q.locate(['experiments', 'zhu-fig3', 'train', 'metrics', 1])).toMatchObject({ line: lineOf('metrics: [loss, lambda12]'), lineText: '      metrics: [loss, lambda12]' });
    // from --set
    expect(q.locate(['experiments', 'zhu-fig3', 'train', 'steps'])).toMatchObject({ origin: 'set', file: '--set experiments.zhu-fig3.train.steps=7', col: 40 });
    expect(q.locateKey(['figures', 'ml-fig2'])).toMatchObject({ line: lineOf('  ml-fig2:\n') || goodText.split('\n').lastIndexOf('  ml-fig2:') + 1, col: 3 });
    expect(q.locate(['experiments', 'nope'])).toBeUndefined();
  });

  it('failureAt gives callers located errors in the same format', () => {
    const p = load();
    const f = p.failureAt(['experiments', 'ml-fig2', 'model', 'width'], 'width 1024 is too small for this figure');
    expect(formatConfigFailures([f])).toBe(
      [
        `good.yaml:${lineOf('width: 1024')}:31 error: width 1024 is too small for this figure`,
        `  ${lineOf('width: 1024')} |     model: {arch: fc2, width: 1024, activation: homogeneous, slopes: [1, 0.5]}`,
        `     |                               ^^^^`,
        '',
        '1 error in good.yaml',
        '',
      ].join('\n'),
    );
  });

  it('reports an unreadable file without a location', () => {
    const r = loadPipeline(join(import.meta.dirname, 'no-such.yaml'), { env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]?.message).toMatch(/^cannot read .*no-such\.yaml: no such file$/);
  });

  it('an error in the environment names the variable', () => {
    const r = loadPipelineText(goodText, 'good.yaml', { env: { CATAPULT_DATA_ROOT: '' }, sets: ['defaults.dataRoot='] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatConfigFailures(r.error)).toContain('--set defaults.dataRoot=: `defaults.dataRoot` must be a string, not empty (null)');
  });
});

describe('the repository pipeline.yaml', () => {
  const file = join(import.meta.dirname, '../../pipeline.yaml');
  it.runIf(existsSync(file)).each([null, 'quick'])('loads with profile %s', (profile) => {
    const r = loadPipeline(file, { profile, env: {} });
    expect(r.ok ? '' : formatConfigFailures(r.error)).toBe('');
  });
});
