/**
 * Must-show 1 on the real config: a second `catapult run` of the full
 * paper-scale DAG (the default profile of pipeline.yaml) with every entry
 * present executes nothing and finishes in under 2 s. Entries are pre-filled
 * with small fake results under the real keys (nothing is trained); the timed
 * part is the real CLI process: load + validate the config, build the graph,
 * compute every key, verify every cache entry, and print the summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsCache } from '../src/cache/store.js';
import { openSession } from '../src/cli/session.js';

export interface FullDagResult {
  instances: number;
  /** Wall time of `node bin/catapult.js run --no-report` with everything cached (median of 3). */
  seconds: number;
  executedOnRerun: number;
}

export async function benchFullDagNoop(root: string): Promise<FullDagResult> {
  const config = join(root, 'pipeline.yaml');
  const cacheDir = mkdtempSync(join(tmpdir(), 'catapult-bench-dag-'));
  try {
    const opened = openSession({ config, profile: null, sets: [], backend: null, cacheDir, help: false });
    if (!opened.ok) throw new Error(opened.error.message);
    const s = opened.value;
    const cache = await FsCache.open(cacheDir, { fsync: false });
    const now = new Date().toISOString();
    await Promise.all(
      s.graph.instances.map(async (inst) => {
        const { key, fingerprint } = s.keys.get(inst.id)!;
        await cache.write(key, fingerprint, { result: { fake: inst.id, trajectory: Array.from({ length: 50 }, (_, i) => i) } }, {
          id: inst.id, kind: inst.kind, startedAt: now, endedAt: now, wallMs: 1, backend: s.backend, log: [],
        });
        await cache.recordRun(inst.id, key, fingerprint, { wallMs: 1, finishedAt: now, status: 'done' });
      }),
    );
    const times: number[] = [];
    let executed = -1;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [join(root, 'bin/catapult.js'), 'run', '--no-report', '--config', config, '--cache-dir', cacheDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      times.push((performance.now() - t0) / 1000);
      if (res.status !== 0) throw new Error(`catapult run exited ${res.status}: ${res.stderr}`);
      const m = /(\d+) executed/.exec(res.stderr);
      executed = m ? Number(m[1]) : -1;
    }
    return { instances: s.graph.instances.length, seconds: times.sort((a, b) => a - b)[1]!, executedOnRerun: executed };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
