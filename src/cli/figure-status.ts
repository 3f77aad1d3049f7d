/**
 * The state of each figure, derived from the cache and the run index: what
 * `status` prints and what the report shows in its summary.
 */
import type { Cache } from '../cache/store.js';
import { closure } from '../graph/select.js';
import type { Session } from './session.js';

export type FigureState = 'up-to-date' | 'stale' | 'failed' | 'missing-data' | 'never-run';

export interface FigureStatus {
  state: FigureState;
  cachedStages: number;
  failedStage?: string;
  message?: string;
}

/** Stage errors that mean "the user has not supplied this dataset" rather than a bug. */
export function isMissingData(message: string | undefined): boolean {
  return message !== undefined && /missing[- ]data|data not available|not found in the data root/i.test(message);
}

export async function figureStatuses(s: Session, cache: Cache): Promise<Map<string, FigureStatus>> {
  const out = new Map<string, FigureStatus>();
  const hasMemo = new Map<string, Promise<boolean>>();
  const has = (key: string): Promise<boolean> => {
    let p = hasMemo.get(key);
    if (!p) hasMemo.set(key, (p = cache.has(key)));
    return p;
  };
  for (const [fig, outIds] of s.graph.figureOutputs) {
    const ids = [...closure(s.graph, [outIds.plot, outIds.claims])];
    const present = await Promise.all(ids.map((id) => has(s.keys.get(id)!.key)));
    const cachedStages = present.filter(Boolean).length;
    if (cachedStages === ids.length) {
      out.set(fig, { state: 'up-to-date', cachedStages });
      continue;
    }
    let failed: { id: string; message: string } | undefined;
    let everRun = false;
    for (let k = 0; k < ids.length; k++) {
      if (present[k]) continue;
      const rec = await cache.lastRun(ids[k]!);
      if (!rec) continue;
      everRun = true;
      if (rec.status === 'failed' && rec.key === s.keys.get(ids[k]!)!.key) {
        failed = { id: ids[k]!, message: rec.error ?? 'failed' };
        if (isMissingData(rec.error)) break;
      }
    }
    if (failed) {
      out.set(fig, { state: isMissingData(failed.message) ? 'missing-data' : 'failed', cachedStages, failedStage: failed.id, message: failed.message });
    } else {
      out.set(fig, { state: everRun || cachedStages > 0 ? 'stale' : 'never-run', cachedStages });
    }
  }
  return out;
}
