import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCache } from '../../../src/cache/store.js';
import type { StageInstance } from '../../../src/core/stage.js';
import { execute } from '../../../src/executor/execute.js';
import { SlurmRunner } from '../../../src/executor/slurm/runner.js';
import { resolveSlurmSettings } from '../../../src/executor/slurm/settings.js';
import type { SlurmSpec } from '../../../src/config/types.js';
import { executorMessages } from '../../../src/messages/engine.js';
import { slurmMessages } from '../../../src/messages/slurm.js';
import { instances, planOf, useFreshCache } from '../helpers.js';
import { FakeCluster } from './fake-cluster.js';

let root: string;
let cache: FsCache;
useFreshCache('catapult-slurm-', (r, c) => {
  root = r;
  cache = c;
});

interface Setup {
  spec?: SlurmSpec;
  cli?: { partition?: string; slurmOpts?: string[] };
}

function runnerFor(cluster: FakeCluster, controller: AbortController, s: Setup = {}) {
  const notices: string[] = [];
  const fatal: string[] = [];
  const runner = new SlurmRunner({
    client: cluster,
    settings: resolveSlurmSettings({ pollSeconds: 0.001, batchWindowMs: 5, ...s.spec }, s.cli ?? {}, ['node', 'bin/catapult.js']),
    cache,
    cacheDir: root,
    repoRoot: root,
    dataRoot: root,
    offline: true,
    workerOptions: { backend: 'fake' },
    notice: (l) => notices.push(l),
    onFatal: (m) => {
      fatal.push(m);
      controller.abort();
    },
    runDir: path.join(root, 'slurm', 'run-1'),
  });
  return { runner, notices, fatal };
}

async function runPlan(insts: StageInstance[], cluster: FakeCluster, s: Setup = {}, controller = new AbortController()) {
  const plan = planOf(insts);
  const r = runnerFor(cluster, controller, s);
  try {
    const summary = await execute(plan, { cache, runner: r.runner, jobs: 1000, signal: controller.signal });
    return { ...r, plan, summary };
  } finally {
    await r.runner.close();
  }
}

const sweep = (): StageInstance[] => instances({ a: [], b1: ['a'], b2: ['a'], b3: ['a'], b4: ['a'], c: ['b1', 'b2', 'b3', 'b4'] });

describe('SlurmRunner', () => {
  it('submits a sweep that becomes ready together as one job array and lone stages as plain jobs; nodes store verified entries', async () => {
    const cluster = new FakeCluster('code-v1');
    const { summary, plan, notices } = await runPlan(sweep(), cluster);
    expect(summary.ok).toBe(true);
    expect(summary.executed).toHaveLength(6);
    expect(cluster.submits).toHaveLength(3);
    const [first, second, third] = cluster.submits;
    expect(first!.some((a) => a.startsWith('--array'))).toBe(false);
    expect(second).toContain('--array=0-3%100');
    expect(third!.some((a) => a.startsWith('--array'))).toBe(false);
    expect(notices.filter((n) => n.startsWith('slurm: submitted array job 101 (4 train tasks, first b1)'))).toHaveLength(1);
    // Each entry was written by the "node" (execTask), under the executor's key, and verifies.
    const b2 = await cache.read(plan.keys.get('b2')!.key);
    expect(b2.ok && b2.value.result).toEqual({ id: 'b2', from: [{ id: 'a', from: [] }] });
    expect(b2.ok && b2.value.manifest.log).toEqual(['ran b2']);
    // A second run submits nothing.
    const again = new FakeCluster('code-v1');
    const second2 = await runPlan(sweep(), again);
    expect(second2.summary.hits).toHaveLength(6);
    expect(again.submits).toHaveLength(0);
  });

  it('splits arrays at maxArraySize, passes resources, partition and extra sbatch options, and can submit one job per instance', async () => {
    const cluster = new FakeCluster('code-v1');
    await runPlan(sweep(), cluster, {
      spec: { maxArraySize: 3, arrayThrottle: 7, options: { account: 'lab', exclusive: true }, resources: { train: { mem: '1G' } } },
      cli: { partition: 'gpu', slurmOpts: ['qos=short', 'account=other'] },
    });
    const arrays = cluster.submits.map((a) => a.find((x) => x.startsWith('--array')) ?? null);
    expect(arrays).toEqual([null, '--array=0-2%7', null, null]);
    const args = cluster.submits[1]!;
    for (const want of ['--job-name=catapult-train', '--cpus-per-task=1', '--mem=1G', '--time=1-00:00:00', '--partition=gpu', '--account=other', '--exclusive', '--qos=short']) {
      expect(args).toContain(want);
    }
    const single = new FakeCluster('code-v1');
    await fs.rm(root, { recursive: true, force: true });
    cache = await FsCache.open(root, { fsync: false });
    await runPlan(sweep(), single, { spec: { arrays: false } });
    expect(single.submits).toHaveLength(6);
    expect(single.submits.every((a) => !a.some((x) => x.startsWith('--array')))).toBe(true);
  });

  it('waits out a submit limit (QOS MaxSubmitJobs): the rest goes in smaller arrays as jobs finish, nothing fails', async () => {
    const insts = instances({ a: [], ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`b${i}`, ['a']])) });
    const cluster = new FakeCluster('code-v1');
    cluster.submitLimit = 3;
    const { summary, notices } = await runPlan(insts, cluster);
    expect(summary.ok).toBe(true);
    expect(summary.executed).toHaveLength(8);
    expect(cluster.refusals[0]).toBe(7); // the whole sweep at once was refused...
    // ...then it went in halving arrays, never more than the limit unfinished
    const sizes = cluster.submits.slice(1).map((a) => Number(/^--array=0-(\d+)/.exec(a.find((x) => x.startsWith('--array')) ?? '--array=0-0')![1]) + 1);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(7);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(notices.filter((n) => n.startsWith('slurm: the cluster takes no more jobs from you right now (sbatch: error: QOSMaxSubmitJobPerUserLimit)'))).toHaveLength(1);
  });

  it('reports a stage that fails on its node with job id, state, exit code, the error and the log path; independent stages go on', async () => {
    const insts: StageInstance[] = [
      { id: 'bad', kind: 'train', params: { id: 'bad', fail: true }, deps: [], group: 'g' },
      { id: 'after-bad', kind: 'train', params: { id: 'after-bad' }, deps: ['bad'], group: 'g' },
      { id: 'fine', kind: 'train', params: { id: 'fine' }, deps: [], group: 'g' },
    ];
    const cluster = new FakeCluster('code-v1');
    const { summary, runner } = await runPlan(insts, cluster);
    expect(summary.executed).toEqual(['fine']);
    expect(summary.skipped).toEqual([{ id: 'after-bad', failedAncestor: 'bad' }]);
    const log = path.join(runner.runDir, 'logs', '100_0.log');
    expect(summary.failed).toEqual([
      {
        id: 'bad',
        error: { reason: 'remote-failed', jobId: '100_0', state: 'FAILED', exitCode: '1:0', log, message: 'stage bad failed on purpose' },
        message: `Slurm job 100_0 FAILED (exit code 1:0): stage bad failed on purpose; log: ${log}`,
      },
    ]);
  });

  it('on abort cancels the running jobs with scancel and stores nothing', async () => {
    const cluster = new FakeCluster('code-v1');
    const controller = new AbortController();
    const insts = instances({ slow: [] });
    const plan = planOf(insts);
    const r = runnerFor(cluster, controller);
    const run = execute(plan, { cache, runner: r.runner, jobs: 10, signal: controller.signal });
    while (!cluster.tasks.has('100')) await new Promise((res) => setTimeout(res, 2));
    cluster.hold('100');
    while (cluster.tasks.get('100')!.state !== 'RUNNING') await new Promise((res) => setTimeout(res, 2));
    controller.abort();
    const summary = await run;
    await r.runner.close();
    expect(summary.aborted).toBe(true);
    expect(summary.cancelled).toEqual(['slow']);
    expect(cluster.cancels).toEqual([['100']]);
    expect(cluster.tasks.get('100')!.state).toBe('CANCELLED');
    expect(r.notices).toContain(slurmMessages.cancelling(1));
    expect(await cache.has(plan.keys.get('slow')!.key)).toBe(false);
  });

  it('gives up with a clear message when the controller stops answering, instead of hanging', async () => {
    const cluster = new FakeCluster('code-v1');
    const controller = new AbortController();
    const plan = planOf(instances({ slow: [] }));
    const r = runnerFor(cluster, controller, { spec: { controllerTimeoutSeconds: 0.05 } });
    const run = execute(plan, { cache, runner: r.runner, jobs: 10, signal: controller.signal });
    while (!cluster.tasks.has('100')) await new Promise((res) => setTimeout(res, 2));
    cluster.hold('100');
    cluster.down = true;
    const summary = await run;
    await r.runner.close();
    expect(summary.aborted).toBe(true);
    expect(r.fatal).toHaveLength(1);
    expect(r.fatal[0]).toMatch(/^the Slurm controller has not answered for \d+ s \(last error: Unable to contact slurm controller \(connect failure\)\); giving up\./);
    expect(r.notices).toContain(slurmMessages.pollFailed('squeue', 'Unable to contact slurm controller (connect failure)', 0));
    // scancel was tried and its failure reported, not swallowed
    expect(r.notices.some((n) => n.startsWith('slurm: scancel failed: the Slurm controller did not answer scancel'))).toBe(true);
  });

  it('fails the stages of a refused submission with sbatch’s reason; an unreachable controller at submission is fatal', async () => {
    const refused = await runPlan(instances({ a: [], b: [] }), new FakeCluster('code-v1'), { cli: { partition: 'nope' } });
    expect(refused.summary.failed.map((f) => f.message)).toEqual([
      executorMessages.submitFailed('sbatch refused: sbatch: error: invalid partition specified: nope'),
      executorMessages.submitFailed('sbatch refused: sbatch: error: invalid partition specified: nope'),
    ]);
    expect(refused.fatal).toEqual([]);
    const dead = new FakeCluster('code-v1');
    dead.down = true;
    const r = await runPlan(instances({ a: [] }), dead);
    expect(r.fatal).toEqual(['the Slurm controller did not answer sbatch: Unable to contact slurm controller (connect failure)']);
  });

  it('a job that completed without storing its entry, or that Slurm forgot without a report, is a failure naming its log', async () => {
    const cluster = new FakeCluster('code-v1');
    cluster.completeWithoutRunning.add('100');
    const { summary, runner } = await runPlan(instances({ a: [] }), cluster);
    expect(summary.failed[0]!.message).toBe(`Slurm job 100 completed but left no cache entry (no report); log: ${path.join(runner.runDir, 'logs', '100.log')}`);
    const forgot = new FakeCluster('code-v1');
    forgot.purge = true;
    forgot.completeWithoutRunning.add('100');
    const r2 = await runPlan(instances({ z: [] }), forgot);
    expect(r2.summary.failed[0]!.error).toMatchObject({ reason: 'remote-failed', state: 'UNKNOWN', message: slurmMessages.vanished() });
  });
});
