import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCache } from '../../../src/cache/store.js';
import { BATCH_VERSION, reportPath, type BatchFile, type TaskReport } from '../../../src/executor/slurm/batch.js';
import { execTask } from '../../../src/executor/slurm/exec.js';
import { slurmMessages as M } from '../../../src/messages/slurm.js';
import { instances, planOf, useFreshCache } from '../helpers.js';
import { FAKE_REGISTRY } from './fake-cluster.js';

let root: string;
let cache: FsCache;
useFreshCache('catapult-exec-', (r, c) => {
  root = r;
  cache = c;
});

/** A batch of `b` (input `a`), as the submitting runner writes it. */
async function batchOf(opts: { withInput?: boolean } = {}): Promise<{ file: string; keyA: string; keyB: string }> {
  const insts = instances({ a: [], b: ['a'] });
  const plan = planOf(insts);
  const ka = plan.keys.get('a')!;
  const kb = plan.keys.get('b')!;
  if (opts.withInput !== false) {
    const w = await cache.write(ka.key, ka.fingerprint, { result: { id: 'a', from: [] } }, { id: 'a', kind: 'train', startedAt: '', endedAt: '', wallMs: 0, backend: 'fake', log: [] });
    expect(w.ok).toBe(true);
  }
  const batch: BatchFile = {
    version: BATCH_VERSION,
    runId: 'r',
    cacheDir: root,
    repoRoot: root,
    dataRoot: root,
    offline: true,
    workerOptions: { backend: 'fake' },
    tasks: [{ instance: insts[1]!, key: kb.key, fingerprint: kb.fingerprint, replace: false, inputs: [{ id: 'a', kind: 'train', key: ka.key }] }],
  };
  const file = path.join(root, 'slurm', 'r', 'batch-1.json');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(batch));
  return { file, keyA: ka.key, keyB: kb.key };
}

const opts = (codeHash = 'code-v1', log: string[] = []) => ({ registryModule: FAKE_REGISTRY, codeHash: () => codeHash, log: (l: string) => log.push(l) });

describe('catapult exec (node side)', () => {
  it('reads inputs from the shared cache, runs the stage, stores the entry and a report; a rerun finds it cached', async () => {
    const { file, keyB } = await batchOf();
    const log: string[] = [];
    const r = await execTask(file, 0, opts('code-v1', log));
    expect(r.ok).toBe(true);
    const e = await cache.read(keyB);
    expect(e.ok && e.value.result).toEqual({ id: 'b', from: [{ id: 'a', from: [] }] });
    expect(e.ok && e.value.manifest.backend).toBe('fake');
    const report = JSON.parse(await fs.readFile(reportPath(path.dirname(file), keyB), 'utf8')) as TaskReport;
    expect(report).toMatchObject({ ok: true, id: 'b', key: keyB, host: os.hostname() });
    expect(log[log.length - 1]).toMatch(/^catapult exec: b: stored [0-9a-f]{12} after /);
    const again = await execTask(file, 0, opts());
    expect(again.ok && again.value.alreadyCached).toBe(true);
  });

  it('two nodes writing the same key at once leave one verified entry (first wins)', async () => {
    const { file, keyB } = await batchOf();
    const [x, y] = await Promise.all([execTask(file, 0, opts()), execTask(file, 0, opts())]);
    expect(x.ok && y.ok).toBe(true);
    const e = await cache.read(keyB);
    expect(e.ok).toBe(true);
    const entries = await cache.entries();
    expect(entries.filter((i) => i.key === keyB)).toHaveLength(1);
  });

  it('refuses to run when the stage source on the node differs from the submitted one, and stores nothing', async () => {
    const { file, keyB } = await batchOf();
    const r = await execTask(file, 0, opts('code-v2'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toEqual({ reason: 'code-changed', message: M.codeChanged('train', 'code-v1', 'code-v2') });
    expect(await cache.has(keyB)).toBe(false);
    const report = JSON.parse(await fs.readFile(reportPath(path.dirname(file), keyB), 'utf8')) as TaskReport;
    expect(report.ok).toBe(false);
    expect(report.error).toBe(M.codeChanged('train', 'code-v1', 'code-v2'));
  });

  it('names a missing input (cache not shared with this node) and a missing task index', async () => {
    const { file, keyA } = await batchOf({ withInput: false });
    const r = await execTask(file, 0, opts());
    expect(!r.ok && r.error).toEqual({ reason: 'input-missing', message: M.inputMissing('a', keyA, 'missing') });
    const r2 = await execTask(file, 3, opts());
    expect(!r2.ok && r2.error).toEqual({ reason: 'batch-unreadable', message: M.noSuchTask(file, 3, 1) });
    const r3 = await execTask(path.join(root, 'nope.json'), 0, opts());
    expect(!r3.ok && r3.error.reason).toBe('batch-unreadable');
  });
});
