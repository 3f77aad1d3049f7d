import type { Fingerprint } from '../cache/fingerprint.js';
import type { Cache } from '../cache/store.js';
import type { Result } from '../core/result.js';
import type { ArtifactInput, ArtifactOutput, StageInstance } from '../core/stage.js';

/**
 * What to execute: the instances (targets plus all their dependencies) and the
 * key of each, computed up front from params, code and dependency keys. Keys
 * are static (as in wireit), so `plan` can say what would run without running.
 */
export interface ExecutionPlan {
  readonly instances: readonly StageInstance[];
  readonly keys: ReadonlyMap<string, { readonly key: string; readonly fingerprint: Fingerprint }>;
}

/**
 * Why a stage did not produce an artifact. A diverged training run is not a
 * failure (it is a result with `status: 'diverged'`); these are.
 */
export type StageFailure =
  | { readonly reason: 'threw'; readonly message: string; readonly stack?: string }
  | { readonly reason: 'aborted' }
  | { readonly reason: 'worker-crashed'; readonly message: string }
  | { readonly reason: 'worker-init-failed'; readonly message: string }
  | { readonly reason: 'unknown-kind'; readonly kind: string }
  | { readonly reason: 'cache-write'; readonly detail: string }
  /** A scheduler (Slurm) refused the job; nothing ran. */
  | { readonly reason: 'submit-failed'; readonly message: string }
  /** The job ran on a compute node and did not succeed; `log` is its output file there. */
  | { readonly reason: 'remote-failed'; readonly jobId: string; readonly state: string; readonly exitCode: string; readonly log: string; readonly message?: string }
  /** The job reported success but its entry is not in the shared cache (or does not verify). */
  | { readonly reason: 'remote-missing'; readonly jobId: string; readonly detail: string; readonly log: string };

/** What a successful stage run hands the executor to store. */
export interface StageSuccess {
  readonly output: ArtifactOutput;
  readonly log: readonly string[];
  /** Backend that actually ran the stage (recorded in the manifest). */
  readonly backend: string;
}

/**
 * What a remote runner hands back instead of an output: the job stored its
 * entry in the shared cache itself (under {@link RunTarget.key}, with the same
 * atomic protocol), and the executor only verifies it by reading it.
 */
export interface StageStored {
  readonly stored: true;
}

/**
 * Where the executor will store a stage's result. Runners that execute
 * elsewhere (a Slurm job) write the entry themselves and need all of it; the
 * key differs from the instance's own key when it runs on partial inputs.
 */
export interface RunTarget {
  readonly key: string;
  readonly fingerprint: Fingerprint;
  /** `--force`: replace an existing entry instead of keeping the first. */
  readonly replace: boolean;
}

/** Live channel from a running stage to the display. */
export interface StageReporter {
  log(line: string): void;
  progress(fraction: number, note?: string): void;
}

/**
 * Runs one stage instance somewhere (this thread, a worker thread, a fake in
 * tests, a Slurm job). The executor owns ordering, caching and cancellation; a
 * runner only runs and reports. Must resolve (never reject) and must honour
 * `signal`. A local runner returns the output for the executor to store; a
 * remote one stores it at `target` itself and returns {@link StageStored}.
 */
export interface StageRunner {
  run(
    instance: StageInstance,
    key: string,
    inputs: readonly ArtifactInput[],
    signal: AbortSignal,
    reporter?: StageReporter,
    target?: RunTarget,
  ): Promise<Result<StageSuccess | StageStored, StageFailure>>;
  /** Releases threads or other resources; the runner is unusable afterwards. */
  close?(): Promise<void>;
}

/** Everything the executor tells the display (and tests) as it goes. */
export type ExecutorEvent =
  | { readonly type: 'queued'; readonly id: string }
  | { readonly type: 'cache-hit'; readonly id: string; readonly key: string }
  | { readonly type: 'corrupt-rebuilt'; readonly id: string; readonly key: string; readonly detail: string }
  | { readonly type: 'start'; readonly id: string; readonly key: string }
  | { readonly type: 'progress'; readonly id: string; readonly fraction: number; readonly note?: string }
  | { readonly type: 'log'; readonly id: string; readonly line: string }
  | { readonly type: 'done'; readonly id: string; readonly key: string; readonly wallMs: number }
  | { readonly type: 'failed'; readonly id: string; readonly error: StageFailure; readonly message: string }
  | { readonly type: 'skipped'; readonly id: string; readonly failedAncestor: string }
  | { readonly type: 'cancelled'; readonly id: string };

export interface ExecuteOptions {
  readonly cache: Cache;
  readonly runner: StageRunner;
  /** Maximum stages running at once (default `os.availableParallelism()`). */
  readonly jobs?: number;
  /** Ignore cached entries: all instances (`true`) or those ids; they rerun and replace their entries. */
  readonly force?: boolean | ReadonlySet<string>;
  /** Default true: a failure skips only its dependents. False: start nothing new after the first failure. */
  readonly keepGoing?: boolean;
  /** Stops scheduling, aborts running stages, waits for them; no partial entries are left. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ExecutorEvent) => void;
  /** Concurrent cache reads while checking for hits (default 32). */
  readonly ioConcurrency?: number;
}

/** Outcome of a run, for the CLI summary and exit code. */
export interface RunSummary {
  readonly total: number;
  /** Ids that ran and wrote an entry, in completion order. */
  readonly executed: readonly string[];
  readonly hits: readonly string[];
  readonly failed: readonly { readonly id: string; readonly error: StageFailure; readonly message: string }[];
  readonly skipped: readonly { readonly id: string; readonly failedAncestor: string }[];
  /** Not run (or aborted while running) because of the signal or keep-going off. */
  readonly cancelled: readonly string[];
  /** Entries found corrupt, discarded and rebuilt (or attempted). */
  readonly rebuilt: readonly { readonly id: string; readonly detail: string }[];
  /** Ran on partial inputs (StageInstance.partialInputs) because `missing` failed; stored under a derived key. */
  readonly partial: readonly { readonly id: string; readonly missing: string }[];
  readonly aborted: boolean;
  readonly wallMs: number;
  /** True when every instance is a hit or executed. */
  readonly ok: boolean;
}
