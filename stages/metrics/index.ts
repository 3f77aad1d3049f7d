/**
 * metrics: gathers an experiment's init summaries and training runs into one
 * tidy MetricsTable (src/core/metrics.ts) — per-run finals, long-format
 * trajectories and mean ± std aggregates over seeds — which plots and claims
 * read. Pure data reshaping: no numerics, no backend in its key.
 */
import { type JsonValue, toJsonSafe } from '../../src/core/json.js';
import type { StageImpl } from '../../src/core/stage.js';
import type { AggregateRow, InitRow, MetricsTable, RunRow, TrajectoryRow } from '../../src/core/metrics.js';
import type { LossConvention, Variant } from '../../src/config/types.js';
import type { InitSummary, TrainResult } from '../../src/numerics/types.js';

export interface MetricsParams {
  experiment: string;
  loss: LossConvention;
}

type TrainArtifact = TrainResult & { etaUnit: MetricsTable['etaUnit']; etaValue: number; etaRel: number; etaLambda: number };

export function buildMetricsTable(experiment: string, loss: LossConvention, inits: InitSummary[], trains: TrainArtifact[]): MetricsTable {
  const initRows: InitRow[] = inits.map((s) => ({
    seed: s.seed,
    etaCrit: s.etaCrit,
    lambdaMaxH: s.lambdaMaxH,
    lambdaMaxK: s.lambdaMaxK,
    theta2: s.theta2,
    loss0: s.loss0,
    ...(s.lambda12 ? { lambda12: s.lambda12 } : {}),
    ...(s.bounds ? { bounds: s.bounds } : {}),
    ...(s.extra ? { extra: s.extra } : {}),
  }));
  const theta0 = (seed: number): number | undefined =>
    (inits.find((s) => s.seed === seed) ?? inits[0])?.theta2;

  const runs: RunRow[] = [];
  const trajectories: TrajectoryRow[] = [];
  for (const t of trains) {
    const coords = { eta: t.eta, etaValue: t.etaValue, etaRel: t.etaRel, etaLambda: t.etaLambda };
    const tr = t.trajectory;
    const finite = tr.loss.filter(Number.isFinite);
    const t0 = theta0(t.seed);
    runs.push({
      ...coords,
      seed: t.seed,
      variant: t.variant,
      status: t.status,
      reason: t.reason,
      steps: t.steps,
      final: {
        ...t.final,
        ...(t.final.lambdaMaxH !== undefined ? { etaLambdaFinal: t.eta * t.final.lambdaMaxH } : {}),
        ...(t.final.theta2 !== undefined && t0 ? { theta2Ratio: t.final.theta2 / t0 } : {}),
      },
      loss0: tr.loss[0] ?? Number.NaN,
      lossMax: finite.length ? Math.max(...finite) : Number.NaN,
      ...(t.best ? { best: t.best } : {}),
    });
    for (let k = 0; k < tr.step.length; k++) {
      const row: TrajectoryRow = { ...coords, seed: t.seed, variant: t.variant, status: t.status, step: tr.step[k]!, loss: tr.loss[k]! };
      if (tr.theta2) row.theta2 = tr.theta2[k]!;
      if (tr.distance) row.distance = tr.distance[k]!;
      if (tr.lambdaMaxH && tr.lambdaMaxH[k] !== undefined) row.etaLambdaT = t.eta * tr.lambdaMaxH[k]!;
      if (tr.lambda1 && tr.lambda1[k] !== undefined) row.lambda1 = tr.lambda1[k]!;
      if (tr.lambda2 && tr.lambda2[k] !== undefined) row.lambda2 = tr.lambda2[k]!;
      if (tr.testLoss && tr.testLoss[k] !== undefined) row.testLoss = tr.testLoss[k]!;
      if (tr.testAcc && tr.testAcc[k] !== undefined) row.testAcc = tr.testAcc[k]!;
      if (tr.sparsity && tr.sparsity[k] !== undefined) row.sparsity = tr.sparsity[k]!;
      trajectories.push(row);
    }
  }
  runs.sort((a, b) => a.etaValue - b.etaValue || a.seed - b.seed || a.variant.localeCompare(b.variant));
  return {
    experiment,
    etaUnit: trains[0]?.etaUnit ?? 'absolute',
    loss,
    inits: initRows,
    runs,
    trajectories,
    aggregates: aggregate(runs),
  };
}

/** Mean ± sample std over seeds, per (η, variant); diverged runs are counted, not averaged. */
export function aggregate(runs: readonly RunRow[]): AggregateRow[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of runs) {
    const k = `${r.etaValue}\u0000${r.variant}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const out: AggregateRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const ok = g.filter((r) => r.status !== 'diverged');
    const row: AggregateRow = {
      etaValue: first.etaValue,
      etaRel: mean(g.map((r) => r.etaRel)),
      etaLambda: mean(g.map((r) => r.etaLambda)),
      variant: first.variant as Variant,
      n: g.length,
      nDiverged: g.length - ok.length,
    };
    const best = ok.filter((r) => r.best).map((r) => r.best!);
    if (best.length) {
      row.bestTestLoss = meanStd(best.map((b) => b.testLoss));
      row.bestTestAcc = meanStd(best.map((b) => b.testAcc));
    }
    if (ok.length) row.finalLoss = meanStd(ok.map((r) => r.final.loss));
    out.push(row);
  }
  return out.sort((a, b) => a.etaValue - b.etaValue || a.variant.localeCompare(b.variant));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const m = mean(xs);
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return { mean: m, std: Math.sqrt(v) };
}

export const metricsStage: StageImpl = {
  kind: 'metrics',
  async run(params, inputs) {
    const p = params as unknown as MetricsParams;
    const inits = inputs.filter((i) => i.kind === 'init').map((i) => i.result as unknown as InitSummary);
    const trains = inputs.filter((i) => i.kind === 'train').map((i) => i.result as unknown as TrainArtifact);
    const table = buildMetricsTable(p.experiment, p.loss, inits, trains);
    return { result: toJsonSafe(table) };
  },
};
