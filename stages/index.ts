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
 * Initialises the backend the main thread resolved (and keyed) for this run,
 * and makes onnxruntime's use match the keys: `ort` is the onnxruntime-node
 * version the keys were computed with (null: keyed without it, so it is
 * switched off here). Refuses to run on any other backend or without the
 * expected onnxruntime: a key must never claim results from code that did
 * not compute them.
 */
export async function prepareWorker(options: unknown): Promise<{ backend: string }> {
  const o = (options ?? {}) as { backend?: string; ort?: string | null };
  const requested = (o.backend ?? 'auto') as BackendRequest;
  if (o.ort === null) process.env.CATAPULT_ORT = '0';
  else if (typeof o.ort === 'string') {
    const { loadOrt } = await import('../src/numerics/ort/runtime.js');
    const rt = loadOrt();
    if (!rt.ok) throw new Error(`${rt.error.message} — but this run's keys include onnxruntime-node ${o.ort}; rerun with CATAPULT_ORT=0 to compute (and key) without it`);
    if (rt.value.version !== o.ort) throw new Error(`onnxruntime-node ${rt.value.version} loaded, but this run's keys were computed for ${o.ort}`);
  }
  const { initBackend } = await import('../src/numerics/backend.js');
  const info = await initBackend(requested);
  const name = backendLabel(info.name);
  if (requested !== 'auto' && name !== requested) {
    throw new Error(`backend ${requested} was requested but tfjs initialised ${name}`);
  }
  return { backend: name };
}
