import { cpSync, mkdtempSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearCodeHashMemo } from '../../src/cache/fingerprint.js';
import { buildGraph } from '../../src/graph/build.js';
import { computeKeys, type KeyContext } from '../../src/graph/keys.js';
import { STAGE_META } from '../../stages/manifest.js';
import { smallConfig } from './fixtures.js';

/** A throwaway repo root with one file per stage source path, so code edits can be simulated. */
function fakeRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'catapult-keys-'));
  for (const meta of Object.values(STAGE_META)) {
    for (const p of meta.code) {
      const file = p.endsWith('.ts') ? join(root, p) : join(root, p, 'index.ts');
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, `// ${p}\n`);
    }
  }
  return root;
}

function ctx(root: string, backend = 'wasm'): KeyContext {
  return { repoRoot: root, backend, numericPackages: { '@tensorflow/tfjs': '4.22.0' }, meta: STAGE_META };
}

function changed(a: Map<string, { key: string }>, b: Map<string, { key: string }>): string[] {
  return [...b.keys()].filter((id) => a.get(id)?.key !== b.get(id)!.key).sort();
}

describe('computeKeys', () => {
  const root = fakeRepo();
  const base = computeKeys(buildGraph(smallConfig()), ctx(root));

  it('is deterministic', () => {
    expect(changed(base, computeKeys(buildGraph(smallConfig()), ctx(root)))).toEqual([]);
  });

  it('editing one learning rate changes exactly its runs and what reads them', () => {
    const cfg = smallConfig();
    cfg.experiments.b!.matrix.eta = { values: [1, 2.5], unit: 'lambda' };
    const now = computeKeys(buildGraph(cfg), ctx(root));
    // ids that are new (eta=2.5) plus those whose key changed
    expect(changed(base, now)).toEqual([
      'claims:fig-ab',
      'metrics:b',
      'plot:fig-ab',
      'train:b[eta=2.5,seed=0,variant=net]',
      'train:b[eta=2.5,seed=0,variant=quad]',
      'train:b[eta=2.5,seed=1,variant=net]',
      'train:b[eta=2.5,seed=1,variant=quad]',
    ]);
  });

  it('editing a figure title reruns only that plot', () => {
    const cfg = smallConfig();
    cfg.figures['fig-a']!.title = 'A renamed';
    expect(changed(base, computeKeys(buildGraph(cfg), ctx(root)))).toEqual(['plot:fig-a']);
  });

  it('editing a caption (read only by the report) changes no stage key', () => {
    const cfg = smallConfig();
    cfg.figures['fig-a']!.caption = 'new caption';
    expect(changed(base, computeKeys(buildGraph(cfg), ctx(root)))).toEqual([]);
  });

  it('editing a stage source file changes that stage and everything downstream, nothing else', () => {
    const root2 = mkdtempSync(join(tmpdir(), 'catapult-keys-'));
    cpSync(root, root2, { recursive: true });
    clearCodeHashMemo();
    const before = computeKeys(buildGraph(smallConfig()), ctx(root2));
    appendFileSync(join(root2, 'stages/metrics/index.ts'), '// edited\n');
    clearCodeHashMemo();
    const after = computeKeys(buildGraph(smallConfig()), ctx(root2));
    expect(changed(before, after)).toEqual(['claims:fig-a', 'claims:fig-ab', 'metrics:a', 'metrics:b', 'plot:fig-a', 'plot:fig-ab']);
  });

  it('a different backend changes numeric stages (init, train) and their dependents only', () => {
    const now = computeKeys(buildGraph(smallConfig()), ctx(root, 'cpu'));
    const ids = changed(base, now);
    expect(ids.some((id) => id.startsWith('dataset:'))).toBe(false);
    expect(ids.filter((id) => id.startsWith('train:'))).toHaveLength(12 + 8);
    expect(ids).toContain('init:a[seed=0]');
  });
});
