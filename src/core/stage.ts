import type { JsonValue } from './json.js';

/**
 * The stage kinds of a pipeline, in dataflow order. A figure is built by the
 * chain dataset → init → train (one instance per η × seed × variant) → metrics
 * → plot / claims, and every figure ends in the single `report` instance.
 */
export const STAGE_KINDS = ['dataset', 'init', 'train', 'metrics', 'plot', 'claims', 'report'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

/**
 * One node of the DAG: a stage kind applied to fully resolved params.
 *
 * `params` holds exactly the values the stage reads — nothing more — because
 * they are hashed into the cache key: a field that a stage does not read must
 * not be in its params, or editing it would rerun the stage for nothing.
 * Paths on disk (the data root, the cache dir) are never params; they reach the
 * stage through `StageContext`, so moving a dataset does not invalidate results.
 */
export interface StageInstance {
  /** Stable, human-readable id, e.g. `train:zhu-fig3[eta=1.5,seed=0,variant=quad]`. */
  readonly id: string;
  readonly kind: StageKind;
  readonly params: JsonValue;
  /** Ids of upstream instances whose artifacts this one reads, in a fixed order. */
  readonly deps: readonly string[];
  /** Experiment or figure the instance belongs to; used to collapse the graph and report status. */
  readonly group: string;
  /** Figures that (transitively) need this instance; filled by the graph builder. */
  readonly figures?: readonly string[];
  /**
   * May run on the inputs that exist when some deps failed (plots and claims:
   * a figure with one missing dataset still shows its other panels). Such a
   * partial result is never stored under the instance's key — that key
   * promises all inputs — but under a key derived from it and the inputs
   * present, so a later run with the data supplied recomputes it.
   */
  readonly partialInputs?: boolean;
}

/** A finished upstream artifact, as a stage sees it. */
export interface ArtifactInput {
  readonly id: string;
  readonly kind: StageKind;
  /** Cache key of the entry. */
  readonly key: string;
  /** The entry's `result.json`. */
  readonly result: JsonValue;
  /** Absolute directory of the entry (read-only), for side files. */
  readonly dir: string;
}

/** What a stage returns; the cache writes it atomically. */
export interface ArtifactOutput {
  /** Small JSON value every consumer reads (numbers, trajectories, specs). */
  readonly result: JsonValue;
  /** Extra named files stored beside result.json (SVG, PNG, Float32 tensors). */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
}

/** Everything a stage may use besides its params and inputs. */
export interface StageContext {
  readonly id: string;
  readonly key: string;
  /** Numeric backend actually running in this worker, e.g. `wasm`. */
  readonly backend: string;
  /** Absolute data root (datasets), resolved from config / env / --set. */
  readonly dataRoot: string;
  /** Repository root (for templates, checksum files). */
  readonly repoRoot: string;
  /** When true, dataset stages must not touch the network. */
  readonly offline: boolean;
  readonly signal: AbortSignal;
  /** Appends a line to the entry's run log (kept in its manifest). */
  log(message: string): void;
  /** Reports progress in [0, 1] for the live display. */
  progress(fraction: number, note?: string): void;
}

/**
 * A stage implementation, one per kind, living in `stages/<kind>/`. What
 * enters its key besides params and inputs (its source files, whether the
 * backend matters) is declared in `stages/manifest.ts`, kept apart so that
 * planning never loads the implementations.
 */
export interface StageImpl {
  readonly kind: StageKind;
  run(params: JsonValue, inputs: readonly ArtifactInput[], ctx: StageContext): Promise<ArtifactOutput>;
}
