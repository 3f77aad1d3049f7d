/**
 * Checks that need more than a schema: references between sections, empty
 * or oversized matrices, duplicate claim ids, figures with nothing to draw.
 * They run on the resolved tree and are defensive about types (a value of the
 * wrong type has already been reported by the schema pass).
 */
import * as msg from '../messages/config.js';
import type { ConfigFailureReason } from './failure.js';
import { suggest } from './suggest.js';
import { dotted, get, type LMap, type LNode, type Origin, type Path } from './tree.js';

/** The largest learning-rate grid an experiment may declare. */
export const MAX_ETA_POINTS = 10_000;

type Fail = (reason: ConfigFailureReason, message: string, at: Origin | undefined, path?: Path) => void;

const num = (n: LNode | undefined): number | undefined => (n?.t === 'scalar' && typeof n.v === 'number' ? n.v : undefined);

/** Number of points of a from/to/step grid (inclusive, tolerant to float round-off). */
export function gridPoints(from: number, to: number, step: number): number {
  if (!(step > 0) || from > to) return 0;
  return Math.floor((to - from) / step + 1e-9) + 1;
}

export function checkSemantics(root: LMap, fail: Fail): void {
  const datasets = get(root, 'datasets');
  const datasetNames = datasets?.t === 'map' ? [...datasets.entries.keys()] : [];
  const experiments = get(root, 'experiments');
  const experimentNames = experiments?.t === 'map' ? [...experiments.entries.keys()] : [];

  if (experiments?.t === 'map') {
    for (const [name, e] of experiments.entries) {
      const exp = e.node;
      const ds = get(exp, 'dataset');
      if (ds?.t === 'scalar' && typeof ds.v === 'string' && !datasetNames.includes(ds.v)) {
        fail('reference', msg.unknownReference('dataset', ds.v, dotted(ds.home), suggest(ds.v, datasetNames)), ds.at, ds.home);
      }
      checkMatrix(get(exp, 'matrix'), ['experiments', name, 'matrix'], fail);
    }
  }

  const figures = get(root, 'figures');
  if (figures?.t === 'map') {
    for (const [name, e] of figures.entries) {
      const fig = e.node;
      const exps = get(fig, 'experiments');
      if (exps?.t === 'seq') {
        if (exps.items.length === 0) fail('no-experiments', msg.figureWithoutExperiments(name), exps.at, exps.home);
        for (const item of exps.items) {
          if (item.t === 'scalar' && typeof item.v === 'string' && !experimentNames.includes(item.v)) {
            fail('reference', msg.unknownReference('experiment', item.v, dotted(item.home), suggest(item.v, experimentNames)), item.at, item.home);
          }
        }
      }
      const claims = get(fig, 'claims');
      if (claims?.t === 'seq') {
        const seen = new Set<string>();
        for (const c of claims.items) {
          const id = get(c, 'id');
          if (id?.t !== 'scalar' || typeof id.v !== 'string') continue;
          if (seen.has(id.v)) fail('duplicate-claim', msg.duplicateClaim(id.v, name), id.at, id.home);
          seen.add(id.v);
        }
      }
    }
  }
}

function checkMatrix(matrix: LNode | undefined, path: Path, fail: Fail): void {
  if (matrix?.t !== 'map') return;
  const where = dotted(matrix.home.length > 0 ? matrix.home : path);
  const eta = get(matrix, 'eta');
  if (eta?.t === 'map') {
    const values = get(eta, 'values');
    const etaWhere = dotted(eta.home);
    if (values?.t === 'seq') {
      if (values.items.length === 0) fail('empty-matrix', msg.emptyMatrix(etaWhere, msg.emptyValues()), values.at, values.home);
      else if (values.items.length > MAX_ETA_POINTS) fail('grid-too-large', msg.gridTooLarge(etaWhere, values.items.length, MAX_ETA_POINTS), values.at, values.home);
    } else {
      const fromN = get(eta, 'from');
      const toN = get(eta, 'to');
      const stepN = get(eta, 'step');
      const from = num(fromN);
      const to = num(toN);
      const step = num(stepN);
      if (step !== undefined && !(step > 0)) {
        fail('empty-matrix', msg.emptyMatrix(etaWhere, msg.nonPositiveStep(step)), stepN?.at, stepN?.home);
      } else if (from !== undefined && to !== undefined && from > to) {
        fail('empty-matrix', msg.emptyMatrix(etaWhere, msg.emptyRange(from, to)), fromN?.at, fromN?.home);
      } else if (from !== undefined && to !== undefined && step !== undefined) {
        const n = gridPoints(from, to, step);
        if (n > MAX_ETA_POINTS) fail('grid-too-large', msg.gridTooLarge(etaWhere, n, MAX_ETA_POINTS), stepN?.at, stepN?.home);
      }
    }
  }
  for (const key of ['seed', 'variant']) {
    const list = get(matrix, key);
    if (list?.t === 'seq' && list.items.length === 0) fail('empty-matrix', msg.emptyMatrix(where, msg.emptyList(key)), list.at, list.home);
  }
}
