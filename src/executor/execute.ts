import os from 'node:os';
import pLimit from 'p-limit';
import { cacheFailureDetail, type CacheEntry } from '../cache/store.js';
import { sha256 } from '../core/json.js';
import { err } from '../core/result.js';
import type { ArtifactInput, StageInstance } from '../core/stage.js';
import { executorMessages as M } from '../messages/engine.js';
import type { ExecuteOptions, ExecutionPlan, ExecutorEvent, RunSummary, StageFailure } from './types.js';

/** Final state of one instance within a run. */
type Outcome =
  | { readonly state: 'hit'; readonly entry: CacheEntry }
  | { readonly state: 'done'; readonly entry: CacheEntry }
  | { readonly state: 'failed' }
  | { readonly state: 'skipped'; readonly failedAncestor: string }
  | { readonly state: 'cancelled' }
  /** Ran on the inputs that exist (see StageInstance.partialInputs); dependents treat it as failed. */
  | { readonly state: 'partial'; readonly entry: CacheEntry; readonly failedAncestor: string };

/**
 * Where a partial result is stored: derived from the full key and the inputs
 * that were present, never equal to the full key, so supplying the missing
 * data later makes the full key's entry get computed.
 */
export function partialKey(key: string, presentDeps: readonly string[]): string {
  return sha256(`${key}\u0000partial\u0000${[...presentDeps].sort().join('\u0000')}`);
}

/** Text of a failure for summaries and events. */
export function failureMessage(error: StageFailure): string {
  switch (error.reason) {
    case 'threw':
      return M.threw(error.message);
    case 'aborted':
      return M.aborted();
    case 'worker-crashed':
      return M.workerCrashed(error.message);
    case 'worker-init-failed':
      return M.workerInitFailed(error.message);
    case 'unknown-kind':
      return M.unknownKind(error.kind);
    case 'cache-write':
      return M.cacheWrite(error.detail);
    case 'submit-failed':
      return M.submitFailed(error.message);
    case 'remote-failed':
      return M.remoteFailed(error);
    case 'remote-missing':
      return M.remoteMissing(error.jobId, error.detail, error.log);
  }
}

/**
 * Checks that the plan is closed under dependencies, keyed, and acyclic. A
 * broken plan is a bug in the graph builder, not a user error, so it throws.
 */
export function validatePlan(plan: ExecutionPlan): void {
  const byId = new Map<string, StageInstance>();
  for (const inst of plan.instances) {
    if (byId.has(inst.id)) throw new Error(M.duplicateId(inst.id));
    byId.set(inst.id, inst);
    if (!plan.keys.has(inst.id)) throw new Error(M.missingKey(inst.id));
  }
  for (const inst of plan.instances) {
    for (const dep of inst.deps) if (!byId.has(dep)) throw new Error(M.missingDep(inst.id, dep));
  }
  const state = new Map<string, 1 | 2>();
  const visit = (id: string, trail: string[]): void => {
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) throw new Error(M.cycle([...trail.slice(trail.indexOf(id)), id]));
    state.set(id, 1);
    for (const dep of byId.get(id)!.deps) visit(dep, [...trail, id]);
    state.set(id, 2);
  };
  for (const inst of plan.instances) visit(inst.id, []);
}

/** Exit status for a summary: 0 all good, 1 some stage failed or was skipped, 130 interrupted. */
export function summaryExitCode(summary: RunSummary): number {
  if (summary.aborted) return 130;
  return summary.ok ? 0 : 1;
}

/**
 * Runs a plan: every instance whose verified entry exists is a hit; the rest
 * run in dependency order, at most `jobs` at a time, through `runner`, and
 * their outputs are written atomically to `cache`.
 *
 * Cache checks happen up front and in parallel (keys are static), so a no-op
 * rerun costs one verified read per instance and never waits on dependencies.
 * A corrupt entry is removed, reported (`corrupt-rebuilt`) and rebuilt. A
 * failure skips only the dependents that had to run; with `keepGoing: false`
 * nothing new starts after it. On abort, nothing new starts, running stages
 * receive the signal, and outputs that come back after the abort are not written.
 */
export async function execute(plan: ExecutionPlan, options: ExecuteOptions): Promise<RunSummary> {
  validatePlan(plan);
  const t0 = performance.now();
  const { cache, runner } = options;
  const jobs = Math.max(1, options.jobs ?? os.availableParallelism());
  const keepGoing = options.keepGoing ?? true;
  const signal = options.signal ?? new AbortController().signal;
  const emit = (e: ExecutorEvent): void => options.onEvent?.(e);
  const forced = (id: string): boolean =>
    options.force === true || (typeof options.force === 'object' && options.force.has(id));
  const runLimit = pLimit(jobs);
  const ioLimit = pLimit(Math.max(1, options.ioConcurrency ?? 32));

  const byId = new Map(plan.instances.map((i) => [i.id, i] as const));
  // How many dependents may still read each entry; entries are dropped at 0 to bound memory.
  const readers = new Map<string, number>(plan.instances.map((i) => [i.id, 0]));
  for (const inst of plan.instances) for (const dep of inst.deps) readers.set(dep, (readers.get(dep) ?? 0) + 1);
  const entries = new Map<string, CacheEntry>();
  const release = (inst: StageInstance): void => {
    for (const dep of inst.deps) {
      const left = (readers.get(dep) ?? 1) - 1;
      readers.set(dep, left);
      if (left <= 0) entries.delete(dep);
    }
  };

  const executed: string[] = [];
  const hits: string[] = [];
  const failed: { id: string; error: StageFailure; message: string }[] = [];
  const skipped: { id: string; failedAncestor: string }[] = [];
  const cancelled: string[] = [];
  const rebuilt: { id: string; detail: string }[] = [];
  const partial: { id: string; missing: string }[] = [];
  let stopped = false; // keep-going off and something failed

  const outcomes = new Map<string, Promise<Outcome>>();
  const failedAncestorOf = new Map<string, string>();

  const resolve = (id: string): Promise<Outcome> => {
    let p = outcomes.get(id);
    if (!p) {
      p = settle(byId.get(id)!);
      outcomes.set(id, p);
    }
    return p;
  };

  const settle = async (inst: StageInstance): Promise<Outcome> => {
    const outcome = await decide(inst);
    if (outcome.state === 'hit' || outcome.state === 'done') {
      if ((readers.get(inst.id) ?? 0) > 0) entries.set(inst.id, outcome.entry);
    }
    release(inst);
    switch (outcome.state) {
      case 'hit':
        hits.push(inst.id);
        emit({ type: 'cache-hit', id: inst.id, key: outcome.entry.key });
        break;
      case 'skipped':
        skipped.push({ id: inst.id, failedAncestor: outcome.failedAncestor });
        failedAncestorOf.set(inst.id, outcome.failedAncestor);
        emit({ type: 'skipped', id: inst.id, failedAncestor: outcome.failedAncestor });
        break;
      case 'cancelled':
        cancelled.push(inst.id);
        emit({ type: 'cancelled', id: inst.id });
        break;
      case 'partial':
        failedAncestorOf.set(inst.id, outcome.failedAncestor);
        break;
      default:
        break; // done / failed are recorded where they happen
    }
    return outcome;
  };

  const decide = async (inst: StageInstance): Promise<Outcome> => {
    const { key, fingerprint } = plan.keys.get(inst.id)!;
    if (!forced(inst.id)) {
      const read = await ioLimit(() => cache.read(key));
      if (read.ok) return { state: 'hit', entry: read.value };
      if (read.error.reason === 'corrupt') {
        await cache.remove(key).catch(() => undefined); // a failed removal is overwritten by the rebuild
        rebuilt.push({ id: inst.id, detail: read.error.detail });
        emit({ type: 'corrupt-rebuilt', id: inst.id, key, detail: read.error.detail });
      }
    }
    const depOutcomes = await Promise.all(inst.deps.map((d) => resolve(d).then((o) => [d, o] as const)));
    if (depOutcomes.some(([, o]) => o.state === 'cancelled')) return { state: 'cancelled' };
    let firstFailure: string | undefined;
    for (const [dep, o] of depOutcomes) {
      if (o.state === 'failed') firstFailure ??= dep;
      if (o.state === 'skipped' || o.state === 'partial') firstFailure ??= o.failedAncestor;
    }
    const present = depOutcomes.filter(([, o]) => o.state === 'hit' || o.state === 'done').map(([d]) => d);
    let writeKey = key;
    if (firstFailure !== undefined) {
      if (!inst.partialInputs || present.length === 0) return { state: 'skipped', failedAncestor: firstFailure };
      writeKey = partialKey(key, present);
      const prior = await ioLimit(() => cache.read(writeKey));
      if (prior.ok && !forced(inst.id)) {
        partial.push({ id: inst.id, missing: firstFailure });
        return { state: 'partial', entry: prior.value, failedAncestor: firstFailure };
      }
    }
    const inputs: ArtifactInput[] = present.map((dep) => {
      const e = entries.get(dep)!;
      return { id: dep, kind: byId.get(dep)!.kind, key: e.key, result: e.result, dir: e.dir };
    });
    return runLimit(async (): Promise<Outcome> => {
      if (signal.aborted || stopped) return { state: 'cancelled' };
      emit({ type: 'start', id: inst.id, key });
      const startedAt = new Date();
      const t = performance.now();
      let res;
      try {
        res = await runner.run(inst, key, inputs, signal, {
          log: (line) => emit({ type: 'log', id: inst.id, line }),
          progress: (fraction, note) =>
            emit({ type: 'progress', id: inst.id, fraction, ...(note !== undefined ? { note } : {}) }),
        }, { key: writeKey, fingerprint, replace: forced(inst.id) });
      } catch (e) {
        res = {
          ok: false as const,
          error: { reason: 'threw' as const, message: e instanceof Error ? e.message : String(e) },
        };
      }
      const wallMs = performance.now() - t;
      const endedAt = new Date();
      if (signal.aborted) return { state: 'cancelled' }; // whatever came back, write nothing
      const fail = async (error: StageFailure): Promise<Outcome> => {
        const message = failureMessage(error);
        failed.push({ id: inst.id, error, message });
        if (!keepGoing) stopped = true;
        emit({ type: 'failed', id: inst.id, error, message });
        await cache
          .recordRun(inst.id, key, fingerprint, { wallMs, finishedAt: endedAt.toISOString(), status: 'failed', error: message })
          .catch(() => undefined);
        return { state: 'failed' };
      };
      if (!res.ok) return fail(res.error);
      const value = res.value;
      const written =
        'stored' in value
          ? // A remote job stored the entry itself: verify it by reading it back.
            await ioLimit(() => cache.read(writeKey)).then((r) =>
              r.ok ? r : err({ detail: M.remoteEntryUnreadable(cacheFailureDetail(r.error)) }),
            )
          : await cache.write(
              writeKey,
              fingerprint,
              value.output,
              {
                id: inst.id,
                kind: inst.kind,
                startedAt: startedAt.toISOString(),
                endedAt: endedAt.toISOString(),
                wallMs,
                backend: value.backend,
                log: value.log,
              },
              { replace: forced(inst.id) },
            );
      if (!written.ok) return fail({ reason: 'cache-write', detail: written.error.detail });
      await cache
        .recordRun(inst.id, writeKey, fingerprint, { wallMs, finishedAt: endedAt.toISOString(), status: 'done' })
        .catch(() => undefined);
      executed.push(inst.id);
      emit({ type: 'done', id: inst.id, key: writeKey, wallMs });
      if (writeKey !== key) {
        partial.push({ id: inst.id, missing: firstFailure! });
        return { state: 'partial', entry: written.value, failedAncestor: firstFailure! };
      }
      return { state: 'done', entry: written.value };
    });
  };

  for (const inst of plan.instances) emit({ type: 'queued', id: inst.id });
  await Promise.all(plan.instances.map((i) => resolve(i.id)));

  const aborted = signal.aborted;
  return {
    total: plan.instances.length,
    executed,
    hits,
    failed,
    skipped,
    cancelled,
    rebuilt,
    partial,
    aborted,
    wallMs: performance.now() - t0,
    ok: failed.length === 0 && skipped.length === 0 && cancelled.length === 0 && !aborted,
  };
}
