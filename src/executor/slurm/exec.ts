/**
 * The compute-node side of `--executor slurm` (`catapult exec <batch> --index N`):
 * run one task of a batch file against the shared cache.
 *
 *  1. an entry already stored under the task's key is success (first writer
 *     wins; a rerun of a finished task costs one verified read);
 *  2. the stage's source on this node must hash to the fingerprint's code hash
 *     (the checkout changed between submission and start ⇒ refuse, never store
 *     results under a key that does not describe them);
 *  3. inputs are read from the cache by key and verified;
 *  4. the stage runs in this process on the backend the keys were computed for;
 *  5. the result is written with the cache's atomic protocol (files + fsync,
 *     manifest last, rename), so a job killed at any moment leaves nothing that
 *     reads as complete; a concurrent writer of the same key is harmless.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import { FsCache, cacheFailureDetail, writeFileAtomic } from '../../cache/store.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ArtifactInput, StageKind } from '../../core/stage.js';
import { slurmMessages as M } from '../../messages/slurm.js';
import { failureMessage } from '../execute.js';
import { loadRegistryModule, runStage } from '../in-process.js';
import { BATCH_VERSION, reportPath, type BatchFile, type TaskReport, type TaskSpec } from './batch.js';

export type ExecFailure =
  | { readonly reason: 'batch-unreadable'; readonly message: string }
  | { readonly reason: 'code-changed'; readonly message: string }
  | { readonly reason: 'input-missing'; readonly message: string }
  | { readonly reason: 'init-failed'; readonly message: string }
  | { readonly reason: 'stage-failed'; readonly message: string }
  | { readonly reason: 'cache-write'; readonly message: string };

export interface ExecOptions {
  /** Module exporting `registry` and `prepareWorker` (stages/index). */
  readonly registryModule: URL;
  /** Hash of a kind's stage source on this node (stages/manifest.ts code paths). */
  readonly codeHash: (kind: StageKind) => string;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

export async function readBatch(file: string): Promise<Result<BatchFile, ExecFailure>> {
  try {
    const b = JSON.parse(await fs.readFile(file, 'utf8')) as BatchFile;
    if (b.version !== BATCH_VERSION || !Array.isArray(b.tasks)) {
      return err({ reason: 'batch-unreadable', message: M.batchVersion(file, b.version, BATCH_VERSION) });
    }
    return ok(b);
  } catch (e) {
    return err({ reason: 'batch-unreadable', message: M.batchUnreadable(file, e instanceof Error ? e.message : String(e)) });
  }
}

/** Runs task `index` of `batchFile`; writes its report (results/<key>.json) whatever happens after the batch is read. */
export async function execTask(batchFile: string, index: number, options: ExecOptions): Promise<Result<TaskReport, ExecFailure>> {
  const t0 = performance.now();
  const batch = await readBatch(batchFile);
  if (!batch.ok) return batch;
  const task = batch.value.tasks[index];
  if (!task) return err({ reason: 'batch-unreadable', message: M.noSuchTask(batchFile, index, batch.value.tasks.length) });
  const runDir = path.dirname(batchFile);
  const jobId = process.env.SLURM_ARRAY_JOB_ID
    ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID ?? '0'}`
    : (process.env.SLURM_JOB_ID ?? null);
  const base = { id: task.instance.id, key: task.key, host: os.hostname(), jobId };
  options.log(M.execStart(task.instance.id, task.key, base.host, jobId));
  const result = await execOne(batch.value, task, options);
  const wallMs = performance.now() - t0;
  const report: TaskReport = result.ok
    ? { ...base, ok: true, wallMs, ...(result.value.alreadyCached ? { alreadyCached: true } : {}) }
    : { ...base, ok: false, wallMs, error: result.error.message };
  await writeFileAtomic(reportPath(runDir, task.key), JSON.stringify(report, null, 1)).catch(() => undefined);
  options.log(result.ok ? M.execDone(task.instance.id, task.key, wallMs, result.value.alreadyCached) : M.execFailed(task.instance.id, result.error.message));
  return result.ok ? ok(report) : result;
}

async function execOne(batch: BatchFile, task: TaskSpec, options: ExecOptions): Promise<Result<{ alreadyCached: boolean }, ExecFailure>> {
  // Not FsCache.open: the submitter made the folders and cleans up after dead writers; a thousand tasks
  // each listing tmp/ and runs/ on the shared filesystem would do that work a thousand times over.
  const cache = new FsCache(batch.cacheDir);
  if (!task.replace) {
    const prior = await cache.read(task.key);
    if (prior.ok) return ok({ alreadyCached: true });
  }
  const here = options.codeHash(task.instance.kind);
  if (here !== task.fingerprint.codeHash) {
    return err({ reason: 'code-changed', message: M.codeChanged(task.instance.kind, task.fingerprint.codeHash, here) });
  }
  const inputs: ArtifactInput[] = [];
  for (const dep of task.inputs) {
    const e = await cache.read(dep.key);
    if (!e.ok) return err({ reason: 'input-missing', message: M.inputMissing(dep.id, dep.key, cacheFailureDetail(e.error)) });
    inputs.push({ id: dep.id, kind: dep.kind, key: e.value.key, result: e.value.result, dir: e.value.dir });
  }
  let loaded: Awaited<ReturnType<typeof loadRegistryModule>>;
  try {
    loaded = await loadRegistryModule(options.registryModule.href, batch.workerOptions);
  } catch (e) {
    return err({ reason: 'init-failed', message: e instanceof Error ? e.message : String(e) });
  }
  const { registry, backend } = loaded;
  const startedAt = new Date();
  const t = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  const res = await runStage(
    registry[task.instance.kind],
    task.instance,
    task.key,
    inputs,
    signal,
    { dataRoot: batch.dataRoot, repoRoot: batch.repoRoot, offline: batch.offline, backend },
    { log: options.log, progress: () => undefined },
  );
  if (!res.ok) return err({ reason: 'stage-failed', message: failureMessage(res.error) });
  if (signal.aborted) return err({ reason: 'stage-failed', message: failureMessage({ reason: 'aborted' }) });
  const written = await cache.write(
    task.key,
    task.fingerprint,
    res.value.output,
    {
      id: task.instance.id,
      kind: task.instance.kind,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      wallMs: performance.now() - t,
      backend: res.value.backend,
      log: res.value.log,
    },
    { replace: task.replace },
  );
  if (!written.ok) return err({ reason: 'cache-write', message: failureMessage({ reason: 'cache-write', detail: written.error.detail }) });
  return ok({ alreadyCached: false });
}
