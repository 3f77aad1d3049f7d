/**
 * MetricsTable: the one artifact shape between an experiment's runs and
 * everything that reads them (plots, claims, the report). Tidy/long format so
 * Vega-Lite can consume rows directly and claims can filter by column.
 */
import type { LossConvention, Variant } from '../config/types.js';
import type { RunStatus } from '../numerics/types.js';

export interface InitRow {
  seed: number;
  etaCrit: number;
  /** λmax(∇²L), Gauss–Newton part, at w0 (Meltzer's λmax(H0) when L = 1/(2D)Σ). */
  lambdaMaxH: number;
  lambdaMaxK: number;
  theta2: number;
  loss0: number;
  lambda12?: [number, number];
  /** Theoretical bounds in units of ηλmax(H0). */
  bounds?: Record<string, number>;
  extra?: Record<string, number | number[]>;
}

/** The learning-rate coordinates of a run, in every unit the figures use. */
export interface EtaCoords {
  /** Absolute η. */
  eta: number;
  /** The matrix value as declared (in `etaUnit`). */
  etaValue: number;
  /** η / η_crit. */
  etaRel: number;
  /** η · λmax(H0). */
  etaLambda: number;
}

export interface RunRow extends EtaCoords {
  seed: number;
  variant: Variant;
  status: RunStatus;
  reason: string;
  steps: number;
  final: {
    loss: number;
    theta2?: number;
    /** η · λmax(H_final). */
    etaLambdaFinal?: number;
    lambdaMaxH?: number;
    testLoss?: number;
    testAcc?: number;
    sparsity?: number[];
    /** θ_∞² / θ_0². */
    theta2Ratio?: number;
  };
  /** Initial loss of this run and the maximum loss seen (for catapult spikes). */
  loss0: number;
  lossMax: number;
  best?: { testLoss: number; testAcc: number; step: number };
}

export interface TrajectoryRow extends EtaCoords {
  seed: number;
  variant: Variant;
  status: RunStatus;
  step: number;
  loss: number;
  theta2?: number;
  distance?: number;
  /** η · λmax(H_t). */
  etaLambdaT?: number;
  lambda1?: number;
  lambda2?: number;
  testLoss?: number;
  testAcc?: number;
  sparsity?: number[];
}

export interface AggregateRow {
  etaValue: number;
  etaRel: number;
  etaLambda: number;
  variant: Variant;
  n: number;
  nDiverged: number;
  bestTestLoss?: { mean: number; std: number };
  bestTestAcc?: { mean: number; std: number };
  finalLoss?: { mean: number; std: number };
}

export interface MetricsTable {
  experiment: string;
  etaUnit: 'absolute' | 'critical' | 'lambda';
  loss: LossConvention;
  inits: InitRow[];
  runs: RunRow[];
  trajectories: TrajectoryRow[];
  aggregates: AggregateRow[];
}
