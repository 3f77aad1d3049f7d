/**
 * Types of the claims library: the vocabulary a `pipeline.yaml` check is
 * written in, and what evaluating it yields.
 *
 * A check is data (`{kind, ...params}`), fixed before any result exists, so
 * that the criterion is part of the cache key of the claims stage and cannot
 * drift after looking at a figure. Evaluating it never throws on "bad"
 * science: a claim that does not hold is a FAIL with the measured numbers, a
 * claim whose data is absent (no super-critical run in the grid, a dataset
 * missing) is NOT-RUN with the reason.
 */
import type { JsonValue } from '../core/json.js';

export type ClaimStatus = 'PASS' | 'FAIL' | 'NOT-RUN';

/** The outcome of one check. `measured` and `criterion` are human-readable and end up in the report. */
export interface ClaimResult {
  status: ClaimStatus;
  /** What the data says, with numbers (or, for NOT-RUN, why nothing could be measured). */
  measured: string;
  /** The numeric criterion in words, as fixed in the config. */
  criterion: string;
  /** Machine-readable numbers behind `measured` (per-run values, per-experiment sub-results). */
  details?: JsonValue;
}

/**
 * The learning-rate axis a threshold is expressed on. All are proportional to
 * the absolute η for a given initialisation:
 *  - `absolute`: η itself
 *  - `value`: the matrix value as declared in pipeline.yaml (in the experiment's `etaUnit`)
 *  - `critical`: η/η_crit (Zhu's units; η_crit = 2/λmax(∇²L(w0)))
 *  - `lambda`: η·λmax(H0) (Meltzer & Liu's units; = 2·η/η_crit)
 *  - `lambda1`, `lambda2`: η/(2/λ_k) where λ_k is the loss-Hessian eigenvalue along p_k
 *    (1-D data, Zhu fig 3/5): 1 means η = 2/λ_k. Needs `lambda12` in the init row.
 */
export type Axis = 'absolute' | 'value' | 'critical' | 'lambda' | 'lambda1' | 'lambda2';
export const AXES: readonly Axis[] = ['absolute', 'value', 'critical', 'lambda', 'lambda1', 'lambda2'];

/**
 * One end of a range or a threshold: a number on the check's axis, `null` for
 * unbounded, or a theoretical bound of the run's own initialisation
 * (`InitRow.bounds[name]`, in units of ηλmax(H0), converted to the axis),
 * optionally scaled.
 */
export type Endpoint = number | null | { bound: string; scale?: number };
export type Range = [Endpoint, Endpoint];

/** Per-step quantities a check can read from trajectories. `sharpness` is η·λmax(H_t). */
export type Quantity = 'loss' | 'theta2' | 'distance' | 'sharpness' | 'lambda1' | 'lambda2' | 'testLoss' | 'testAcc';
export const QUANTITIES: readonly Quantity[] = ['loss', 'theta2', 'distance', 'sharpness', 'lambda1', 'lambda2', 'testLoss', 'testAcc'];

/**
 * What "converged" means for a run.
 *
 * - `removable` (default): the run did not diverge and the removable part of
 *   the loss vanished: `final − floor ≤ removable · (loss0 − floor)`. With
 *   `floor: zero` this is "final loss ≤ 1% of the initial loss" (default
 *   removable 0.01). 1-D data without bias cannot reach zero loss, so there the
 *   floor is the best-fit loss: `min-final` takes the smallest final loss of
 *   any non-diverged run of the same experiment, seed and variant (the
 *   sub-critical runs reach it), `{extra: name}` reads `InitRow.extra[name]`,
 *   a number is used as is.
 * - `not-diverged`: the trainer did not flag divergence (Zhu's real-data
 *   figures train for a fixed number of steps; a sub-critical f_lin need not
 *   have reached 1% of its initial loss, yet it "converges").
 * The trainer's own `converged` status (loss change below tol) is *not*
 * sufficient on its own: a ReLU net whose neurons died stops changing at a
 * non-zero loss (Meltzer & Liu fig 10) and must not count as converged.
 */
export type ConvergedRule =
  | { mode: 'removable'; removable?: number; floor?: 'zero' | 'min-final' | number | { extra: string } }
  | { mode: 'not-diverged' };

/** Selection shared by every run-based check. */
export interface Selection {
  /** Experiment (metrics table) to read; absent = every input table, each evaluated on its own. */
  experiment?: string;
  variant?: string | string[];
  seed?: number | number[];
  converged?: ConvergedRule;
}

/** A check as written in pipeline.yaml (validated against CHECK_KINDS before it is evaluated). */
export type Check = { kind: string } & Record<string, unknown>;
