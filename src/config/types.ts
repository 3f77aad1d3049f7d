/**
 * The resolved shape of pipeline.yaml after profiles, templates (`use:`) and
 * `--set` overrides are applied. `schemas/pipeline.schema.json` is the
 * authoritative description of the file a user writes; these types are what
 * the rest of catapult reads once validation has passed.
 */

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'node';

/**
 * Loss convention, explicit per experiment because the two papers differ:
 * L = c · Σ_i (f(x_i) − y_i)² with c = (half ? 1/2 : 1) · (mean ? 1/n : 1).
 * Zhu's reported critical rates match {reduction: mean, half: false};
 * Meltzer & Liu use {reduction: mean, half: true} (L = 1/(2D) Σ).
 */
export interface LossConvention {
  reduction: 'sum' | 'mean';
  half: boolean;
}

export interface Defaults {
  backend: BackendName;
  /** Data root for real datasets; env CATAPULT_DATA_ROOT and --set defaults.dataRoot override. */
  dataRoot: string;
  loss: LossConvention;
  /** A run diverges when the loss is non-finite or exceeds ceiling × initial loss. */
  divergenceCeiling: number;
}

// ---------------------------------------------------------------- execution

export type ExecutorName = 'local' | 'slurm';

/**
 * `execution:` — how a run is carried out, as opposed to what it computes.
 * Kept out of every fingerprint so an entry computed on a laptop is a hit on
 * the cluster and vice versa. Defaults are filled by the executor that reads it.
 */
export interface ExecutionSpec {
  executor?: ExecutorName;
  cacheDir?: string;
  jobs?: number;
  slurm?: SlurmSpec;
}

/** One job's resource request; absent fields fall back to `default`, then to built-in defaults. */
export interface SlurmResources {
  cpus?: number;
  mem?: string;
  time?: string;
}

/** `execution.slurm` as written (see schemas/pipeline.schema.json for each field's meaning and default). */
export interface SlurmSpec {
  partition?: string;
  options?: Record<string, string | number | boolean>;
  arrays?: boolean;
  maxArraySize?: number;
  arrayThrottle?: number;
  pollSeconds?: number;
  controllerTimeoutSeconds?: number;
  batchWindowMs?: number;
  command?: string[];
  resources?: Partial<Record<'default' | 'dataset' | 'init' | 'train' | 'metrics' | 'plot' | 'claims', SlurmResources>>;
}

// ---------------------------------------------------------------- datasets

export type DatasetSpec = SyntheticDatasetSpec | RealDatasetSpec;

/** Data generated from a seed; nothing is read from disk. */
export interface SyntheticDatasetSpec {
  generator:
    | 'points' // explicit (x, y) list, e.g. the toy dataset (1, 0)
    | 'gaussian-mixture' // 1-D or d-D two-class mixture, Zhu fig 3
    | 'uniform' // x ~ U(box), y ~ U(range): Meltzer fig 4 / 9
    | 'unit-gaussian' // x ~ N(0, I) normalised to the unit sphere, y = ±1 (GQM)
    | 'teacher'; // x ~ U(box), y = teacher model output (Meltzer figs 5, 7)
  seed: number;
  /** Generator-specific numbers (sizes, means, boxes, teacher model); validated by the dataset schema. */
  params: Record<string, unknown>;
}

/** A subset of a real dataset read from the data root. */
export interface RealDatasetSpec {
  source: 'mnist' | 'fashion-mnist' | 'cifar10' | 'svhn' | 'fsdd' | 'ag-news';
  /** Two class ids: the first is labelled −1, the second +1. */
  classes: [number, number];
  train: number;
  /** Test size; 'all' takes every available test example of the two classes. */
  test: number | 'all';
  seed: number;
  features: FeatureSpec;
}

export type FeatureSpec =
  | { kind: 'pixels'; scale: 'unit' } // pixels / 255
  | { kind: 'pixels'; scale: 'channel-standardise'; mean: number[]; std: number[] }
  | { kind: 'mfcc'; frames: number; coefficients: number }
  | { kind: 'log-mel'; frames: number; bands: number }
  | { kind: 'tfidf'; buckets: number; /** Row norm: 1 (`l2`, default) or √buckets (`sqrt-d`). */ norm?: 'l2' | 'sqrt-d' };

// ---------------------------------------------------------------- models

export type ActivationName = 'relu' | 'tanh' | 'swish' | 'homogeneous' | 'identity';

export type ModelSpec =
  | { arch: 'fc2'; width: number; activation: ActivationName; slopes?: [number, number] }
  | { arch: 'fc3'; width: number; activation: ActivationName; slopes?: [number, number] }
  | { arch: 'cnn2'; channels: number; kernel: number; activation: ActivationName }
  | {
      arch: 'pure-quadratic';
      /** Number of parameters θ. */
      n: number;
      /** ζ² (e.g. 2/n); default 1/n. */
      zeta2?: number;
      /** Eigenvalues of each W^i: `half-uniform` = n/2 from U[lo,hi] and their negatives. */
      eigen: { kind: 'half-uniform' | 'pm-uniform' | 'pm-one'; low?: number; high?: number };
      /** Meta-feature nonlinearity g in ψ(x) = g(Σ_i x_i W^i). */
      g: 'identity' | 'tanh';
      /** Student rank: project θ onto a rank-r subspace (teacher–student), else full. */
      rank?: number;
      /**
       * Seed of the fixed meta-features (B, eigenvalues, U); defaults to the init seed.
       * Teacher–student needs it: the dataset's teacher and the student must share W^i.
       */
      featureSeed?: number;
      /** ζ² of the teacher in teacher–student (default 1/n). */
      teacherZeta2?: number;
    }
  | {
      arch: 'quadratic-bias';
      nPsi: number;
      nPhi: number;
      zeta2?: number;
      eigen: { kind: 'pm-one' | 'pm-uniform'; low?: number; high?: number };
      g: 'identity' | 'tanh';
      /** Teacher–student (Meltzer fig 7): the student keeps the leading nPsi/nPhi indices of the teacher's blocks. */
      student?: { nPsi: number; nPhi: number };
      /** Seed of the fixed features (B, eigenvalues, U); defaults to the init seed; required for teacher–student. */
      featureSeed?: number;
      /** ζ² of the teacher in teacher–student (default 1/nPsi). */
      teacherZeta2?: number;
    }
  | {
      arch: 'gqm';
      /** Dimension of w and φ(x). */
      d: number;
      gamma: number;
      /** w0 ~ N(0, I) ('normal') or w0 = 0 ('zero', the authors' script). */
      init: 'normal' | 'zero';
      /** Seed of Σ(x) (one random ±1 diagonal per distinct input); defaults to the init seed. */
      featureSeed?: number;
    };

/** Which model is trained: the network, its linearisation, or its quadratic model (around w0). */
export type Variant = 'net' | 'lin' | 'quad';

// ---------------------------------------------------------------- training

/**
 * A learning-rate axis. `unit` says how values become an absolute η:
 *  - `absolute`: η = v
 *  - `critical`: η = v · η_crit, η_crit = 2 / λmax(∇²L) (Gauss–Newton part, at w0)
 *  - `lambda`:   η = v / λmax(∇²L) (Meltzer & Liu's ηλmax(H0))
 */
export type EtaAxis =
  | { values: number[]; unit: 'absolute' | 'critical' | 'lambda' }
  | { from: number; to: number; step: number; unit: 'absolute' | 'critical' | 'lambda' };

export interface TrainSpec {
  optimizer: 'gd' | 'sgd';
  /** Minibatch size for SGD. */
  batch?: number;
  /** Step cap. */
  steps: number;
  /** Stop when |L_t − L_{t−1}| < tol · max(L_{t−1}, tiny) (relative) — or absolute if `tolAbsolute`. */
  tol?: number;
  tolAbsolute?: boolean;
  /** Evaluate test loss/accuracy every k steps (0 = never). */
  evalEvery: number;
  /** Trajectory recording: every step for the first `dense` steps, then ~`points` log-spaced. */
  record: { dense: number; points: number };
  /** Which per-step metrics to record (cost: kernel eigenvalues are not free). */
  metrics: Array<'loss' | 'theta2' | 'distance' | 'ntk' | 'lambda12' | 'sparsity' | 'test'>;
  /** Record `ntk`/`lambda12` every k-th recorded point only (they cost a kernel evaluation). */
  kernelEvery?: number;
}

export interface MatrixSpec {
  eta: EtaAxis;
  seed: number[];
  variant: Variant[];
}

export interface ExperimentSpec {
  dataset: string;
  model: ModelSpec;
  loss: LossConvention;
  train: TrainSpec;
  matrix: MatrixSpec;
  /** Initialisation seed when the matrix seed should not change the init (Meltzer: fixed init). */
  initSeed?: number;
  divergenceCeiling: number;
}

// ---------------------------------------------------------------- figures

export interface ClaimSpec {
  id: string;
  /** The claim in words, as in FIGURES.md. */
  text: string;
  /** An executable check: kind plus its numeric criterion, fixed before looking at results. */
  check: { kind: string } & Record<string, unknown>;
}

export interface FigureSpec {
  paper: 'zhu' | 'ml';
  title: string;
  caption: string;
  experiments: string[];
  /** Chart template under stages/plot/templates and its options. */
  chart: { template: string } & Record<string, unknown>;
  claims: ClaimSpec[];
}

export interface PipelineConfig {
  version: 1;
  defaults: Defaults;
  /** Where stages run and where the cache lives; never part of a cache key. */
  execution?: ExecutionSpec;
  datasets: Record<string, DatasetSpec>;
  experiments: Record<string, ExperimentSpec>;
  figures: Record<string, FigureSpec>;
}
