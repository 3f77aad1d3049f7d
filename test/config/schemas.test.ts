import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { createAjv, generateValidatorsSource, readSchemas } from '../../src/config/schemas.js';
import { validateStageParams } from '../../src/config/stage-params.js';
import { runValidator } from '../../src/config/validate.js';
import { STAGE_KINDS } from '../../src/core/stage.js';

const files = readSchemas();

describe('schema files', () => {
  it('every schema is a valid JSON Schema 2020-12 and compiles in strict mode', () => {
    const ajv = createAjv(files);
    for (const schema of [files.pipeline, ...STAGE_KINDS.map((k) => files.stages[k])]) {
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(typeof ajv.compile(schema)).toBe('function');
    }
  });

  it('stage schemas share definitions with the pipeline schema through $ref', () => {
    for (const kind of ['dataset', 'init', 'train', 'plot', 'claims'] as const) {
      expect(JSON.stringify(files.stages[kind])).toContain('../pipeline.schema.json#/$defs/');
    }
  });

  it('every property in the pipeline schema has a description (for editor completion)', () => {
    const missing: string[] = [];
    const visit = (s: unknown, path: string): void => {
      if (s === null || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      const props = o.properties as Record<string, unknown> | undefined;
      if (props !== undefined && !path.includes('/if') && !/Resolved/.test(path)) {
        for (const [k, v] of Object.entries(props)) {
          if (v === true || v === false) continue;
          const d = v as Record<string, unknown>;
          if (typeof d.description !== 'string' && d.$ref === undefined) missing.push(`${path}/properties/${k}`);
        }
      }
      for (const [k, v] of Object.entries(o)) visit(v, `${path}/${k}`);
    };
    visit(files.pipeline, '#');
    expect(missing).toEqual([]);
  });

  it('the generated validators are up to date with schemas/', () => {
    const onDisk = readFileSync(new URL('../../src/config/validators.generated.ts', import.meta.url), 'utf8');
    expect(onDisk === generateValidatorsSource(files), 'run `npx tsx src/config/build-validators.ts`').toBe(true);
  });
});

const model = { arch: 'fc2', width: 8, activation: 'relu' };
const loss = { reduction: 'mean', half: false };
const train = { optimizer: 'gd', steps: 10, evalEvery: 0, record: { dense: 5, points: 5 }, metrics: ['loss'] };

describe('pipeline schema examples', () => {
  const minimal = {
    version: 1,
    datasets: { toy: { generator: 'points', seed: 0, params: { x: [[1]], y: [0] } } },
    experiments: { e: { dataset: 'toy', model, train, matrix: { eta: { values: [1], unit: 'critical' } } } },
    figures: { f: { paper: 'ml', title: 't', caption: 'c', experiments: ['e'], chart: { template: 'sweep', anything: 1 } } },
  };
  it('accepts a minimal file', () => {
    expect(runValidator('raw', minimal)).toEqual([]);
  });
  it.each([
    ['unknown top-level key', { ...minimal, figurez: {} }, 'additionalProperties'],
    ['version 2', { ...minimal, version: 2 }, 'const'],
    ['bad backend', { ...minimal, defaults: { backend: 'gpu' } }, 'enum'],
    ['bad dataset name', { ...minimal, datasets: { 'a b': minimal.datasets.toy } }, 'propertyNames'],
    ['unknown model key', { ...minimal, experiments: { e: { ...minimal.experiments.e, model: { ...model, depth: 3 } } } }, 'additionalProperties'],
    ['real dataset without features', { ...minimal, datasets: { r: { source: 'mnist', classes: [0, 1], train: 10, test: 'all', seed: 0 } } }, 'required'],
  ])('rejects %s', (_name, doc, keyword) => {
    expect(runValidator('raw', doc).map((e) => e.keyword)).toContain(keyword);
  });
  it('the resolved schema requires what templates may omit', () => {
    const partial = { version: 1, defaults: { backend: 'auto', dataRoot: '.', loss, divergenceCeiling: 10 }, datasets: {}, figures: {}, experiments: { e: { model } } };
    const missing = runValidator('resolved', partial)
      .filter((e) => e.keyword === 'required')
      .map((e) => (e.params as { missingProperty: string }).missingProperty);
    expect(missing).toEqual(expect.arrayContaining(['dataset', 'train', 'matrix', 'loss', 'divergenceCeiling']));
    expect(runValidator('raw', partial)).toEqual([]);
  });
});

describe('stage param schemas', () => {
  const good = {
    dataset: { source: 'cifar10', classes: [0, 2], train: 256, test: 'all', seed: 1, features: { kind: 'pixels', scale: 'channel-standardise', mean: [0.49, 0.48, 0.45], std: [0.2, 0.2, 0.2] } },
    init: { model, loss, seed: 0 },
    train: { model, loss, variant: 'quad', seed: 0, eta: { value: 1.5, unit: 'critical' }, train, ceiling: 1e8 },
    metrics: { experiment: 'e', extra: [1, 2] },
    plot: { figure: 'f', paper: 'zhu', title: 'T', chart: { template: 'best-vs-eta' } },
    claims: { figure: 'f', claims: [{ id: 'a', text: 'x', check: { kind: 'k', n: 1 } }] },
    report: { figures: [{ id: 'f', paper: 'ml', title: 'T', caption: 'C' }] },
  } as const;
  const bad: Record<(typeof STAGE_KINDS)[number], unknown> = {
    dataset: { source: 'cifar10', classes: [0, 0], train: 256, test: 'all', seed: 1, features: { kind: 'pixels', scale: 'channel-standardise' } },
    init: { model: { arch: 'fc2', width: 8 }, loss, seed: 0 },
    train: { model, loss, variant: 'quad', seed: 0, eta: { value: -1, unit: 'critical' }, train, ceiling: 1e8 },
    metrics: { experiment: '' },
    plot: { figure: 'f', paper: 'nature', title: 'T', chart: { template: 'best-vs-eta' } },
    claims: { figure: 'f', claims: [{ id: 'a', text: 'x', check: {} }] },
    report: { figures: [{ title: 'no id' }] },
  };
  it.each(STAGE_KINDS)('%s: accepts a good example and rejects a bad one', (kind) => {
    expect(validateStageParams(kind, good[kind])).toEqual({ ok: true, value: undefined });
    const r = validateStageParams(kind, bad[kind]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.every((m) => m.startsWith(`${kind} params`))).toBe(true);
  });
  it('train params: sgd needs a batch', () => {
    const r = validateStageParams('train', { ...good.train, train: { ...train, optimizer: 'sgd' } });
    expect(r.ok).toBe(false);
  });
});
