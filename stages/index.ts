/**
 * The stage registry every worker thread loads (see src/executor/worker.ts):
 * one implementation per stage kind, plus `prepareWorker`, which initialises
 * this thread's tfjs backend once. The engine itself only reads
 * `stages/manifest.ts`, so planning never imports these heavy modules.
 */
import type { StageImpl, StageKind } from '../src/core/stage.js';
import type { BackendRequest } from '../src/numerics/backend.js';
import { claimsStage } from './claims/index.js';
import { datasetStage } from './dataset/index.js';
import { initStage } from './init/index.js';
import { metricsStage } from './metrics/index.js';
import { plotStage } from './plot/index.js';
import { trainStage } from './train/index.js';

export const registry: Partial<Record<StageKind, StageImpl>> = {
  dataset: datasetStage,
  init: initStage,
  train: trainStage,
  metrics: metricsStage,
  plot: plotStage,
  claims: claimsStage,
};

/** tfjs names its native backend `tensorflow`; catapult calls it `node`. */
export function backendLabel(tfName: string): string {
  return tfName === 'tensorflow' ? 'node' : tfName;
}

/**
 * Initialises the backend the main thread resolved (and keyed) for this run.
 * Refuses to run on any other backend: a key must never claim results from a
 * backend that did not compute them.
 */
export async function prepareWorker(options: unknown): Promise<{ backend: string }> {
  const requested = ((options as { backend?: string } | null)?.backend ?? 'auto') as BackendRequest;
  const { initBackend } = await import('../src/numerics/backend.js');
  const info = await initBackend(requested);
  const name = backendLabel(info.name);
  if (requested !== 'auto' && name !== requested) {
    throw new Error(`backend ${requested} was requested but tfjs initialised ${name}`);
  }
  return { backend: name };
}
