/**
 * Types of the report side: chart options a figure declares in pipeline.yaml
 * (`figures.<id>.chart`), the plot stage's artifact, and `ReportInput`, the
 * one value from which the static HTML report is built. The report is a pure
 * function of `ReportInput` so that rebuilding it when nothing changed is a
 * cache hit (the integrator hashes the input).
 */
import type { JsonValue } from '../core/json.js';

/** Which learning-rate coordinate the x axis / colour legend shows. */
export type EtaAxisKind = 'critical' | 'lambda' | 'absolute';

/** Per-step series a trajectories chart can show (columns of `TrajectoryRow`). */
export const TRAJECTORY_PANELS = ['loss', 'theta2', 'etaLambdaT', 'lambda1', 'lambda2', 'distance', 'testLoss', 'testAcc'] as const;
export type TrajectoryPanel = (typeof TRAJECTORY_PANELS)[number];

/** Per-run final quantities a sweep chart can show against η. */
export const SWEEP_PANELS = ['etaLambdaFinal', 'theta2Ratio', 'loss', 'testLoss', 'testAcc', 'sparsity'] as const;
export type SweepPanel = (typeof SWEEP_PANELS)[number];

export const CHART_TEMPLATES = ['trajectories', 'sweep', 'best-vs-eta', 'table'] as const;
export type ChartTemplate = (typeof CHART_TEMPLATES)[number];

/**
 * Options every template accepts. They live in the figure's `chart` block, so
 * they are part of the plot stage's params: editing one re-renders only that
 * figure.
 */
export interface CommonChartOptions {
  template: ChartTemplate;
  /** η/η_crit (`critical`), ηλmax(H0) (`lambda`) or raw η. Default: the experiment's `etaUnit` (absolute → critical). */
  etaAxis?: EtaAxisKind;
  /** Width / height of one panel in pixels (defaults 220 / 170). */
  width?: number;
  height?: number;
  /** Panels with a log-scale y axis (trajectories default `['loss']`). */
  logY?: string[];
  /** Colour scheme keyed on η (any Vega scheme; default `viridis`). */
  scheme?: string;
  /** Subtitle under the figure title. */
  subtitle?: string;
  /** Per-experiment panel titles (default: the experiment name). */
  panelTitles?: Record<string, string>;
  /** Draw only these of the figure's experiments (the others feed only its claims); default all. */
  experiments?: string[];
  /** Panels per row before wrapping (default 4). */
  columns?: number;
}

export interface TrajectoriesOptions extends CommonChartOptions {
  template: 'trajectories';
  /** Series to draw, one panel each; default the available ones of loss, theta2, etaLambdaT. */
  panels?: TrajectoryPanel[];
  /** Only these η values (in `etaAxis` units, matched to 1e-6 relative); default all. */
  etas?: number[];
  /** Only this seed (default: the smallest seed). */
  seed?: number;
  /** Only these variants, in this row order (default all, order net, lin, quad). */
  variants?: string[];
  /** Log-scale step axis (step 0 is dropped). */
  logX?: boolean;
  /** Last step shown. */
  maxStep?: number;
  /** Explicit y domains per panel, e.g. `{loss: [1e-12, 100]}`. Default: the range of non-diverged runs. */
  domains?: Record<string, [number, number]>;
  /** Maximum points kept per run (peaks and the last point always kept); default 300. */
  maxPointsPerRun?: number;
  /** Colour by η (default) or by experiment (zhu-fig6 (ii): one line per γ / width at fixed η). */
  colorBy?: 'eta' | 'experiment';
}

export interface SweepOptions extends CommonChartOptions {
  template: 'sweep';
  /** Default `['etaLambdaFinal', 'theta2Ratio']`. */
  panels?: SweepPanel[];
  /** Names of `inits[].bounds` to draw (default: all). */
  bounds?: string[];
  /** Display labels for bounds, by name. */
  boundLabels?: Record<string, string>;
  /** Diverged runs: open markers at the top of the axis (default) or omitted with a note. */
  diverged?: 'marker' | 'omit';
  variants?: string[];
  domains?: Record<string, [number, number]>;
}

export interface BestVsEtaOptions extends CommonChartOptions {
  template: 'best-vs-eta';
  /** Best test loss (default) or the accuracy at the best-test-loss step. */
  metric?: 'testLoss' | 'testAcc';
  variants?: string[];
}

export interface TableOptions extends CommonChartOptions {
  template: 'table';
  bounds?: string[];
  boundLabels?: Record<string, string>;
}

export type ChartOptions = TrajectoriesOptions | SweepOptions | BestVsEtaOptions | TableOptions;

/** The plot stage's params, exactly as the graph builder writes them. */
export interface PlotParams {
  figure: string;
  paper: string;
  title: string;
  chart: ChartOptions;
}

/** A Vega-Lite specification (kept structural: we build and read it as JSON). */
export type VegaLiteSpec = { [key: string]: JsonValue };

/** What `usermeta.catapult` of every spec we build holds, so a spec can be re-rendered (e.g. overlaid by `--compare`). */
export interface SpecMeta {
  template: ChartTemplate;
  figure: string;
  title: string;
  options: JsonValue;
  /** Extents derived from the data (η domain, panel domains); recomputed on overlay. */
  context: JsonValue;
}

/** The plot stage's `result.json`. */
export interface PlotResult {
  figure: string;
  /** Vega-Lite v6 with inline data. */
  spec: VegaLiteSpec;
  svgFile: 'figure.svg';
  pngFile: 'figure.png';
  specFile: 'figure.vl.json';
  /** Rows of inline data (after thinning). */
  dataRows: number;
  /** Non-fatal notes shown under the chart (e.g. "3 diverged runs omitted"). */
  notes: string[];
}

// ---------------------------------------------------------------- report input

export type FigureStatus = 'built' | 'stale' | 'failed' | 'missing-data' | 'not-run';
export type ClaimStatus = 'PASS' | 'FAIL' | 'NOT-RUN';

/** One executable claim check as the claims stage records it. */
export interface ClaimResult {
  id: string;
  text: string;
  status: ClaimStatus;
  /** Measured value(s); any JSON, shown compactly. */
  measured: JsonValue;
  criterion: string;
  /** Why NOT-RUN or extra context. */
  note?: string;
}

/** What a missing dataset needs from the user. */
export interface MissingData {
  dataset: string;
  /** e.g. `cifar10`. */
  source: string;
  /** Where catapult looked (absolute paths or data-root-relative). */
  expected: string[];
  /** How to supply it, in words (the data stage's message). */
  how: string;
}

/** A stage that failed for this figure. */
export interface StageFailure {
  stage: string;
  message: string;
}

/**
 * Where a figure came from: enough to reproduce it and to judge whether two
 * reports can be compared. Filled by the integrator from the cache manifests.
 */
export interface Provenance {
  /** The plot stage's resolved params plus its experiments' (all that enters the keys). */
  params: JsonValue;
  /** Cache key (fingerprint) of the plot stage, and of each upstream stage when known. */
  key: string;
  stages?: { id: string; key: string; wallSeconds?: number; cached?: boolean }[];
  gitCommit?: string;
  gitDirty?: boolean;
  /** Package versions (catapult, @tensorflow/tfjs, vega, ...). */
  packages: Record<string, string>;
  backend?: string;
  seeds: number[];
  /** Sum of the figure's stages' wall time, seconds. */
  wallSeconds?: number;
  /** When the plot was built (ISO); omitted to keep the report byte-reproducible. */
  builtAt?: string;
  /** Command that regenerates just this figure, e.g. `npx catapult run zhu-fig3`. */
  command: string;
}

export interface ReportFigure {
  id: string;
  paper: string;
  title: string;
  caption: string;
  status: FigureStatus;
  /** The plot artifact (status built/stale). */
  plot?: { spec: VegaLiteSpec; svg?: string; png?: Uint8Array; notes?: string[] };
  /** Why it is stale (status stale), e.g. "config changed since the cached plot". */
  staleReason?: string;
  failures?: StageFailure[];
  missing?: MissingData[];
  claims: ClaimResult[];
  provenance?: Provenance;
  /** In a comparison (`buildComparison`): the second side's provenance. */
  provenanceB?: Provenance;
}

export interface ReportPaper {
  id: string;
  title: string;
  /** Short citation shown under the heading. */
  citation?: string;
}

/** Everything the report shows; `buildReport` is a pure function of it. */
export interface ReportInput {
  title: string;
  /** Shown in the header; omit for byte-reproducible output. */
  generatedAt?: string;
  /** Run-wide facts shown in the header and used when a figure's provenance lacks them. */
  project: {
    gitCommit?: string;
    gitDirty?: boolean;
    packages: Record<string, string>;
    backend?: string;
    profile?: string;
    configFile?: string;
  };
  papers: ReportPaper[];
  figures: ReportFigure[];
  /** Set by buildComparison: the two sides' labels. */
  compare?: { a: string; b: string };
}
