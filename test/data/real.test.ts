/**
 * Smoke tests against the shared datasets folder (read through the data root,
 * never copied). Skipped with a message when the folder is absent.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RealDatasetSpec } from '../../src/config/types.js';
import { loadRealDataset, CIFAR_MEAN, CIFAR_STD } from '../../src/data/real.js';
import type { LoadEnv } from '../../src/data/types.js';
import { datasetStage, loadDatasetArtifact, readDatasetArtifact, DataStageError } from '../../stages/dataset/index.js';

const ROOT = process.env.CATAPULT_TEST_DATASETS ?? new URL('../../../shared/datasets', import.meta.url).pathname;
const have = existsSync(join(ROOT, 'MANIFEST.md'));
if (!have) console.warn(`skipping real-data tests: ${ROOT} not found (set CATAPULT_TEST_DATASETS to the shared datasets folder)`);
const env: LoadEnv = { root: ROOT, offline: true, log: () => {}, progress: () => {} };
const unit = { kind: 'pixels', scale: 'unit' } as const;

async function load(spec: RealDatasetSpec) {
  const r = await loadRealDataset(spec, env);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const range = (a: Float32Array) => a.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
const count = (y: Float32Array, v: number) => y.filter((t) => t === v).length;

describe.skipIf(!have)('real datasets (shared folder)', () => {
  it('MNIST 0/1: 128 balanced train, all 2115 test, pixels in [0, 1], deterministic', async () => {
    const spec: RealDatasetSpec = { source: 'mnist', classes: [0, 1], train: 128, test: 'all', seed: 0, features: unit };
    const d = (await load(spec)).data;
    expect(d.inputShape).toEqual([28, 28, 1]);
    expect([d.nTrain, d.nTest, d.xTrain.length, d.xTest.length]).toEqual([128, 2115, 128 * 784, 2115 * 784]);
    expect(range(d.xTrain)).toEqual([0, 1]);
    expect([count(d.yTrain, -1), count(d.yTrain, 1)]).toEqual([64, 64]);
    expect([count(d.yTest, -1), count(d.yTest, 1)]).toEqual([980, 1135]);
    const again = (await load(spec)).data;
    expect(again.xTrain).toEqual(d.xTrain);
    const other = (await load({ ...spec, seed: 1 })).data;
    expect(other.xTrain).not.toEqual(d.xTrain);
    // ink: a '1' has far fewer lit pixels than a '0'
    const ink = (label: number) => d.xTest.filter((_, i) => d.yTest[Math.floor(i / 784)] === label).reduce((s, v) => s + v, 0) / count(d.yTest, label);
    expect(ink(1)).toBeLessThan(0.6 * ink(-1));
  });
  it('Fashion-MNIST T-shirt/Trouser: all 2000 test, balanced 1000/1000', async () => {
    const d = (await load({ source: 'fashion-mnist', classes: [0, 1], train: 128, test: 'all', seed: 0, features: unit })).data;
    expect([d.nTrain, d.nTest, count(d.yTest, -1), count(d.yTest, 1)]).toEqual([128, 2000, 1000, 1000]);
    expect(range(d.xTest)).toEqual([0, 1]);
  });
  it('CIFAR-10 airplane/automobile: lossless test batch, lossy train disclosed; channel standardisation', async () => {
    const r = await load({ source: 'cifar10', classes: [0, 1], train: 128, test: 'all', seed: 0, features: unit });
    expect(r.data.inputShape).toEqual([32, 32, 3]);
    expect([r.data.nTest, count(r.data.yTest, -1)]).toEqual([2000, 1000]);
    expect(r.files.map((f) => f.path)).toEqual(['cifar10/train_batch_jpeg.bin', 'cifar10/test_batch_png_airplane_automobile.bin']);
    expect(r.disclosures[0]).toMatch(/decoded from re-encoded JPEGs/);
    const s = await load({ source: 'cifar10', classes: [0, 2], train: 256, test: 2000, seed: 0, features: { kind: 'pixels', scale: 'channel-standardise', mean: CIFAR_MEAN, std: CIFAR_STD } });
    expect(s.files[1]!.path).toBe('cifar10/test_batch_jpeg.bin');
    // standardised = (pixels/255 − mean_c) / std_c, channel c = index mod 3 (HWC)
    const u = await load({ source: 'cifar10', classes: [0, 2], train: 256, test: 2000, seed: 0, features: unit });
    for (const i of [0, 1, 2, 3070, 12345, u.data.xTest.length - 1])
      expect(s.data.xTest[i]).toBeCloseTo((u.data.xTest[i]! - CIFAR_MEAN[i % 3]!) / CIFAR_STD[i % 3]!, 5);
  });
  it('FSDD 2 classes: MFCC frames × coefficients, official test split of 60', async () => {
    const d = (await load({ source: 'fsdd', classes: [1, 3], train: 100, test: 'all', seed: 0, features: { kind: 'mfcc', frames: 24, coefficients: 13 } })).data;
    expect(d.inputShape).toEqual([24, 13, 1]);
    expect([d.nTrain, d.nTest, count(d.yTest, 1)]).toEqual([100, 60, 30]);
    expect(d.xTrain.every(Number.isFinite)).toBe(true);
  });
  it('AG NEWS World/Sports: disjoint draws from test.csv, disclosed, unit-norm rows', async () => {
    const r = await load({ source: 'ag-news', classes: [1, 2], train: 128, test: 500, seed: 0, features: { kind: 'tfidf', buckets: 1024 } });
    expect([r.data.nTrain, r.data.nTest, count(r.data.yTest, 1)]).toEqual([128, 500, 250]);
    expect(r.disclosures).toEqual([
      'AG NEWS: the original train.csv is not available here, so both the 128 training and the 500 test examples (World vs Sports) were drawn, disjoint and deterministically (seed 0), from the original test.csv (1,900 articles per class).',
    ]);
    const norm = Math.hypot(...r.data.xTrain.subarray(0, 1024));
    expect(norm).toBeCloseTo(1, 5);
  });
  it('classes outside the shared copy and SVHN give clear failures', async () => {
    const f = await loadRealDataset({ source: 'fashion-mnist', classes: [0, 5], train: 10, test: 'all', seed: 0, features: unit }, env);
    expect(!f.ok && f.error.message).toBe(
      "dataset 'fashion-mnist': classes [0, 5] are not all in the files at hand (they hold 0, 1). The shared copy keeps only 0 T-shirt/top and 1 Trouser; put the canonical 10-class files in the data root for other classes.",
    );
    const s = await loadRealDataset({ source: 'svhn', classes: [0, 2], train: 256, test: 2000, seed: 0, features: unit }, env);
    expect(!s.ok && s.error.reason).toBe('missing-data');
    expect(!s.ok && s.error.message).toContain('svhn/train_32x32.mat is missing (offline mode: downloads are disabled)');
  });
  it('the dataset stage keeps no arrays for real data: loadDatasetArtifact regenerates them bit-identically', async () => {
    const params = { source: 'mnist', classes: [0, 1], train: 16, test: 10, seed: 0, features: unit };
    const logs: string[] = [];
    const ctx = { id: 'dataset:m', key: 'k', backend: 'none', dataRoot: ROOT, repoRoot: '.', offline: true, signal: new AbortController().signal, log: (m: string) => logs.push(m), progress: () => {} };
    const out = await datasetStage.run(params, [], ctx);
    expect(out.files ?? {}).toEqual({});
    const dir = mkdtempSync(join(tmpdir(), 'catapult-ds-'));
    expect(readdirSync(dir)).toEqual([]);
    const input = { id: 'dataset:m', kind: 'dataset' as const, key: 'k', result: out.result, dir };
    const back = await loadDatasetArtifact(input, ctx);
    const direct = (await load(params as RealDatasetSpec)).data;
    expect(back).toEqual(direct);
    expect(() => readDatasetArtifact(input)).toThrow('keeps no arrays in the cache');
    // a tampered digest (features changed since the stage ran) is refused, not silently used
    const result = structuredClone(out.result) as { regenerate: { digest: string } };
    result.regenerate.digest = '0'.repeat(64);
    await expect(loadDatasetArtifact({ ...input, key: 'k2', result: result as never }, ctx)).rejects.toThrow('differ from those the dataset stage produced');
    expect((out.result as { sourceFiles: unknown[] }).sourceFiles).toHaveLength(4);
    expect(logs[0]).toMatch(/^MNIST digit 0/);
    await expect(datasetStage.run({ ...params, source: 'svhn' }, [], ctx)).rejects.toBeInstanceOf(DataStageError);
  });
});
