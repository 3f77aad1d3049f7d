/**
 * The contract between the numerics library and the stages that call it.
 * Stages pass plain arrays in and get plain JSON-able summaries out, so the
 * numerics can keep tensors private (and disposed) and stages stay thin.
 */
import type { LossConvention, ModelSpec, TrainSpec, Variant } from '../config/types.js';

/** A dataset as dense float32 arrays, row-major. */
export interface DataArrays {
  /** Per-example input shape, e.g. [1], [784], or [32, 32, 3] (HWC) for the CNN. */
  inputShape: number[];
  nTrain: number;
  xTrain: Float32Array;
  yTrain: Float32Array;
  nTest: number;
  xTest: Float32Array;
  yTest: Float32Array;
}

/** What the init stage records: cheap scalars, never the weights (they regenerate from the seed). */
export interface InitSummary {
  seed: number;
  /** θ0² = ‖w0‖². */
  theta2: number;
  /** Initial training loss under the experiment's convention. */
  loss0: number;
  /** λmax of the tangent kernel K = J Jᵀ (unnormalised). */
  lambdaMaxK: number;
  /** λmax of the Gauss–Newton part of ∇²L: 2c·λmax(K) for L = c Σ (f − y)². */
  lambdaMaxH: number;
  /** 2 / lambdaMaxH. */
  etaCrit: number;
  /** λ1, λ2 along p1, p2 (1-D data only), raw kernel units. */
  lambda12?: [number, number];
  /** Theoretical bounds on ηλmax(H0) (Meltzer & Liu Table 1 and equations), by name, e.g. {"table1-upper": 4.0}. */
  bounds?: Record<string, number>;
  /** Anything else worth showing (e.g. activation sparsity at init). */
  extra?: Record<string, number | number[]>;
}

export type RunStatus = 'converged' | 'diverged' | 'capped';

/** A recorded trajectory: parallel arrays indexed by recorded point. */
export interface Trajectory {
  step: number[];
  loss: number[];
  theta2?: number[];
  /** ‖w − w0‖. */
  distance?: number[];
  /** λmax(∇²L) (Gauss–Newton) at the recorded step; multiply by η for ηλmax(H_t). */
  lambdaMaxH?: number[];
  lambda1?: number[];
  lambda2?: number[];
  testLoss?: number[];
  testAcc?: number[];
  /** Fraction of inactive units per hidden layer. */
  sparsity?: number[][];
}

export interface TrainResult {
  variant: Variant;
  seed: number;
  eta: number;
  status: RunStatus;
  /** Why it stopped, in words (e.g. "loss 3.2e12 > ceiling 1.0e9 at step 41"). */
  reason: string;
  steps: number;
  trajectory: Trajectory;
  final: {
    loss: number;
    theta2?: number;
    lambdaMaxH?: number;
    testLoss?: number;
    testAcc?: number;
    sparsity?: number[];
  };
  /** Minimum test loss over training (evaluated every evalEvery steps) and the accuracy at that step. */
  best?: { testLoss: number; testAcc: number; step: number };
  /** Wall time and a FLOP estimate, for benchmarks. */
  timing?: { seconds: number; flops?: number };
}

export interface TrainOptions {
  /** Divergence ceiling as a multiple of the initial loss. */
  ceiling: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, note?: string) => void;
}

/** Signatures the stages call; implemented in src/numerics/index.ts. */
export type InitFn = (spec: ModelSpec, data: DataArrays, loss: LossConvention, seed: number) => Promise<InitSummary>;
export type TrainFn = (
  spec: ModelSpec,
  variant: Variant,
  data: DataArrays,
  loss: LossConvention,
  seed: number,
  eta: number,
  train: TrainSpec,
  options: TrainOptions,
) => Promise<TrainResult>;
