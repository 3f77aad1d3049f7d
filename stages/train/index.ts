/**
 * train: one training run — one (η, seed, variant) point of an experiment's
 * matrix. η is given in the unit of the matrix axis and made absolute with the
 * init stage's λmax(H0), so a grid in η/η_crit is shared across seeds and
 * widths. A diverged run is a result (status "diverged"), not a failure.
 */
import { toJsonSafe } from '../../src/core/json.js';
import type { StageImpl } from '../../src/core/stage.js';
import type { LossConvention, ModelSpec, TrainSpec, Variant } from '../../src/config/types.js';
import type { InitSummary } from '../../src/numerics/types.js';
import { trainModel } from '../../src/numerics/index.js';
import { loadDatasetArtifact } from '../dataset/index.js';

export interface TrainParams {
  model: ModelSpec;
  loss: LossConvention;
  variant: Variant;
  seed: number;
  eta: { value: number; unit: 'absolute' | 'critical' | 'lambda' };
  train: TrainSpec;
  ceiling: number;
}

/** Absolute η from a matrix value, given λmax(∇²L) at init (η_crit = 2/λmax). */
export function absoluteEta(eta: TrainParams['eta'], lambdaMaxH: number): number {
  switch (eta.unit) {
    case 'absolute':
      return eta.value;
    case 'critical':
      return (eta.value * 2) / lambdaMaxH;
    case 'lambda':
      return eta.value / lambdaMaxH;
  }
}

export const trainStage: StageImpl = {
  kind: 'train',
  async run(params, inputs, ctx) {
    const p = params as unknown as TrainParams;
    const dataset = inputs.find((i) => i.kind === 'dataset');
    const init = inputs.find((i) => i.kind === 'init');
    if (!dataset || !init) throw new Error(`train ${ctx.id}: needs a dataset and an init input`);
    const data = await loadDatasetArtifact(dataset, ctx);
    const summary = init.result as unknown as InitSummary;
    const eta = absoluteEta(p.eta, summary.lambdaMaxH);
    ctx.log(`η=${eta.toPrecision(6)} (${p.eta.value} ${p.eta.unit}); η/η_crit=${(eta / summary.etaCrit).toPrecision(4)}`);
    const result = await trainModel(p.model, p.variant, data, p.loss, p.seed, eta, p.train, {
      ceiling: p.ceiling,
      signal: ctx.signal,
      onProgress: (f, note) => ctx.progress(f, note),
    });
    ctx.log(`${result.status}: ${result.reason}`);
    // Wall time goes to the log (and the manifest's wallMs), not into the artifact: the same
    // key must give the same bytes on a laptop, in a worker or on a Slurm node.
    const { timing, ...deterministic } = result;
    if (timing) ctx.log(`trained ${result.steps} steps in ${timing.seconds.toFixed(2)} s`);
    return {
      result: toJsonSafe({
        ...deterministic,
        etaUnit: p.eta.unit,
        etaValue: p.eta.value,
        etaRel: eta / summary.etaCrit,
        etaLambda: eta * summary.lambdaMaxH,
      }),
    };
  },
};
