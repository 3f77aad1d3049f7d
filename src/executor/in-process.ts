import type { ArtifactInput, StageImpl, StageInstance, StageKind } from '../core/stage.js';
import { err, ok, type Result } from '../core/result.js';
import type { StageFailure, StageReporter, StageRunner, StageSuccess } from './types.js';

/** The parts of a `StageContext` that are the same for every stage of a run. */
export interface ContextBase {
  readonly dataRoot: string;
  readonly repoRoot: string;
  readonly offline: boolean;
  /** Backend running in this thread (reported in manifests); `none` when no numerics are loaded. */
  readonly backend: string;
}

/** A stage kind → implementation table, as `stages/index.ts` exports it. */
export type StageRegistry = Partial<Record<StageKind, StageImpl>>;

/**
 * Imports a registry module (stages/index) in a fresh thread or process and
 * lets it prepare the numerics there (`prepareWorker`). Shared by the pool
 * worker and the Slurm node side; throws with a message when the module does
 * not load, has no `registry`, or refuses the worker options.
 */
export async function loadRegistryModule(href: string, workerOptions: unknown): Promise<{ registry: StageRegistry; backend: string }> {
  const mod = (await import(href)) as { registry?: StageRegistry; prepareWorker?: (options: unknown) => Promise<{ backend: string }> };
  if (!mod.registry || typeof mod.registry !== 'object') throw new Error(`${href} does not export "registry"`);
  const backend = typeof mod.prepareWorker === 'function' ? (await mod.prepareWorker(workerOptions)).backend : 'none';
  return { registry: mod.registry, backend };
}

/**
 * Runs one stage in the current thread and turns a throw into a `StageFailure`.
 * Shared by the in-process runner and the worker entry so both behave the same.
 */
export async function runStage(
  impl: StageImpl | undefined,
  instance: StageInstance,
  key: string,
  inputs: readonly ArtifactInput[],
  signal: AbortSignal,
  base: ContextBase,
  reporter?: StageReporter,
): Promise<Result<StageSuccess, StageFailure>> {
  if (!impl) return err({ reason: 'unknown-kind', kind: instance.kind });
  if (signal.aborted) return err({ reason: 'aborted' });
  const log: string[] = [];
  try {
    const output = await impl.run(instance.params, inputs, {
      id: instance.id,
      key,
      backend: base.backend,
      dataRoot: base.dataRoot,
      repoRoot: base.repoRoot,
      offline: base.offline,
      signal,
      log: (message) => {
        log.push(message);
        reporter?.log(message);
      },
      progress: (fraction, note) => reporter?.progress(fraction, note),
    });
    if (signal.aborted) return err({ reason: 'aborted' });
    return ok({ output, log, backend: base.backend });
  } catch (e) {
    if (signal.aborted) return err({ reason: 'aborted' });
    return err({
      reason: 'threw',
      message: e instanceof Error ? e.message : String(e),
      ...(e instanceof Error && e.stack !== undefined ? { stack: e.stack } : {}),
    });
  }
}

/**
 * Runs stages on the main thread. Used by tests, by `--jobs 1`, and for stages
 * that are I/O-bound; numerics go through {@link WorkerPoolRunner} so each
 * worker has its own backend.
 */
export class InProcessRunner implements StageRunner {
  constructor(
    private readonly registry: StageRegistry,
    private readonly base: ContextBase,
  ) {}

  run(
    instance: StageInstance,
    key: string,
    inputs: readonly ArtifactInput[],
    signal: AbortSignal,
    reporter?: StageReporter,
  ): Promise<Result<StageSuccess, StageFailure>> {
    return runStage(this.registry[instance.kind], instance, key, inputs, signal, this.base, reporter);
  }
}
