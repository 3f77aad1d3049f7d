/**
 * Engine benchmark (Must-show 1): a second run with nothing changed over a
 * DAG of thousands of instances executes 0 stages and finishes in < 2 s.
 *
 * Builds a synthetic plan shaped like the paper DAG (per experiment: 1 dataset,
 * 5 inits, 30 η × 5 seeds trains, 1 metrics, 1 plot; one report over all),
 * runs it once into a temporary FsCache, then times a second run (cache open,
 * run-index estimates, verified read of every entry, progress display) that
 * must be all hits. Graph building and key computation are not included.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Fingerprint } from '../src/cache/fingerprint.js';
import { chainKeys } from '../src/graph/keys.js';
import { FsCache } from '../src/cache/store.js';
import type { JsonValue } from '../src/core/json.js';
import type { StageImpl, StageInstance, StageKind } from '../src/core/stage.js';
import { execute } from '../src/executor/execute.js';
import { InProcessRunner } from '../src/executor/in-process.js';
import { ProgressDisplay, loadEstimates } from '../src/executor/progress.js';

export interface NoopRerunResult {
  instances: number;
  /** Wall time of the no-op rerun (open cache + execute), the Must-show number. */
  seconds: number;
  /** Wall time of the first (populating) run, for context. */
  firstRunSeconds: number;
  /** Bytes in the cache after the first run. */
  cacheBytes: number;
}

function syntheticPlan(experiments: number): { instances: StageInstance[]; keys: Map<string, { key: string; fingerprint: Fingerprint }> } {
  const insts: StageInstance[] = [];
  const add = (id: string, kind: StageKind, params: JsonValue, deps: string[]) => insts.push({ id, kind, params, deps, group: id.split(':')[1]!.split('[')[0]! });
  const plots: string[] = [];
  for (let e = 0; e < experiments; e++) {
    const x = `exp${e}`;
    add(`dataset:${x}`, 'dataset', { n: 256, d: 16, name: x }, []);
    const trains: string[] = [];
    for (let seed = 0; seed < 5; seed++) {
      add(`init:${x}[seed=${seed}]`, 'init', { seed, width: 512, experiment: x }, [`dataset:${x}`]);
      for (let i = 1; i <= 30; i++) {
        const id = `train:${x}[eta=${(i / 10).toFixed(1)},seed=${seed}]`;
        add(id, 'train', { eta: i / 10, seed, steps: 1000, experiment: x }, [`init:${x}[seed=${seed}]`]);
        trains.push(id);
      }
    }
    add(`metrics:${x}`, 'metrics', { experiment: x }, trains);
    add(`plot:${x}`, 'plot', { template: 'loss', experiment: x }, [`metrics:${x}`]);
    plots.push(`plot:${x}`);
  }
  add('report:all', 'report', {}, plots);
  const keys = chainKeys(insts, (inst) => ({
    kind: inst.kind,
    params: inst.params,
    codeHash: `bench-${inst.kind}`,
    runtime: { backend: 'cpu', packages: { '@tensorflow/tfjs': '4.22.0' } },
  }));
  return { instances: insts, keys };
}

/** A fake stage producing a train-sized result (a 100-point trajectory) and one side file. */
const fakeStage = (kind: StageKind): StageImpl => ({
  kind,
  async run(params) {
    const trajectory = Array.from({ length: 100 }, (_, s) => ({ step: s * 10, loss: 1 / (1 + s) }));
    return { result: { kind, params, trajectory }, files: { 'summary.txt': `${kind} ${JSON.stringify(params)}` } };
  },
});

export async function benchNoopRerun(options: { experiments?: number } = {}): Promise<NoopRerunResult> {
  const plan = syntheticPlan(options.experiments ?? 20);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'catapult-bench-engine-'));
  try {
    const registry = Object.fromEntries(
      (['dataset', 'init', 'train', 'metrics', 'plot', 'report'] as const).map((k) => [k, fakeStage(k)]),
    );
    const runner = new InProcessRunner(registry, { dataRoot: dir, repoRoot: dir, offline: true, backend: 'cpu' });
    // Populating is not what is measured; skip fsync so the setup stays short.
    const t0 = performance.now();
    const first = await execute(plan, { cache: await FsCache.open(dir, { fsync: false }), runner, jobs: 8 });
    const firstRunSeconds = (performance.now() - t0) / 1000;
    if (first.executed.length !== plan.instances.length) throw new Error(`first run executed ${first.executed.length}: ${JSON.stringify(first.failed.slice(0, 3))}`);
    const cacheBytes = (await new FsCache(dir).entries()).reduce((s, e) => s + e.bytes, 0);

    const t1 = performance.now();
    // What `catapult run` does after building the graph: open the cache, load
    // ETA estimates from the run index, execute with a (non-TTY) progress display.
    const cache = await FsCache.open(dir);
    const jobs = os.availableParallelism();
    const display = new ProgressDisplay({
      stream: { write: () => true, isTTY: false },
      total: plan.instances.length,
      jobs,
      estimateMs: await loadEstimates(cache, plan.instances),
    });
    const second = await execute(plan, { cache, runner, jobs, onEvent: (e) => display.onEvent(e) });
    display.finish(second);
    const seconds = (performance.now() - t1) / 1000;
    if (second.executed.length !== 0 || second.hits.length !== plan.instances.length) {
      throw new Error(`no-op rerun executed ${second.executed.length} stages, ${second.hits.length} hits`);
    }
    return { instances: plan.instances.length, seconds, firstRunSeconds, cacheBytes };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchNoopRerun();
  console.log(JSON.stringify(r));
}
