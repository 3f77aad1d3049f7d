/**
 * User-facing text of the claims library: criteria, measured values and
 * NOT-RUN reasons as they appear in the report (tested verbatim).
 */

/** 4 significant digits; exponent form for very large or small magnitudes. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export type EndpointText = number | null | { bound: string; scale?: number };

const AXIS_SYMBOL: Record<string, string> = {
  absolute: 'η',
  value: 'η (declared units)',
  critical: 'η/η_crit',
  lambda: 'ηλmax(H0)',
  lambda1: 'η/(2/λ1)',
  lambda2: 'η/(2/λ2)',
};
export const axisSymbol = (axis: string): string => AXIS_SYMBOL[axis] ?? axis;

const QUANTITY_SYMBOL: Record<string, string> = {
  loss: 'L',
  theta2: 'θ²',
  distance: '‖w−w0‖',
  sharpness: 'ηλmax(H)',
  lambda1: 'λ1',
  lambda2: 'λ2',
  testLoss: 'test loss',
  testAcc: 'test accuracy',
};
export const quantitySymbol = (q: string): string => QUANTITY_SYMBOL[q] ?? q;

export function endpointText(e: EndpointText): string {
  if (e === null) return '∞';
  if (typeof e === 'number') return fmt(e);
  return e.scale !== undefined && e.scale !== 1 ? `${fmt(e.scale)}×bound ${e.bound}` : `bound ${e.bound}`;
}

export function rangeText(axis: string, range: readonly [EndpointText, EndpointText] | undefined): string {
  const s = axisSymbol(axis);
  if (!range) return `every ${s}`;
  const [lo, hi] = range;
  if (lo === null && hi === null) return `every ${s}`;
  if (lo === null) return `${s} ≤ ${endpointText(hi)}`;
  if (hi === null) return `${s} ≥ ${endpointText(lo)}`;
  return `${s} ∈ [${endpointText(lo)}, ${endpointText(hi)}]`;
}

export const list = (xs: readonly number[]): string => xs.map(fmt).join(', ');

// ------------------------------------------------------------------ NOT-RUN reasons

export const noTables = (): string => 'no metrics table reached the claims stage';
export const tableMissing = (experiment: string): string =>
  `metrics for experiment '${experiment}' are not available (its runs failed or were not built)`;
export const noRunsSelected = (what: string): string => `no run matches (${what})`;
export const noRunsIn = (where: string): string => `the grid has no run with ${where}`;
export const quantityNotRecorded = (q: string): string => `${quantitySymbol(q)} was not recorded for the selected runs`;
export const boundMissing = (names: readonly string[]): string =>
  `the initialisation does not report bound${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
export const axisUnavailable = (axis: string): string =>
  `${axisSymbol(axis)} cannot be computed (λ1/λ2 of the initial kernel not recorded)`;
export const edgeNotBracketed = (axis: string, x: number): string =>
  `the convergence edge is not bracketed: every selected run up to ${axisSymbol(axis)} = ${fmt(x)} converged`;
export const tooFewRuns = (n: number, need: number): string => `only ${n} converged run(s) in range, need ${need}`;
export const sparsityNotRecorded = (layers: number): string =>
  `per-layer sparsity was not recorded${layers > 0 ? ` for layer ${layers - 1}` : ''}`;
export const initQuantityMissing = (q: string): string => `the initialisation does not report ${q}`;
export const invalidCheck = (errors: readonly string[]): string => `invalid check: ${errors.join('; ')}`;
export const noneEvaluated = (): string => 'no part of the check could be evaluated';

// ------------------------------------------------------------------ criteria

export const criterion = {
  convergesIffBelow: (variant: string, axis: string, thr: EndpointText, margin: number, above: string): string =>
    `${variant}: every run with ${axisSymbol(axis)} < ${endpointText(thr)}${margin ? ` − ${fmt(margin)}` : ''} converges and every run with ${axisSymbol(axis)} > ${endpointText(thr)}${margin ? ` + ${fmt(margin)}` : ''} ${above === 'diverged' ? 'diverges' : 'does not converge'}`,
  convergesBelow: (variant: string, axis: string, thr: EndpointText, margin: number, lo: EndpointText): string =>
    `${variant}: every run with ${lo !== null ? `${endpointText(lo)} ≤ ` : ''}${axisSymbol(axis)} < ${endpointText(thr)}${margin ? ` − ${fmt(margin)}` : ''} converges`,
  convergesBeyond: (variant: string, axis: string, thr: EndpointText, margin: number): string =>
    `${variant}: some run with ${axisSymbol(axis)} > ${endpointText(thr)}${margin ? ` + ${fmt(margin)}` : ''} converges`,
  maxConvergedIn: (variant: string, axis: string, lo: number, hi: number): string =>
    `${variant}: the largest converged ${axisSymbol(axis)} lies in [${fmt(lo)}, ${fmt(hi)}] and a larger one fails to converge`,
  edgeNear: (variant: string, axis: string, value: EndpointText, tol: number): string =>
    `${variant}: the convergence edge (between the largest converged and the next non-converged ${axisSymbol(axis)}) is compatible with ${endpointText(value)} ± ${fmt(tol * 100)}%`,
  lossSpike: (variant: string, where: string, factor: number, quantity = 'loss', fraction = 1, fallTo?: number): string => {
    const sym = quantitySymbol(quantity);
    const ratio = quantity === 'loss' ? 'max L / L0' : `max ${sym} / ${sym}(0)`;
    const who = fraction >= 1 ? 'every converged run' : fraction <= 0 ? 'at least one converged run' : `at least ${fmt(fraction * 100)}% of converged runs`;
    return `${variant}: ${who} with ${where} has ${ratio} ≥ ${fmt(factor)}${fallTo !== undefined ? ` and ends at ≤ ${fmt(fallTo)}× its peak` : ''}`;
  },
  kernelConstant: (variant: string, q: string, where: string, tol: number): string =>
    `${variant}: for every converged run with ${where}, ${quantitySymbol(q)} stays within ±${fmt(tol * 100)}% of its initial value`,
  onlyLambda1Drops: (variant: string, maxRatio: number, tol: number, margin: number): string =>
    `${variant}: every converged run with 2/λ1 < η < 2/λ2${margin ? ` (margin ${fmt(margin)})` : ''} ends with λ1(∞)/λ1(0) ≤ ${fmt(maxRatio)} while λ2 stays within ±${fmt(tol * 100)}%`,
  nonincreasing: (variant: string, q: string, where: string, relTol: number): string =>
    `${variant}: for every converged run with ${where}, ${quantitySymbol(q)} is non-increasing at every recorded step (relative tolerance ${fmt(relTol)})`,
  finalIn: (variant: string, q: string, relative: boolean, where: string, lo: number | undefined, hi: number | undefined, fraction: number): string => {
    const sym = relative ? `${quantitySymbol(q)}(∞)/${quantitySymbol(q)}(0)` : `final ${quantitySymbol(q)}`;
    const cond = lo !== undefined && hi !== undefined ? `${sym} ∈ [${fmt(lo)}, ${fmt(hi)}]` : lo !== undefined ? `${sym} ≥ ${fmt(lo)}` : `${sym} ≤ ${fmt(hi ?? Number.NaN)}`;
    const who = fraction >= 1 ? 'every converged run' : fraction <= 0 ? 'at least one converged run' : `at least ${fmt(fraction * 100)}% of converged runs`;
    return `${variant}: ${who} with ${where} has ${cond}`;
  },
  peakNear: (variant: string, q: string, relative: boolean, where: string, lo: number, hi: number, interior: boolean): string =>
    `${variant}: over converged runs with ${where}, ${relative ? `${quantitySymbol(q)}(∞)/${quantitySymbol(q)}(0)` : `final ${quantitySymbol(q)}`} is largest at a rate in [${fmt(lo)}, ${fmt(hi)}]${interior ? ', with a larger converged rate beyond it' : ''}`,
  dropsThenReturns: (variant: string, q: string, where: string, dropBelow: number, lo: number, hi: number): string =>
    `${variant}: over converged runs with ${where}, final ${quantitySymbol(q)} first falls to ≤ ${fmt(dropBelow)} and at a larger rate returns to [${fmt(lo)}, ${fmt(hi)}]`,
  distanceRatio: (variant: string, q: string, stat: string, sub: string, sup: string, factor: number): string =>
    `${variant}: the smallest ${stat} ${quantitySymbol(q)} of converged runs with ${sup} is ≥ ${fmt(factor)}× the largest of converged runs with ${sub}`,
  testCompare: (variants: readonly string[], metric: string, sub: string, sup: string, superStat: string, subStat: string, slack: number, strict: boolean): string =>
    `${variants.join(', ')}: ${superStat} ${metric} over converged rates with ${sup} is ${strict ? 'strictly ' : ''}${metric.includes('Acc') ? 'higher' : 'lower'} than the ${subStat} over ${sub}${slack ? ` (slack ${fmt(slack)})` : ''}; means over seeds`,
  curvesCoincide: (variants: readonly string[], metric: string, where: string, relTol: number): string =>
    `${variants.join(', ')}: at every rate with ${where}, ${metric} (mean over seeds) differs across models by ≤ ${fmt(relTol * 100)}% of the smallest`,
  sparsityIncreases: (variant: string, layer: string, where: string, rho: number): string =>
    `${variant}: Spearman ρ between the rate and the final sparsity (${layer}) over converged runs with ${where} is ≥ ${fmt(rho)}`,
  layerSparser: (variant: string, a: number, b: number, where: string, fraction: number): string =>
    `${variant}: in ${fraction >= 1 ? 'every' : `≥ ${fmt(fraction * 100)}% of`} converged run(s) with ${where}, layer ${a} is sparser than layer ${b}`,
  divergesEarlier: (variant: string, a: string, b: string, axis: string): string =>
    `${variant}: the smallest non-converged ${axisSymbol(axis)} of '${a}' is smaller than that of '${b}'`,
  spikeLaterHigher: (variant: string, order: readonly string[]): string =>
    `${variant}: along ${order.join(' → ')}, the loss peak comes strictly later and is strictly higher (max L/L0), and every run converges`,
  sameEdge: (variant: string, experiments: readonly string[], axis: string, tol: number): string =>
    `${variant}: the largest converged ${axisSymbol(axis)} of ${experiments.join(', ')} differ by ≤ ${fmt(tol)}`,
  valueNear: (quantity: string, target: number, relTol: number | undefined, absTol: number | undefined): string =>
    `${quantity} = ${fmt(target)} ${relTol !== undefined ? `± ${fmt(relTol * 100)}%` : `± ${fmt(absTol ?? 0)}`} for every initialisation`,
  initCompare: (quantity: string, a: string, b: string, minRatio: number): string =>
    `${quantity} of '${a}' is larger than ${minRatio !== 1 ? `${fmt(minRatio)}× ` : ''}that of '${b}'`,
  allOf: (parts: readonly string[]): string => parts.map((p) => `(${p})`).join(' AND '),
};

// ------------------------------------------------------------------ measured

export const measured = {
  convergence: (nBelowOk: number, nBelow: number, nAboveOk: number, nAbove: number, lastConverged: number | undefined, axis: string): string =>
    `below: ${nBelowOk}/${nBelow} converged; above: ${nAboveOk}/${nAbove} as required; largest converged ${axisSymbol(axis)} = ${lastConverged === undefined ? 'none' : fmt(lastConverged)}`,
  convergenceBelow: (nBelowOk: number, nBelow: number, lastConverged: number | undefined, axis: string): string =>
    `below: ${nBelowOk}/${nBelow} converged; largest converged ${axisSymbol(axis)} = ${lastConverged === undefined ? 'none' : fmt(lastConverged)}`,
  violations: (axis: string, xs: readonly number[]): string => ` — violated at ${axisSymbol(axis)} = ${list(xs)}`,
  largestConverged: (axis: string, x: number | undefined, nextFailed: number | undefined): string =>
    `largest converged ${axisSymbol(axis)} = ${x === undefined ? 'none' : fmt(x)}; next non-converged = ${nextFailed === undefined ? 'none' : fmt(nextFailed)}`,
  perRun: (label: string, axis: string, pairs: ReadonlyArray<readonly [number, number]>): string =>
    `${label}: ${pairs.map(([x, v]) => `${fmt(x)} → ${fmt(v)}`).join(', ')} (${axisSymbol(axis)} → value)`,
  noConverged: (n: number): string => `none of the ${n} run(s) in range converged`,
  spearman: (rho: number, n: number): string => `ρ = ${fmt(rho)} over ${n} run(s)`,
  compare: (label: string, superVal: number, superAt: number, subVal: number, subAt: number, axis: string): string =>
    `${label}: super ${fmt(superVal)} (at ${axisSymbol(axis)} = ${fmt(superAt)}) vs sub ${fmt(subVal)} (at ${fmt(subAt)})`,
  ratio: (num: number, den: number, ratio: number): string => `${fmt(num)} / ${fmt(den)} = ${fmt(ratio)}`,
  fraction: (k: number, n: number): string => `${k}/${n} run(s) satisfy it`,
  peak: (at: number, value: number, axis: string, interior: boolean): string =>
    `peak ${fmt(value)} at ${axisSymbol(axis)} = ${fmt(at)}${interior ? '' : ' (no larger converged rate)'}`,
  edge: (name: string, x: number | undefined): string => `${name}: ${x === undefined ? 'none' : fmt(x)}`,
  spike: (name: string, step: number, height: number): string => `${name}: peak at step ${step}, max L/L0 = ${fmt(height)}`,
  perExperiment: (experiment: string, status: string, text: string): string => `[${experiment}] ${status}: ${text}`,
};

export const notAMetricsTable = (id: string): string => `input '${id}' of the claims stage is not a metrics table (no 'experiment' or 'runs')`;
