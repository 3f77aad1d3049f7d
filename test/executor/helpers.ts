import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { FsCache } from '../../src/cache/store.js';
import { chainKeys } from '../../src/graph/keys.js';
import type { JsonValue } from '../../src/core/json.js';
import { err, ok, type Result } from '../../src/core/result.js';
import type { ArtifactInput, ArtifactOutput, StageInstance, StageKind } from '../../src/core/stage.js';
import type { ExecutionPlan, StageFailure, StageReporter, StageRunner, StageSuccess } from '../../src/executor/types.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Instances from `id -> deps`; params default to `{ id }`. */
export function instances(spec: Record<string, string[]>, kind: StageKind = 'train'): StageInstance[] {
  return Object.entries(spec).map(([id, deps]) => ({ id, kind, params: { id }, deps, group: 'g' }));
}

/** Static keys, chained through dep keys, as the graph builder computes them. */
export function planOf(insts: readonly StageInstance[], code = 'code-v1'): ExecutionPlan {
  const keys = chainKeys(insts, (inst) => ({ kind: inst.kind, params: inst.params, codeHash: code, runtime: { backend: null, packages: {} } }));
  return { instances: insts, keys };
}

export interface Call {
  readonly id: string;
  readonly inputs: readonly ArtifactInput[];
  readonly signal: AbortSignal;
  readonly reporter: StageReporter | undefined;
  readonly result: Deferred<Result<StageSuccess, StageFailure>>;
}

/**
 * A runner whose stages start and finish on command: `started(id)` resolves
 * when the executor starts `id`; `finish(id)` / `fail(id)` complete it. With
 * `auto`, stages finish as soon as they start (output derived from inputs).
 * Tracks the number running at once so the jobs bound can be asserted.
 */
export class FakeRunner implements StageRunner {
  readonly calls = new Map<string, Call>();
  readonly startOrder: string[] = [];
  readonly aborted: string[] = [];
  running = 0;
  maxRunning = 0;
  private readonly startWaiters = new Map<string, Deferred<Call>>();

  constructor(private readonly auto?: (id: string, inputs: readonly ArtifactInput[]) => Result<StageSuccess, StageFailure>) {}

  static output(id: string, inputs: readonly ArtifactInput[]): ArtifactOutput {
    return { result: { id, from: inputs.map((i) => i.result) as JsonValue }, files: { 'data.txt': `data of ${id}` } };
  }

  run(
    instance: StageInstance,
    _key: string,
    inputs: readonly ArtifactInput[],
    signal: AbortSignal,
    reporter?: StageReporter,
  ): Promise<Result<StageSuccess, StageFailure>> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.startOrder.push(instance.id);
    const result = deferred<Result<StageSuccess, StageFailure>>();
    const call: Call = { id: instance.id, inputs, signal, reporter, result };
    this.calls.set(instance.id, call);
    signal.addEventListener('abort', () => {
      this.aborted.push(instance.id);
      result.resolve(err({ reason: 'aborted' }));
    }, { once: true });
    this.waiter(instance.id).resolve(call);
    if (this.auto) result.resolve(this.auto(instance.id, inputs));
    return result.promise.finally(() => this.running--);
  }

  private waiter(id: string): Deferred<Call> {
    let w = this.startWaiters.get(id);
    if (!w) {
      w = deferred<Call>();
      this.startWaiters.set(id, w);
    }
    return w;
  }

  /** Resolves when `id` has been started. */
  started(id: string): Promise<Call> {
    return this.waiter(id).promise;
  }

  finish(id: string, output?: ArtifactOutput): void {
    const call = this.calls.get(id);
    if (!call) throw new Error(`finish(${id}): not started`);
    call.result.resolve(ok({ output: output ?? FakeRunner.output(id, call.inputs), log: [`ran ${id}`], backend: 'fake' }));
  }

  fail(id: string, message: string): void {
    const call = this.calls.get(id);
    if (!call) throw new Error(`fail(${id}): not started`);
    call.result.resolve(err({ reason: 'threw', message }));
  }
}

export const autoOk = (id: string, inputs: readonly ArtifactInput[]): Result<StageSuccess, StageFailure> =>
  ok({ output: FakeRunner.output(id, inputs), log: [], backend: 'fake' });

/**
 * Gives every test of the calling file a fresh cache (no fsync) in its own
 * temporary folder, handed to `set` before the test and removed after it.
 */
export function useFreshCache(prefix: string, set: (root: string, cache: FsCache) => void): void {
  let root = '';
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    set(root, await FsCache.open(root, { fsync: false }));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));
}
