/**
 * `--executor slurm`: a {@link StageRunner} that runs each stage instance as a
 * Slurm job on a cluster, with the cache on a filesystem every node shares.
 *
 * The executor decides what runs and when (cache hits are never submitted;
 * dependencies finish before dependents start) exactly as for a local run; this
 * runner only turns each ready instance into a job and waits for it:
 *
 *  - instances that become ready within `batchWindowMs` are grouped by stage
 *    kind into one sbatch call — a job array (`--array=0-(k-1)%throttle`) when
 *    there are several — with one batch file listing them (see ./batch.ts);
 *  - each task runs `catapult exec <batch> --index i` on its node, which reads
 *    its inputs from and writes its entry to the shared cache (./exec.ts);
 *  - job states are polled with `squeue` while queued or running and
 *    `scontrol show job` once they leave the queue (state, exit code); the
 *    executor then verifies the entry the job stored;
 *  - aborting (Ctrl-C) cancels this run's jobs with `scancel`;
 *  - when the controller stops answering for `controllerTimeoutMs`, `onFatal`
 *    is called (the CLI aborts the run and exits 3): a run never hangs silently.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, type Cache } from '../../cache/store.js';
import type { JsonValue } from '../../core/json.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ArtifactInput, StageInstance, StageKind } from '../../core/stage.js';
import { slurmMessages as M } from '../../messages/slurm.js';
import type { RunTarget, StageFailure, StageReporter, StageRunner, StageStored, StageSuccess } from '../types.js';
import { BATCH_VERSION, jobScript, reportPath, type BatchFile, type TaskReport } from './batch.js';
import type { JobRecord, SlurmCallFailure, SlurmClient } from './client.js';
import type { SlurmSettings } from './settings.js';

/**
 * sbatch refusals that mean "not now": a per-user or QOS limit on submitted
 * jobs. The rest waits for running jobs to finish (and arrays shrink) instead
 * of failing.
 */
const SUBMIT_LIMIT = /MaxSubmitJob|AssocMaxSubmitJobLimit|QOSMaxSubmit|MaxJobCount|Job violates accounting\/QOS policy|Resource temporarily unavailable/i;

/** Job states after which a job will not run again. */
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED']);

export interface SlurmRunnerOptions {
  readonly client: SlurmClient;
  readonly settings: SlurmSettings;
  /** The shared cache (the runner checks that a finished job's entry exists). */
  readonly cache: Pick<Cache, 'has'>;
  readonly cacheDir: string;
  readonly repoRoot: string;
  readonly dataRoot: string;
  readonly offline: boolean;
  /** Handed to `prepareWorker` on the node (the backend the keys were computed for). */
  readonly workerOptions: JsonValue;
  /** Run log lines: submissions with their job ids, cancellations, controller trouble. */
  readonly notice: (line: string) => void;
  /** The controller is gone (or Slurm is not installed): the caller should abort the run. */
  readonly onFatal: (message: string) => void;
  /** Folder of this run's batch files and logs (default `<cacheDir>/slurm/<timestamp>-<pid>-<random>`). */
  readonly runDir?: string;
}

type Outcome = Result<StageSuccess | StageStored, StageFailure>;

interface Task {
  readonly instance: StageInstance;
  readonly inputs: readonly ArtifactInput[];
  readonly target: RunTarget;
  readonly reporter: StageReporter | undefined;
  readonly finish: (r: Outcome) => void;
  jobId?: string;
  log?: string;
  state?: string;
  done: boolean;
}

function runId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${t}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

/** Base job id of an array task id (`123_4` → `123`). */
const baseId = (jobId: string): string => jobId.split('_')[0]!;

export class SlurmRunner implements StageRunner {
  readonly runDir: string;
  private readonly queue: Task[] = [];
  private readonly inflight = new Map<string, Task>();
  private readonly toCancel = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private submitting: Promise<void> = Promise.resolve();
  private polling = false;
  private batches = 0;
  private downSince: number | undefined;
  private fatalMessage: string | undefined;
  private closed = false;
  private announced = false;
  /** Largest chunk to submit now: `maxArraySize`, halved on each submit-limit refusal. */
  private chunkLimit: number;
  private limitNoticed = false;

  constructor(private readonly options: SlurmRunnerOptions) {
    this.runDir = options.runDir ?? path.join(options.cacheDir, 'slurm', runId());
    this.chunkLimit = options.settings.arrays ? options.settings.maxArraySize : 1;
  }

  run(
    instance: StageInstance,
    _key: string,
    inputs: readonly ArtifactInput[],
    signal: AbortSignal,
    reporter?: StageReporter,
    target?: RunTarget,
  ): Promise<Outcome> {
    if (!target) throw new Error('SlurmRunner.run needs the target key (the executor passes it)');
    if (this.closed) throw new Error('SlurmRunner is closed');
    if (signal.aborted) return Promise.resolve(err({ reason: 'aborted' }));
    if (this.fatalMessage !== undefined) return Promise.resolve(err({ reason: 'submit-failed', message: this.fatalMessage }));
    return new Promise<Outcome>((resolve) => {
      const onAbort = (): void => this.abortTask(task);
      const task: Task = {
        instance,
        inputs,
        target,
        reporter,
        done: false,
        finish: (r) => {
          if (task.done) return;
          task.done = true;
          signal.removeEventListener('abort', onAbort);
          if (task.jobId !== undefined) this.inflight.delete(task.jobId);
          resolve(r);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.closed) return;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.submitting = this.submitting.then(() => this.flush());
    }, this.options.settings.batchWindowMs);
  }

  /** Submits everything queued: one sbatch per kind and chunk of at most `chunkLimit` (≤ `maxArraySize`). */
  private async flush(): Promise<void> {
    const tasks = this.queue.splice(0).filter((t) => !t.done);
    const byKind = new Map<StageKind, Task[]>();
    for (const t of tasks) {
      const list = byKind.get(t.instance.kind) ?? [];
      list.push(t);
      byKind.set(t.instance.kind, list);
    }
    const lists = [...byKind.values()];
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k]!;
      for (let i = 0; i < list.length; ) {
        const chunk = list.slice(i, i + this.chunkLimit);
        i += chunk.length;
        if ((await this.submit(chunk)) === 'refused') {
          // submit-limit: hold the chunk and everything after it until running jobs finish
          this.queue.unshift(...chunk, ...list.slice(i), ...lists.slice(k + 1).flat());
          this.schedulePoll();
          // also retry on a timer: the jobs holding the limit may not be ours
          setTimeout(() => this.scheduleFlush(), 5 * this.options.settings.pollMs).unref();
          return;
        }
      }
    }
    this.schedulePoll();
  }

  /** Writes the batch and submits it; 'refused' when a submit limit says "not now" (the caller requeues). */
  private async submit(chunk: Task[]): Promise<'submitted' | 'failed' | 'refused'> {
    const kind = chunk[0]!.instance.kind;
    if (this.fatalMessage !== undefined) {
      for (const t of chunk) t.finish(err({ reason: 'submit-failed', message: this.fatalMessage }));
      return 'failed';
    }
    const o = this.options;
    const s = o.settings;
    const n = ++this.batches;
    const batchFile = path.join(this.runDir, `batch-${n}.json`);
    const scriptFile = path.join(this.runDir, `batch-${n}.sh`);
    const logs = path.join(this.runDir, 'logs');
    const array = chunk.length > 1;
    try {
      await fs.mkdir(logs, { recursive: true });
      if (!this.announced) {
        this.announced = true;
        o.notice(M.runFolder(this.runDir));
      }
      const batch: BatchFile = {
        version: BATCH_VERSION,
        runId: path.basename(this.runDir),
        cacheDir: o.cacheDir,
        repoRoot: o.repoRoot,
        dataRoot: o.dataRoot,
        offline: o.offline,
        workerOptions: o.workerOptions,
        tasks: chunk.map((t) => ({
          instance: t.instance,
          key: t.target.key,
          fingerprint: t.target.fingerprint,
          replace: t.target.replace,
          inputs: t.inputs.map((i) => ({ id: i.id, kind: i.kind, key: i.key })),
        })),
      };
      await writeFileAtomic(batchFile, JSON.stringify(batch));
      const description = `${chunk.length} ${kind} task(s) of run ${batch.runId}`;
      await writeFileAtomic(scriptFile, jobScript({ command: s.command, repoRoot: o.repoRoot, batchFile, description }));
      await fs.chmod(scriptFile, 0o755);
    } catch (e) {
      const message = M.notStarted(`cannot write to ${this.runDir}: ${e instanceof Error ? e.message : String(e)}`);
      for (const t of chunk) t.finish(err({ reason: 'submit-failed', message }));
      return 'failed';
    }
    const r = s.resources(kind);
    const args = [
      `--job-name=catapult-${kind}`,
      `--output=${path.join(logs, array ? '%A_%a.log' : '%j.log')}`,
      `--cpus-per-task=${r.cpus}`,
      `--mem=${r.mem}`,
      `--time=${r.time}`,
      ...(s.partition !== null ? [`--partition=${s.partition}`] : []),
      ...[...s.options].map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`)),
      ...(array ? [`--array=0-${chunk.length - 1}%${s.arrayThrottle}`] : []),
      scriptFile,
    ];
    const sub = await o.client.submit(args);
    if (!sub.ok && sub.error.reason === 'rejected' && SUBMIT_LIMIT.test(sub.error.message)) {
      // The cluster takes no more jobs from us right now: retry (in smaller arrays) as jobs finish.
      if (!this.limitNoticed) o.notice(M.submitLimit(sub.error.message, this.inflight.size));
      this.limitNoticed = true;
      this.chunkLimit = Math.max(1, Math.floor(chunk.length / 2));
      return 'refused';
    }
    if (!sub.ok) {
      const message = M.callFailure(sub.error);
      if (sub.error.reason !== 'rejected') this.fatal(message);
      for (const t of chunk) t.finish(err({ reason: 'submit-failed', message }));
      return 'failed';
    }
    const id = sub.value;
    o.notice(M.submitted(id, chunk.length, kind, chunk[0]!.instance.id, args));
    chunk.forEach((t, i) => {
      const jobId = array ? `${id}_${i}` : id;
      t.jobId = jobId;
      t.log = path.join(logs, array ? `${id}_${i}.log` : `${id}.log`);
      if (t.done) {
        this.toCancel.add(jobId); // aborted while sbatch ran
        return;
      }
      this.inflight.set(jobId, t);
      t.reporter?.log(M.taskSubmitted(jobId));
    });
    if (this.toCancel.size > 0) await this.cancelPending();
    return 'submitted';
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.closed || this.inflight.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll().finally(() => this.schedulePoll());
    }, this.options.settings.pollMs);
  }

  /** One round of squeue (+ scontrol for jobs that left the queue). */
  private async poll(): Promise<void> {
    if (this.polling || this.inflight.size === 0) return;
    this.polling = true;
    try {
      const q = await this.options.client.queue();
      if (!q.ok) return this.controllerTrouble(q.error);
      const left = new Map<string, Task[]>();
      for (const [jobId, t] of this.inflight) {
        const state = q.value.get(jobId);
        if (state !== undefined) {
          if (state !== t.state) {
            t.state = state;
            t.reporter?.progress(0, M.taskState(jobId, state));
          }
          continue;
        }
        const list = left.get(baseId(jobId)) ?? [];
        list.push(t);
        left.set(baseId(jobId), list);
      }
      for (const [base, tasks] of left) {
        const shown = await this.options.client.show(base);
        if (!shown.ok) return this.controllerTrouble(shown.error);
        const byId = new Map(shown.value.map((r) => [r.id, r] as const));
        for (const t of tasks) {
          const rec = byId.get(t.jobId!);
          if (rec && !TERMINAL.has(rec.state)) continue; // not in the squeue snapshot yet, or requeued
          await this.conclude(t, rec);
          if (this.queue.length > 0) this.scheduleFlush(); // instances held back by a submit limit
        }
      }
      if (this.downSince !== undefined) {
        this.downSince = undefined;
        this.options.notice(M.pollRecovered());
      }
    } finally {
      this.polling = false;
    }
  }

  private controllerTrouble(f: SlurmCallFailure): void {
    if (f.reason === 'not-installed') return this.fatal(M.callFailure(f));
    const message = f.message;
    const now = Date.now();
    const limit = this.options.settings.controllerTimeoutMs;
    if (this.downSince === undefined) {
      this.downSince = now;
      this.options.notice(M.pollFailed(f.command, message, Math.round(limit / 1000)));
    } else if (now - this.downSince >= limit) {
      this.fatal(M.controllerGone(Math.round((now - this.downSince) / 1000), message));
    }
  }

  /** A job left the queue: success when it completed and its entry is in the cache, else a failure with its log. */
  private async conclude(t: Task, rec: JobRecord | undefined): Promise<void> {
    const stored = await this.options.cache.has(t.target.key);
    // the common case needs no report: completed, entry there
    if (rec?.state === 'COMPLETED' && stored) return t.finish(ok({ stored: true }));
    const report = await readReport(reportPath(this.runDir, t.target.key));
    const jobId = t.jobId!;
    const log = t.log!;
    if (rec?.state === 'COMPLETED' || (rec === undefined && report?.ok === true)) {
      if (stored) return t.finish(ok({ stored: true }));
      return t.finish(err({ reason: 'remote-missing', jobId, log, detail: report ? `its report says ${report.ok ? 'ok' : report.error}` : 'no report' }));
    }
    t.finish(
      err({
        reason: 'remote-failed',
        jobId,
        state: rec?.state ?? 'UNKNOWN',
        exitCode: rec?.exitCode ?? '?',
        log,
        ...(report?.error !== undefined ? { message: report.error } : rec === undefined ? { message: M.vanished() } : {}),
      }),
    );
  }

  private abortTask(t: Task): void {
    if (t.done) return;
    const jobId = t.jobId;
    t.finish(err({ reason: 'aborted' }));
    if (jobId !== undefined) {
      this.toCancel.add(jobId);
      queueMicrotask(() => void this.cancelPending());
    }
  }

  private async cancelPending(): Promise<void> {
    const ids = [...this.toCancel];
    this.toCancel.clear();
    if (ids.length === 0) return;
    this.options.notice(M.cancelling(ids.length));
    const r = await this.options.client.cancel(ids);
    if (!r.ok) this.options.notice(M.cancelFailed(M.callFailure(r.error)));
  }

  private fatal(message: string): void {
    if (this.fatalMessage !== undefined) return;
    this.fatalMessage = message;
    this.options.onFatal(message);
  }

  /** Stops polling and cancels every job of this run that has not finished. */
  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.submitting;
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    for (const t of this.queue.splice(0)) t.finish(err({ reason: 'aborted' }));
    for (const t of [...this.inflight.values()]) {
      this.toCancel.add(t.jobId!);
      t.finish(err({ reason: 'aborted' }));
    }
    await this.cancelPending();
  }
}

async function readReport(file: string): Promise<TaskReport | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as TaskReport;
  } catch {
    return undefined;
  }
}
