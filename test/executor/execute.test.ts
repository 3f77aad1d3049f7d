import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCache } from '../../src/cache/store.js';
import { ok } from '../../src/core/result.js';
import { execute, summaryExitCode, validatePlan } from '../../src/executor/execute.js';
import type { ExecutorEvent, StageRunner } from '../../src/executor/types.js';
import { cacheMessages } from '../../src/messages/engine.js';
import { FakeRunner, autoOk, deferred, instances, planOf, useFreshCache } from './helpers.js';

let root: string;
let cache: FsCache;
useFreshCache('catapult-exec-', (r, c) => {
  root = r;
  cache = c;
});

/** Collects events and lets a test await the next `start`. */
function recorder() {
  const events: ExecutorEvent[] = [];
  const starts: string[] = [];
  let waiter: { n: number; resolve: (id: string) => void } | undefined;
  return {
    events,
    onEvent(e: ExecutorEvent) {
      events.push(e);
      if (e.type === 'start') {
        starts.push(e.id);
        if (waiter && starts.length >= waiter.n) {
          const w = waiter;
          waiter = undefined;
          w.resolve(starts[w.n - 1]!);
        }
      }
    },
    /** Resolves with the id of the n-th stage to start (1-based). */
    nthStart(n: number): Promise<string> {
      if (starts.length >= n) return Promise.resolve(starts[n - 1]!);
      const d = deferred<string>();
      waiter = { n, resolve: d.resolve };
      return d.promise;
    },
    of<T extends ExecutorEvent['type']>(type: T) {
      return events.filter((e): e is Extract<ExecutorEvent, { type: T }> => e.type === type);
    },
  };
}

describe('execute', () => {
  it('runs in dependency order and hands each stage its inputs in deps order', async () => {
    const plan = planOf(instances({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }));
    const runner = new FakeRunner();
    const rec = recorder();
    const run = execute(plan, { cache, runner, jobs: 4, onEvent: rec.onEvent });
    await runner.started('a');
    expect(runner.startOrder).toEqual(['a']);
    runner.finish('a');
    await Promise.all([runner.started('b'), runner.started('c')]);
    expect(runner.startOrder.slice(0, 1)).toEqual(['a']);
    expect(runner.calls.get('b')!.inputs.map((i) => i.id)).toEqual(['a']);
    runner.finish('c');
    runner.finish('b');
    const d = await runner.started('d');
    expect(d.inputs.map((i) => [i.id, i.kind])).toEqual([['b', 'train'], ['c', 'train']]);
    expect(d.inputs[0]!.result).toEqual({ id: 'b', from: [{ id: 'a', from: [] }] });
    expect(await fs.readFile(path.join(d.inputs[1]!.dir, 'data.txt'), 'utf8')).toBe('data of c');
    expect(d.inputs[0]!.key).toBe(plan.keys.get('b')!.key);
    runner.finish('d');
    const summary = await run;
    expect(summary).toMatchObject({ total: 4, hits: [], failed: [], skipped: [], cancelled: [], ok: true, aborted: false });
    expect(summary.executed[0]).toBe('a');
    expect([...summary.executed.slice(1, 3)].sort()).toEqual(['b', 'c']);
    expect(summary.executed[3]).toBe('d');
    // Every start comes after the `done` of each of its deps.
    const order = rec.events.map((e) => `${e.type}:${'id' in e ? e.id : ''}`);
    for (const inst of plan.instances) {
      for (const dep of inst.deps) expect(order.indexOf(`done:${dep}`)).toBeLessThan(order.indexOf(`start:${inst.id}`));
    }
    expect(summaryExitCode(summary)).toBe(0);
  });

  it('never runs more than `jobs` stages at once, and reaches `jobs`', async () => {
    const ids = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
    const plan = planOf(instances(Object.fromEntries(ids.map((id) => [id, []]))));
    const runner = new FakeRunner();
    const rec = recorder();
    const run = execute(plan, { cache, runner, jobs: 3, onEvent: rec.onEvent });
    await rec.nthStart(3);
    expect(runner.running).toBe(3);
    for (let n = 1; n <= ids.length; n++) {
      const id = await rec.nthStart(n);
      if (n + 2 <= ids.length) await rec.nthStart(Math.min(n + 2, ids.length)); // keep the pipe full before finishing
      expect(runner.running).toBeLessThanOrEqual(3);
      runner.finish(id);
    }
    const summary = await run;
    expect(summary.executed).toHaveLength(8);
    expect(runner.maxRunning).toBe(3);
  });

  it('keeps going: a failure skips only its dependents; siblings complete', async () => {
    // a → b → c, a → d, e alone; b fails.
    const plan = planOf(instances({ a: [], b: ['a'], c: ['b'], d: ['a'], e: [], f: ['c', 'd'] }));
    const runner = new FakeRunner((id, inputs) =>
      id === 'b' ? { ok: false, error: { reason: 'threw', message: 'b exploded' } } : autoOk(id, inputs),
    );
    const rec = recorder();
    const summary = await execute(plan, { cache, runner, jobs: 2, onEvent: rec.onEvent });
    expect([...summary.executed].sort()).toEqual(['a', 'd', 'e']);
    expect(summary.failed).toEqual([{ id: 'b', error: { reason: 'threw', message: 'b exploded' }, message: 'b exploded' }]);
    expect([...summary.skipped].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'c', failedAncestor: 'b' },
      { id: 'f', failedAncestor: 'b' },
    ]);
    expect(runner.startOrder).not.toContain('c');
    expect(summary.ok).toBe(false);
    expect(summaryExitCode(summary)).toBe(1);
    expect(rec.of('failed').map((e) => e.id)).toEqual(['b']);
    expect(await cache.lastRun('b')).toMatchObject({ status: 'failed', error: 'b exploded' });
    expect(await cache.has(plan.keys.get('b')!.key)).toBe(false);
  });

  it('with keepGoing false, starts nothing new after the first failure', async () => {
    const plan = planOf(instances({ x1: [], x2: [], x3: [], x4: [] }));
    const runner = new FakeRunner();
    const rec = recorder();
    const run = execute(plan, { cache, runner, jobs: 1, keepGoing: false, onEvent: rec.onEvent });
    const first = await rec.nthStart(1);
    runner.fail(first, 'nope');
    const summary = await run;
    expect(runner.startOrder).toEqual([first]);
    expect(summary.failed.map((f) => f.id)).toEqual([first]);
    expect(summary.cancelled).toHaveLength(3);
  });

  it('cancellation: running stages get the abort, nothing new starts, nothing is written', async () => {
    const plan = planOf(instances({ a: [], b: [], c: [], d: [], e: ['a'] }));
    const runner = new FakeRunner();
    const rec = recorder();
    const controller = new AbortController();
    const run = execute(plan, { cache, runner, jobs: 2, signal: controller.signal, onEvent: rec.onEvent });
    await rec.nthStart(2);
    const running = [...runner.startOrder];
    controller.abort();
    const summary = await run;
    expect([...runner.aborted].sort()).toEqual([...running].sort());
    expect(runner.startOrder).toEqual(running);
    expect(summary.aborted).toBe(true);
    expect(summary.executed).toEqual([]);
    expect([...summary.cancelled].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(summaryExitCode(summary)).toBe(130);
    expect(await cache.entries()).toEqual([]);
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('does not write an output that comes back after the abort', async () => {
    const plan = planOf(instances({ a: [] }));
    const controller = new AbortController();
    const gate = deferred<void>();
    const stubborn: StageRunner = {
      async run() {
        gate.resolve();
        await new Promise<void>((r) => controller.signal.addEventListener('abort', () => r()));
        return ok({ output: { result: 'late' }, log: [], backend: 'fake' });
      },
    };
    const run = execute(plan, { cache, runner: stubborn, jobs: 1, signal: controller.signal });
    await gate.promise;
    controller.abort();
    const summary = await run;
    expect(summary.cancelled).toEqual(['a']);
    expect(await cache.has(plan.keys.get('a')!.key)).toBe(false);
  });

  it('a second run with nothing changed executes 0 stages; force reruns the selected ones', async () => {
    const plan = planOf(instances({ a: [], b: ['a'], c: ['b'], d: ['a'] }));
    const first = await execute(plan, { cache, runner: new FakeRunner(autoOk), jobs: 2 });
    expect(first.executed).toHaveLength(4);
    const runner = new FakeRunner(autoOk);
    const rec = recorder();
    const second = await execute(plan, { cache, runner, jobs: 2, onEvent: rec.onEvent });
    expect(runner.startOrder).toEqual([]);
    expect(second.executed).toEqual([]);
    expect([...second.hits].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(rec.of('cache-hit')).toHaveLength(4);
    const forced = new FakeRunner(autoOk);
    const third = await execute(plan, { cache, runner: forced, jobs: 2, force: new Set(['b']) });
    expect(forced.startOrder).toEqual(['b']);
    expect([...third.hits].sort()).toEqual(['a', 'c', 'd']);
    expect(forced.calls.get('b')!.inputs.map((i) => i.id)).toEqual(['a']);
  });

  it('a changed code hash reruns everything; the run index records the new key', async () => {
    const insts = instances({ a: [], b: ['a'] });
    await execute(planOf(insts, 'v1'), { cache, runner: new FakeRunner(autoOk), jobs: 1 });
    const plan2 = planOf(insts, 'v2');
    const runner = new FakeRunner(autoOk);
    const s = await execute(plan2, { cache, runner, jobs: 1 });
    expect(s.executed).toEqual(['a', 'b']);
    expect((await cache.lastRun('b'))?.key).toBe(plan2.keys.get('b')!.key);
  });

  it('detects corrupt entries (flipped byte, deleted manifest, truncated file) and rebuilds them with a warning', async () => {
    const plan = planOf(instances({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }));
    await execute(plan, { cache, runner: new FakeRunner(autoOk), jobs: 2 });
    const dir = (id: string) => cache.entryDir(plan.keys.get(id)!.key);
    const result = path.join(dir('a'), 'result.json');
    const buf = await fs.readFile(result);
    buf[buf.length - 2] = buf[buf.length - 2]! ^ 0x20;
    await fs.writeFile(result, buf);
    await fs.rm(path.join(dir('b'), 'manifest.json'));
    await fs.truncate(path.join(dir('c'), 'data.txt'), 3);

    const runner = new FakeRunner(autoOk);
    const rec = recorder();
    const s = await execute(plan, { cache, runner, jobs: 2, onEvent: rec.onEvent });
    expect([...runner.startOrder].sort()).toEqual(['a', 'b', 'c']);
    expect(s.hits).toEqual(['d']);
    const warnings = rec.of('corrupt-rebuilt').sort((x, y) => x.id.localeCompare(y.id));
    expect(warnings.map((w) => w.id)).toEqual(['a', 'b', 'c']);
    expect(warnings[0]!.detail).toMatch(/^result\.json has SHA-256 /);
    expect(warnings[1]!.detail).toBe(cacheMessages.manifestMissing());
    expect(warnings[2]!.detail).toBe('data.txt has 3 bytes, the manifest says 9');
    expect(s.rebuilt.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c', 'd']) expect((await cache.read(plan.keys.get(id)!.key)).ok).toBe(true);
  });

  it('forwards stage log and progress as events', async () => {
    const plan = planOf(instances({ a: [] }));
    const runner = new FakeRunner();
    const rec = recorder();
    const run = execute(plan, { cache, runner, jobs: 1, onEvent: rec.onEvent });
    const call = await runner.started('a');
    call.reporter!.log('step 10 loss 0.3');
    call.reporter!.progress(0.5, 'half');
    runner.finish('a');
    await run;
    expect(rec.of('log')).toEqual([{ type: 'log', id: 'a', line: 'step 10 loss 0.3' }]);
    expect(rec.of('progress')).toEqual([{ type: 'progress', id: 'a', fraction: 0.5, note: 'half' }]);
    const entry = await cache.read(plan.keys.get('a')!.key);
    expect(entry.ok && entry.value.manifest.log).toEqual(['ran a']);
  });

  it('rejects malformed plans (missing dep, missing key, cycle) as programmer errors', () => {
    expect(() => validatePlan(planOf(instances({ a: [] }))) ).not.toThrow();
    const missingDep = { instances: instances({ a: ['zz'] }), keys: new Map([['a', planOf(instances({ a: [] })).keys.get('a')!]]) };
    expect(() => validatePlan(missingDep)).toThrow('instance a depends on zz, which is not in the execution plan');
    expect(() => validatePlan({ instances: instances({ a: [] }), keys: new Map() })).toThrow('execution plan has no key for instance a');
    const cyc = instances({ a: ['b'], b: ['a'] });
    const k = planOf(instances({ a: [] })).keys.get('a')!;
    expect(() => validatePlan({ instances: cyc, keys: new Map([['a', k], ['b', k]]) })).toThrow('dependency cycle: a → b → a');
  });
});

describe('partial inputs (plots and claims of a figure with one missing dataset)', () => {
  const failB = (id: string, inputs: readonly import('../../src/core/stage.js').ArtifactInput[]) =>
    id === 'b' ? ({ ok: false, error: { reason: 'threw', message: 'data not available: b.bin' } } as const) : ok({ output: FakeRunner.output(id, inputs), log: [], backend: 'none' });

  function partialPlan() {
    const insts = instances({ a: [], b: [], plot: ['a', 'b'], report: ['plot'] }).map((i) =>
      i.id === 'plot' ? { ...i, partialInputs: true } : i,
    );
    return planOf(insts);
  }

  it('runs a partialInputs stage on the inputs that exist, under a derived key; dependents are skipped', async () => {
    const plan = partialPlan();
    const runner = new FakeRunner(failB);
    const summary = await execute(plan, { cache, runner, jobs: 2 });
    expect(runner.calls.get('plot')!.inputs.map((i) => i.id)).toEqual(['a']);
    expect(summary.partial).toEqual([{ id: 'plot', missing: 'b' }]);
    expect(summary.failed.map((f) => f.id)).toEqual(['b']);
    expect(summary.skipped).toEqual([{ id: 'report', failedAncestor: 'b' }]);
    expect(summary.ok).toBe(false);
    // the full key promises both inputs: it must stay empty, the partial entry lives elsewhere
    const fullKey = plan.keys.get('plot')!.key;
    expect(await cache.has(fullKey)).toBe(false);
    const rec = await cache.lastRun('plot');
    expect(rec!.key).not.toBe(fullKey);
    expect(await cache.has(rec!.key)).toBe(true);
  });

  it('reuses the partial entry while the input is still missing, and builds the full one once it appears', async () => {
    const plan = partialPlan();
    await execute(plan, { cache, runner: new FakeRunner(failB), jobs: 2 });
    const again = new FakeRunner(failB);
    const s2 = await execute(plan, { cache, runner: again, jobs: 2 });
    expect(again.calls.has('plot')).toBe(false);
    expect(s2.partial).toEqual([{ id: 'plot', missing: 'b' }]);
    const fixed = new FakeRunner((id, inputs) => ok({ output: FakeRunner.output(id, inputs), log: [], backend: 'none' }));
    const s3 = await execute(plan, { cache, runner: fixed, jobs: 2 });
    expect(s3.ok).toBe(true);
    expect(fixed.calls.get('plot')!.inputs.map((i) => i.id)).toEqual(['a', 'b']);
    expect(await cache.has(plan.keys.get('plot')!.key)).toBe(true);
  });

  it('without partialInputs a failed dep skips the stage', async () => {
    const plan = planOf(instances({ a: [], b: [], plot: ['a', 'b'] }));
    const runner = new FakeRunner(failB);
    const summary = await execute(plan, { cache, runner, jobs: 2 });
    expect(runner.calls.has('plot')).toBe(false);
    expect(summary.skipped).toEqual([{ id: 'plot', failedAncestor: 'b' }]);
  });
});
