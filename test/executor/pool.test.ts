import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsCache } from '../../src/cache/store.js';
import type { JsonValue } from '../../src/core/json.js';
import type { StageInstance } from '../../src/core/stage.js';
import { execute } from '../../src/executor/execute.js';
import { WorkerPoolRunner } from '../../src/executor/pool.js';
import { planOf } from './helpers.js';

const registryModule = new URL('./fixtures/pool-registry.mjs', import.meta.url);
const mk = (id: string, params: JsonValue, deps: string[] = []): StageInstance => ({ id, kind: 'train', params, deps, group: 'g' });
const never = new AbortController().signal;

let pools: WorkerPoolRunner[] = [];
const pool = (size: number, reg: URL = registryModule) => {
  const p = new WorkerPoolRunner({ size, registryModule: reg, workerOptions: { backend: 'cpu' }, dataRoot: '/data', repoRoot: '/repo' });
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

describe('WorkerPoolRunner', () => {
  it('runs stages concurrently in separate workers, each prepared once with its own backend', async () => {
    const p = pool(3);
    const ids = ['a', 'b', 'c'];
    const results = await Promise.all(
      ids.map((id) => p.run(mk(id, { mode: 'barrier', name: 'three', parties: 3 }), 'k', [], never)),
    );
    const values = results.map((r) => {
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    });
    // All three met inside the barrier: they were running at the same time.
    for (const v of values) expect((v.output.result as { met: string[] }).met).toEqual(ids);
    const threads = new Set(values.map((v) => (v.output.result as { threadId: number }).threadId));
    expect(threads.size).toBe(3);
    for (const v of values) {
      const r = v.output.result as { threadId: number; prepared: number };
      expect(v.backend).toBe(`cpu@${r.threadId}`);
      expect(r.prepared).toBe(1);
    }
    expect(values.map((v) => v.log)).toEqual([['enter a'], ['enter b'], ['enter c']]);
  });

  it('streams log and progress, and passes inputs and binary files through', async () => {
    const p = pool(1);
    const lines: string[] = [];
    const progress: number[] = [];
    const reporter = { log: (l: string) => lines.push(l), progress: (f: number) => progress.push(f) };
    const r1 = await p.run(mk('solo', { mode: 'barrier', name: 'solo', parties: 1 }), 'k', [], never, reporter);
    expect(r1.ok).toBe(true);
    expect(lines).toEqual(['enter solo']);
    expect(progress).toEqual([1]);
    const input = { id: 'x', kind: 'init' as const, key: 'kx', result: { theta: 2 }, dir: '/nowhere' };
    const r2 = await p.run(mk('plain', {}), 'k', [input], never);
    if (!r2.ok) throw new Error(JSON.stringify(r2.error));
    expect(r2.value.output.result).toMatchObject({ inputs: [{ theta: 2 }] });
    expect(r2.value.output.files?.['bytes.bin']).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('reports a thrown error as a stage failure and keeps the worker', async () => {
    const p = pool(1);
    const r = await p.run(mk('t', { mode: 'throw', why: 'bad params' }), 'k', [], never);
    expect(r).toMatchObject({ ok: false, error: { reason: 'threw', message: 'stage said no: bad params' } });
    const after = await p.run(mk('ok', {}), 'k', [], never);
    expect(after.ok).toBe(true);
  });

  it('survives a worker crash (uncaught error, process.exit): the stage fails, a fresh worker runs the next', async () => {
    const p = pool(1);
    const crashed = await p.run(mk('c', { mode: 'crash' }), 'k', [], never);
    expect(crashed).toEqual({ ok: false, error: { reason: 'worker-crashed', message: 'worker blew up' } });
    const exited = await p.run(mk('e', { mode: 'exit' }), 'k', [], never);
    expect(exited).toEqual({ ok: false, error: { reason: 'worker-crashed', message: 'worker exited with code 7' } });
    const next = await p.run(mk('n', {}), 'k', [], never);
    expect(next.ok).toBe(true);
  });

  it('aborting terminates the running worker and replaces it', async () => {
    const p = pool(1);
    const controller = new AbortController();
    const lines: string[] = [];
    const running = p.run(mk('h', { mode: 'hang' }), 'k', [], controller.signal, {
      log: (l) => {
        lines.push(l);
        controller.abort(); // abort once the stage is demonstrably running
      },
      progress: () => undefined,
    });
    expect(await running).toEqual({ ok: false, error: { reason: 'aborted' } });
    expect(lines).toEqual(['hanging']);
    const next = await p.run(mk('n', {}), 'k', [], never);
    expect(next.ok).toBe(true);
  });

  it('reports a registry module that fails to load as worker-init-failed', async () => {
    const p = pool(1, new URL('./fixtures/bad-registry.mjs', import.meta.url));
    const r = await p.run(mk('x', {}), 'k', [], never);
    expect(r).toEqual({ ok: false, error: { reason: 'worker-init-failed', message: 'cannot load numerics' } });
  });

  it('drives the executor end to end: a crash fails one stage and skips only its dependent', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'catapult-pool-'));
    try {
      const cache = await FsCache.open(root, { fsync: false });
      const plan = planOf([mk('a', {}), mk('b', { mode: 'crash' }, ['a']), mk('c', {}, ['a']), mk('d', {}, ['b']), mk('e', {}, ['c'])]);
      const s = await execute(plan, { cache, runner: pool(2), jobs: 2 });
      expect([...s.executed].sort()).toEqual(['a', 'c', 'e']);
      expect(s.failed.map((f) => [f.id, f.message])).toEqual([['b', 'worker crashed: worker blew up']]);
      expect(s.skipped).toEqual([{ id: 'd', failedAncestor: 'b' }]);
      const e = await cache.read(plan.keys.get('e')!.key);
      expect(e.ok && e.value.manifest.backend).toMatch(/^cpu@\d+$/);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
