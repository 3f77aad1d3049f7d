/**
 * init: draws the initial weights from the seed and records the scalars every
 * downstream stage needs — λmax(H0), η_crit, θ0², the initial loss, λ1/λ2 and
 * the theoretical bounds. The weights themselves are not cached: they are a
 * pure function of (model, seed) and regenerate in milliseconds.
 */
import type { JsonValue } from '../../src/core/json.js';
import type { StageImpl } from '../../src/core/stage.js';
import type { LossConvention, ModelSpec } from '../../src/config/types.js';
import { initModel } from '../../src/numerics/index.js';
import { loadDatasetArtifact } from '../dataset/index.js';

export interface InitParams {
  model: ModelSpec;
  loss: LossConvention;
  seed: number;
}

export const initStage: StageImpl = {
  kind: 'init',
  async run(params, inputs, ctx) {
    const p = params as unknown as InitParams;
    const dataset = inputs.find((i) => i.kind === 'dataset');
    if (!dataset) throw new Error(`init ${ctx.id}: no dataset input`);
    const data = await loadDatasetArtifact(dataset, ctx);
    const summary = await initModel(p.model, data, p.loss, p.seed);
    ctx.log(`λmax(∇²L)=${summary.lambdaMaxH.toPrecision(6)} η_crit=${summary.etaCrit.toPrecision(6)} θ0²=${summary.theta2.toPrecision(6)}`);
    return { result: summary as unknown as JsonValue };
  },
};
