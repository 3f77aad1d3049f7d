/**
 * What the engine must know about each stage kind *without* loading it:
 * which source files define its behaviour (hashed into every key of that
 * kind, so editing them reruns exactly that stage and its dependents) and
 * whether its numbers depend on the numeric backend. Kept apart from the
 * implementations so `plan`, `status` and no-op runs never import tfjs or vega.
 */
import type { StageKind } from '../src/core/stage.js';

export interface StageMeta {
  /** Repo-relative files or folders whose contents enter the key. */
  readonly code: readonly string[];
  /** Whether the backend name and numeric package versions enter the key. */
  readonly numeric: boolean;
}

export const STAGE_META: Readonly<Record<StageKind, StageMeta>> = {
  dataset: { code: ['stages/dataset', 'src/data', 'src/numerics/rng.ts'], numeric: false },
  init: { code: ['stages/init', 'src/numerics'], numeric: true },
  train: { code: ['stages/train', 'src/numerics'], numeric: true },
  metrics: { code: ['stages/metrics', 'src/core/metrics.ts'], numeric: false },
  plot: { code: ['stages/plot', 'src/report'], numeric: false },
  claims: { code: ['stages/claims', 'src/claims'], numeric: false },
  report: { code: ['stages/report', 'src/report'], numeric: false },
};
