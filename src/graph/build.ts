import type { JsonValue } from '../core/json.js';
import type { StageInstance } from '../core/stage.js';
import type { PipelineConfig } from '../config/types.js';
import { coordId, etaValues } from './expand.js';

/**
 * The DAG of one pipeline: every stage instance, by id, in a topological order.
 * Built purely from the resolved config, so `plan`, `status` and `graph` need
 * no cache and no numerics.
 */
export interface Graph {
  readonly instances: readonly StageInstance[];
  readonly byId: ReadonlyMap<string, StageInstance>;
  /** Figure id → ids of the plot and claims instances that produce it. */
  readonly figureOutputs: ReadonlyMap<string, { plot: string; claims: string }>;
}

export const datasetId = (name: string): string => `dataset:${name}`;
export const initId = (exp: string, seed: number): string => `init:${exp}[seed=${seed}]`;
export const trainId = (exp: string, eta: number, seed: number, variant: string): string =>
  `train:${exp}[${coordId({ eta, seed, variant })}]`;
export const metricsId = (exp: string): string => `metrics:${exp}`;
export const plotId = (fig: string): string => `plot:${fig}`;
export const claimsId = (fig: string): string => `claims:${fig}`;

/**
 * Expands experiments' matrices into stage instances. Each instance's params
 * are exactly what its stage reads (see StageInstance): e.g. a figure's caption
 * is not in any params here (it only reaches the report), so editing it reruns
 * nothing but the report.
 */
export interface BuildOptions {
  /**
   * The dataset stage's params for a spec (default: the spec itself). The CLI
   * passes one that adds a digest of the dataset's expected file checksums, so
   * a changed checksum reruns exactly that dataset's branch.
   */
  readonly datasetParams?: (spec: PipelineConfig['datasets'][string]) => JsonValue;
}

export function buildGraph(config: PipelineConfig, options: BuildOptions = {}): Graph {
  const instances: StageInstance[] = [];
  const usedDatasets = new Set<string>();
  for (const exp of Object.values(config.experiments)) usedDatasets.add(exp.dataset);

  for (const name of [...usedDatasets].sort()) {
    const spec = config.datasets[name];
    if (!spec) continue; // reported by config validation
    const params = options.datasetParams ? options.datasetParams(spec) : (spec as unknown as JsonValue);
    instances.push({ id: datasetId(name), kind: 'dataset', params, deps: [], group: name });
  }

  for (const [name, exp] of Object.entries(config.experiments)) {
    const ds = datasetId(exp.dataset);
    const seeds = exp.matrix.seed;
    const initSeedOf = (seed: number): number => exp.initSeed ?? seed;
    const initSeeds = [...new Set(seeds.map(initSeedOf))];
    for (const s of initSeeds) {
      instances.push({
        id: initId(name, s),
        kind: 'init',
        params: { model: exp.model, loss: exp.loss, seed: s } as unknown as JsonValue,
        deps: [ds],
        group: name,
      });
    }
    const trains: string[] = [];
    for (const eta of etaValues(exp.matrix.eta)) {
      for (const seed of seeds) {
        for (const variant of exp.matrix.variant) {
          const id = trainId(name, eta, seed, variant);
          trains.push(id);
          instances.push({
            id,
            kind: 'train',
            params: {
              model: exp.model,
              loss: exp.loss,
              variant,
              seed,
              eta: { value: eta, unit: exp.matrix.eta.unit },
              train: exp.train,
              ceiling: exp.divergenceCeiling,
            } as unknown as JsonValue,
            deps: [ds, initId(name, initSeedOf(seed))],
            group: name,
          });
        }
      }
    }
    instances.push({
      id: metricsId(name),
      kind: 'metrics',
      params: { experiment: name, loss: exp.loss } as unknown as JsonValue,
      deps: [...initSeeds.map((s) => initId(name, s)), ...trains],
      group: name,
    });
  }

  const figureOutputs = new Map<string, { plot: string; claims: string }>();
  for (const [name, fig] of Object.entries(config.figures)) {
    const deps = fig.experiments.map(metricsId);
    instances.push({
      id: plotId(name),
      kind: 'plot',
      params: { figure: name, paper: fig.paper, title: fig.title, chart: fig.chart } as unknown as JsonValue,
      deps,
      group: name,
      partialInputs: true,
    });
    instances.push({
      id: claimsId(name),
      kind: 'claims',
      params: { figure: name, claims: fig.claims } as unknown as JsonValue,
      deps,
      group: name,
      partialInputs: true,
    });
    figureOutputs.set(name, { plot: plotId(name), claims: claimsId(name) });
  }

  const byId = new Map(instances.map((i) => [i.id, i]));
  annotateFigures(instances, byId, figureOutputs);
  return { instances, byId, figureOutputs };
}

/** Records, on every instance, the figures that transitively need it. */
function annotateFigures(
  instances: StageInstance[],
  byId: Map<string, StageInstance>,
  outputs: Map<string, { plot: string; claims: string }>,
): void {
  const figs = new Map<string, Set<string>>();
  for (const [fig, out] of outputs) {
    const stack = [out.plot, out.claims];
    const seen = new Set<string>();
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      let set = figs.get(id);
      if (!set) figs.set(id, (set = new Set()));
      set.add(fig);
      for (const d of byId.get(id)?.deps ?? []) stack.push(d);
    }
  }
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i]!;
    const f = figs.get(inst.id);
    if (f) {
      const withFigs = { ...inst, figures: [...f].sort() };
      instances[i] = withFigs;
      byId.set(inst.id, withFigs);
    }
  }
}
