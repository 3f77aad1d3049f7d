import type { JsonValue } from '../core/json.js';
import type { ArtifactInput, StageInstance } from '../core/stage.js';
import type { StageFailure, StageSuccess } from './types.js';

/** `workerData` of a pool worker. */
export interface WorkerBoot {
  /** URL (href) of the module that exports `registry` and optionally `prepareWorker`. */
  readonly registryModule: string;
  /** Passed to `prepareWorker` (e.g. `{ backend: 'wasm' }`). */
  readonly workerOptions: JsonValue;
  readonly dataRoot: string;
  readonly repoRoot: string;
  readonly offline: boolean;
}

/** Main → worker. One run at a time per worker. */
export interface RunRequest {
  readonly type: 'run';
  readonly runId: number;
  readonly instance: StageInstance;
  readonly key: string;
  readonly inputs: readonly ArtifactInput[];
}

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'init-failed'; readonly message: string }
  | { readonly type: 'log'; readonly runId: number; readonly line: string }
  | { readonly type: 'progress'; readonly runId: number; readonly fraction: number; readonly note?: string }
  | { readonly type: 'result'; readonly runId: number; readonly ok: true; readonly value: StageSuccess }
  | { readonly type: 'result'; readonly runId: number; readonly ok: false; readonly error: StageFailure };
