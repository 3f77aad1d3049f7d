import { Worker, type WorkerOptions } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsonValue } from '../core/json.js';
import { err, type Result } from '../core/result.js';
import type { ArtifactInput, StageInstance } from '../core/stage.js';
import type { RunRequest, WorkerBoot, WorkerMessage } from './protocol.js';
import type { StageFailure, StageReporter, StageRunner, StageSuccess } from './types.js';

export interface WorkerPoolOptions {
  /** Number of worker threads (normally `--jobs`). */
  readonly size: number;
  /**
   * Module every worker imports: exports `registry` (kind → `StageImpl`) and
   * optionally `prepareWorker(workerOptions): Promise<{ backend }>`, called once
   * per worker to initialise its numeric backend. A URL, file URL string, or path.
   */
  readonly registryModule: URL | string;
  /** JSON handed to `prepareWorker`, e.g. `{ backend: 'wasm' }`. */
  readonly workerOptions?: JsonValue;
  readonly dataRoot: string;
  readonly repoRoot: string;
  readonly offline?: boolean;
  /**
   * Worker entry script. Default: `worker.js` beside this module (the compiled
   * `dist/src/executor/worker.js`), or `worker.ts` run through tsx when this
   * module itself is TypeScript (tests, `tsx`). Any `.ts` script is run through tsx.
   */
  readonly workerScript?: URL;
  /** Extra Node flags for workers. A `.ts` script is loaded through tsx's register API. */
  readonly execArgv?: readonly string[];
  /** Passed to `new Worker` (resource limits, env). */
  readonly nodeWorkerOptions?: Omit<WorkerOptions, 'workerData' | 'execArgv'>;
}

/** URL of tsx's ESM register API (for running the TypeScript worker entry in dev and tests). */
function tsxApiUrl(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    const req = createRequire(import.meta.url);
    return pathToFileURL(path.join(path.dirname(req.resolve('tsx')), 'esm/api/index.mjs')).href;
  }
}

/**
 * Worker source that registers tsx and then imports a `.ts` entry. Node 20
 * does not apply `--import tsx` from a worker's execArgv, so the TypeScript
 * entry is loaded through tsx's register API instead.
 */
function tsxBootstrap(script: URL): string {
  return `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}); })`;
}

interface Job {
  readonly runId: number;
  readonly reporter: StageReporter | undefined;
  readonly finish: (r: Result<StageSuccess, StageFailure>) => void;
}

/** One worker thread and the job it is running, if any. */
class PoolWorker {
  readonly worker: Worker;
  readonly ready: Promise<Result<string, string>>;
  job: Job | undefined;
  dead = false;
  private crash: string | undefined;

  constructor(script: URL, execArgv: readonly string[], boot: WorkerBoot, extra: WorkerPoolOptions['nodeWorkerOptions']) {
    this.worker = script.pathname.endsWith('.ts')
      ? new Worker(tsxBootstrap(script), { ...extra, eval: true, workerData: boot, execArgv: [...execArgv] })
      : new Worker(script, { ...extra, workerData: boot, execArgv: [...execArgv] });
    let settleReady!: (r: Result<string, string>) => void;
    this.ready = new Promise((r) => (settleReady = r));
    this.worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'ready':
          settleReady({ ok: true, value: m.backend });
          break;
        case 'init-failed':
          settleReady({ ok: false, error: m.message });
          break;
        case 'log':
          if (this.job?.runId === m.runId) this.job.reporter?.log(m.line);
          break;
        case 'progress':
          if (this.job?.runId === m.runId) this.job.reporter?.progress(m.fraction, m.note);
          break;
        case 'result': {
          const job = this.job;
          if (job?.runId !== m.runId) break;
          this.job = undefined;
          job.finish(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
          break;
        }
      }
    });
    this.worker.on('error', (e) => {
      this.crash = e instanceof Error ? e.message : String(e);
    });
    this.worker.on('exit', (code) => {
      this.dead = true;
      const message = this.crash ?? `worker exited with code ${code}`;
      settleReady({ ok: false, error: message });
      const job = this.job;
      this.job = undefined;
      job?.finish(err({ reason: 'worker-crashed', message }));
    });
  }
}

/**
 * Runs stages in `worker_threads`, each worker with its own numeric backend
 * (tfjs is per thread). Aborting a running stage terminates its worker; a
 * crashed or terminated worker is replaced on the next request, and a crash
 * during a run is reported as that stage's failure (`worker-crashed`).
 * Idle workers are unref'd so a forgotten `close()` does not keep Node alive.
 */
export class WorkerPoolRunner implements StageRunner {
  private readonly idle: PoolWorker[] = [];
  private readonly all = new Set<PoolWorker>();
  private readonly waiting: ((w: PoolWorker) => void)[] = [];
  private readonly script: URL;
  private readonly execArgv: readonly string[];
  private readonly boot: WorkerBoot;
  private nextRunId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    const here = import.meta.url;
    const isTs = here.endsWith('.ts');
    this.script = options.workerScript ?? new URL(isTs ? './worker.ts' : './worker.js', here);
    this.execArgv = options.execArgv ?? [];
    const reg = options.registryModule;
    this.boot = {
      registryModule:
        reg instanceof URL ? reg.href : /^[a-z]+:/i.test(reg) ? reg : pathToFileURL(reg).href,
      workerOptions: options.workerOptions ?? null,
      dataRoot: options.dataRoot,
      repoRoot: options.repoRoot,
      offline: options.offline ?? false,
    };
  }

  /** Backends reported by the workers started so far (for the run summary). */
  async backends(): Promise<string[]> {
    const out: string[] = [];
    for (const w of this.all) {
      const r = await w.ready;
      if (r.ok) out.push(r.value);
    }
    return out;
  }

  private acquire(): Promise<PoolWorker> {
    let w = this.idle.pop();
    while (w?.dead) w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.size < Math.max(1, this.options.size)) {
      const fresh = new PoolWorker(this.script, this.execArgv, this.boot, this.options.nodeWorkerOptions);
      this.all.add(fresh);
      fresh.worker.on('exit', () => this.all.delete(fresh));
      return Promise.resolve(fresh);
    }
    return new Promise((r) => this.waiting.push(r));
  }

  private release(w: PoolWorker): void {
    if (w.dead || this.closed) {
      this.all.delete(w);
      void w.worker.terminate();
      // A slot opened: let a waiter spawn a fresh worker.
      const next = this.waiting.shift();
      if (next && !this.closed) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(w);
    else {
      w.worker.unref();
      this.idle.push(w);
    }
  }

  async run(
    instance: StageInstance,
    key: string,
    inputs: readonly ArtifactInput[],
    signal: AbortSignal,
    reporter?: StageReporter,
  ): Promise<Result<StageSuccess, StageFailure>> {
    if (this.closed) throw new Error('WorkerPoolRunner is closed');
    if (signal.aborted) return err({ reason: 'aborted' });
    const w = await this.acquire();
    w.worker.ref();
    try {
      const ready = await w.ready;
      if (!ready.ok) {
        w.dead = true;
        return err({ reason: 'worker-init-failed', message: ready.error });
      }
      if (signal.aborted) return err({ reason: 'aborted' });
      const runId = this.nextRunId++;
      const result = new Promise<Result<StageSuccess, StageFailure>>((finish) => {
        w.job = { runId, reporter, finish };
      });
      const onAbort = (): void => {
        const job = w.job;
        if (job?.runId !== runId) return;
        w.job = undefined;
        w.dead = true;
        void w.worker.terminate();
        job.finish(err({ reason: 'aborted' }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const req: RunRequest = { type: 'run', runId, instance, key, inputs };
      w.worker.postMessage(req);
      try {
        return await result;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } finally {
      this.release(w);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
