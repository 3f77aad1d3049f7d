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
  dataset: { code: ['stages/dataset', 'src/data', 'src/numerics/rng.ts', 'src/numerics/quadratic', 'src/messages/data.ts'], numeric: false },
  init: { code: ['stages/init', 'stages/dataset/index.ts', 'src/numerics', 'src/messages/numerics.ts', 'src/messages/quadratic.ts'], numeric: true },
  train: { code: ['stages/train', 'stages/dataset/index.ts', 'src/numerics', 'src/messages/numerics.ts', 'src/messages/quadratic.ts'], numeric: true },
  metrics: { code: ['stages/metrics', 'src/core/metrics.ts'], numeric: false },
  plot: {
    code: ['stages/plot', 'src/report/charts.ts', 'src/report/render.ts', 'src/report/template.ts', 'src/report/types.ts', 'src/messages/report.ts'],
    numeric: false,
  },
  claims: { code: ['stages/claims', 'src/claims', 'src/messages/claims.ts', 'src/core/metrics.ts'], numeric: false },
  report: {
    code: ['stages/report', 'src/report/html.ts', 'src/report/charts.ts', 'src/report/template.ts', 'src/report/types.ts', 'src/messages/report.ts'],
    numeric: false,
  },
};
