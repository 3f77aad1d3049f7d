import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SCHEME_VERSION,
  clearCodeHashMemo,
  computeFingerprint,
  diffFingerprints,
  diffJson,
  hashCode,
  type FingerprintInput,
} from '../../src/cache/fingerprint.js';
import { canonicalJson, sha256 } from '../../src/core/json.js';
import { describeChange } from '../../src/messages/engine.js';

const base: FingerprintInput = {
  kind: 'train',
  params: { eta: 1.5, seed: 0, model: { width: 512, variant: 'quad' } },
  codeHash: 'a'.repeat(64),
  depKeys: ['1'.repeat(64), '2'.repeat(64)],
  runtime: { backend: 'wasm', packages: { '@tensorflow/tfjs': '4.22.0' } },
};

describe('computeFingerprint', () => {
  it('key is the SHA-256 of the canonical JSON of the fingerprint, scheme included', () => {
    const { key, fingerprint } = computeFingerprint(base);
    expect(fingerprint.scheme).toBe(SCHEME_VERSION);
    expect(key).toBe(sha256(canonicalJson(fingerprint)));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order of params or packages', () => {
    const reordered: FingerprintInput = {
      ...base,
      params: { model: { variant: 'quad', width: 512 }, seed: 0, eta: 1.5 },
      runtime: { packages: { '@tensorflow/tfjs': '4.22.0' }, backend: 'wasm' },
    };
    expect(computeFingerprint(reordered).key).toBe(computeFingerprint(base).key);
  });

  it.each([
    ['params', { ...base, params: { eta: 1.6, seed: 0, model: { width: 512, variant: 'quad' } } }],
    ['nested param', { ...base, params: { eta: 1.5, seed: 0, model: { width: 256, variant: 'quad' } } }],
    ['dep key', { ...base, depKeys: ['1'.repeat(64), '3'.repeat(64)] }],
    ['dep order', { ...base, depKeys: ['2'.repeat(64), '1'.repeat(64)] }],
    ['code hash', { ...base, codeHash: 'b'.repeat(64) }],
    ['backend', { ...base, runtime: { ...base.runtime, backend: 'cpu' } }],
    ['package version', { ...base, runtime: { ...base.runtime, packages: { '@tensorflow/tfjs': '4.23.0' } } }],
    ['kind', { ...base, kind: 'init' as const }],
  ])('changes with %s', (_what, changed) => {
    expect(computeFingerprint(changed).key).not.toBe(computeFingerprint(base).key);
  });
});

describe('diffFingerprints', () => {
  const old = computeFingerprint(base).fingerprint;

  it('reports new when there is no previous run, nothing when equal', () => {
    expect(diffFingerprints(undefined, old)).toEqual([{ reason: 'new' }]);
    expect(diffFingerprints(old, computeFingerprint({ ...base }).fingerprint)).toEqual([]);
  });

  it('reports each changed param by path with old and new values', () => {
    const now = computeFingerprint({
      ...base,
      params: { eta: 1.6, seed: 0, model: { width: 256, variant: 'quad' }, dropout: 0.1 },
    }).fingerprint;
    const changes = diffFingerprints(old, now);
    expect(changes).toEqual([
      {
        reason: 'params',
        fields: [
          { path: 'dropout', old: undefined, now: 0.1 },
          { path: 'eta', old: 1.5, now: 1.6 },
          { path: 'model.width', old: 512, now: 256 },
        ],
      },
    ]);
    expect(describeChange(changes[0]!)).toBe('params changed: dropout: (absent) → 0.1, eta: 1.5 → 1.6, model.width: 512 → 256');
  });

  it('names the changed input by id, and reports code, backend and packages', () => {
    const now = computeFingerprint({
      ...base,
      depKeys: ['1'.repeat(64), '3'.repeat(64)],
      codeHash: 'b'.repeat(64),
      runtime: { backend: 'cpu', packages: { '@tensorflow/tfjs': '4.23.0' } },
    }).fingerprint;
    const changes = diffFingerprints(old, now, ['dataset:mnist', 'init:zhu[seed=0]']);
    expect(changes.map((c) => c.reason)).toEqual(['inputs', 'code', 'backend', 'packages']);
    expect(changes[0]).toEqual({ reason: 'inputs', inputs: [{ index: 1, id: 'init:zhu[seed=0]', old: '2'.repeat(64), now: '3'.repeat(64) }] });
    expect(changes.map(describeChange)).toEqual([
      'input changed: init:zhu[seed=0] (222222222222 → 333333333333)',
      'code changed: aaaaaaaaaaaa → bbbbbbbbbbbb',
      'backend changed: wasm → cpu',
      'package versions changed: @tensorflow/tfjs 4.22.0 → 4.23.0',
    ]);
  });

  it('names at most three changed inputs and counts the rest', () => {
    const inputs = Array.from({ length: 5 }, (_, i) => ({ index: i, id: `train:x[eta=${i}]`, old: 'a'.repeat(64), now: 'b'.repeat(64) }));
    expect(describeChange({ reason: 'inputs', inputs })).toBe(
      'input changed: train:x[eta=0] (aaaaaaaaaaaa → bbbbbbbbbbbb), train:x[eta=1] (aaaaaaaaaaaa → bbbbbbbbbbbb), train:x[eta=2] (aaaaaaaaaaaa → bbbbbbbbbbbb) and 2 more',
    );
  });

  it('reports a scheme change', () => {
    const older = { ...old, scheme: SCHEME_VERSION - 1 };
    expect(diffFingerprints(older, old)).toEqual([{ reason: 'scheme', old: SCHEME_VERSION - 1, now: SCHEME_VERSION }]);
  });

  it('diffJson treats arrays element-wise when lengths match and whole otherwise', () => {
    expect(diffJson({ a: [1, 2, 3] }, { a: [1, 5, 3] })).toEqual([{ path: 'a[1]', old: 2, now: 5 }]);
    expect(diffJson({ a: [1, 2] }, { a: [1, 2, 3] })).toEqual([{ path: 'a', old: [1, 2], now: [1, 2, 3] }]);
    expect(diffJson({ 'odd key': 1 }, { 'odd key': 2 })).toEqual([{ path: '["odd key"]', old: 1, now: 2 }]);
  });
});

describe('hashCode', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'catapult-code-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'stages/train/node_modules'), { recursive: true });
  mkdirSync(path.join(root, 'stages/plot/templates'), { recursive: true });
  writeFileSync(path.join(root, 'stages/train/index.ts'), 'export const x = 1;\n');
  writeFileSync(path.join(root, 'stages/train/node_modules/dep.js'), 'ignored');
  writeFileSync(path.join(root, 'stages/plot/templates/a.vl.json'), '{"mark":"line"}');
  writeFileSync(path.join(root, 'shared.ts'), 'export const y = 2;\n');

  it('is deterministic, order-insensitive in its path list, and memoised until cleared', () => {
    clearCodeHashMemo();
    const h1 = hashCode(root, ['stages/train', 'shared.ts']);
    expect(hashCode(root, ['shared.ts', 'stages/train/'])).toBe(h1);
    writeFileSync(path.join(root, 'shared.ts'), 'export const y = 3;\n');
    expect(hashCode(root, ['stages/train', 'shared.ts'])).toBe(h1); // memoised per process
    clearCodeHashMemo();
    expect(hashCode(root, ['stages/train', 'shared.ts'])).not.toBe(h1);
  });

  it('recurses into folders, ignores node_modules, and sees template edits', () => {
    clearCodeHashMemo();
    const before = hashCode(root, ['stages']);
    writeFileSync(path.join(root, 'stages/train/node_modules/dep.js'), 'still ignored');
    clearCodeHashMemo();
    expect(hashCode(root, ['stages'])).toBe(before);
    writeFileSync(path.join(root, 'stages/plot/templates/a.vl.json'), '{"mark":"point"}');
    clearCodeHashMemo();
    expect(hashCode(root, ['stages'])).not.toBe(before);
  });

  it('distinguishes a rename from an edit (paths are hashed)', () => {
    clearCodeHashMemo();
    const a = hashCode(root, ['stages/train']);
    writeFileSync(path.join(root, 'stages/train/other.ts'), 'export const x = 1;\n');
    rmSync(path.join(root, 'stages/train/index.ts'));
    clearCodeHashMemo();
    expect(hashCode(root, ['stages/train'])).not.toBe(a);
  });

  it('throws on a path that does not exist (a bug in a StageImpl.code list)', () => {
    expect(() => hashCode(root, ['nope.ts'])).toThrow(/code path does not exist: nope.ts/);
  });
});
