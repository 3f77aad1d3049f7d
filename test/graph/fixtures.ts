import type { ExperimentSpec, PipelineConfig } from '../../src/config/types.js';

/** A small resolved config: one synthetic dataset, two experiments, two figures. */
export function smallConfig(): PipelineConfig {
  const exp = (etas: number[]): ExperimentSpec => ({
    dataset: 'toy',
    model: { arch: 'fc2', width: 64, activation: 'relu' },
    loss: { reduction: 'mean', half: true },
    train: { optimizer: 'gd', steps: 100, evalEvery: 0, record: { dense: 10, points: 20 }, metrics: ['loss', 'theta2'] },
    matrix: { eta: { values: etas, unit: 'lambda' }, seed: [0, 1], variant: ['net', 'quad'] },
    divergenceCeiling: 1e8,
  });
  return {
    version: 1,
    defaults: { backend: 'auto', dataRoot: './data', loss: { reduction: 'mean', half: false }, divergenceCeiling: 1e8 },
    datasets: { toy: { generator: 'points', seed: 0, params: { x: [[1]], y: [0] } } },
    experiments: { a: exp([0.5, 1.5, 3]), b: exp([1, 2]) },
    figures: {
      'fig-a': { paper: 'ml', title: 'A', caption: 'caption A', experiments: ['a'], chart: { template: 'trajectories' }, claims: [] },
      'fig-ab': { paper: 'ml', title: 'AB', caption: 'caption AB', experiments: ['a', 'b'], chart: { template: 'sweep' }, claims: [] },
    },
  };
}
