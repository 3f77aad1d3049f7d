/**
 * Two-class subsets as pure functions of (source, classes, size, seed).
 *
 * Numeric sizes are *balanced*: ⌊n/2⌋ examples of the first class and ⌈n/2⌉
 * of the second, each drawn without replacement by a seeded permutation of
 * that class's examples (stream `data/<source>/<split>/class-<c>`), then
 * interleaved by a permutation (stream `.../order`). `'all'` keeps every
 * example of the two classes in file order (natural proportions).
 * Labels: first class −1, second +1.
 */
import { err, ok, type Result } from '../core/result.js';
import * as msg from '../messages/data.js';
import { Rng } from '../numerics/rng.js';
import type { DataFailure } from './types.js';

export interface Subset {
  /** Indices into the pool, in the order the examples appear in the dataset. */
  indices: number[];
  /** ±1 labels, parallel to `indices`. */
  labels: Float32Array;
}

export function selectSubset(
  source: string,
  split: string,
  poolLabels: ArrayLike<number>,
  classes: readonly [number, number],
  n: number | 'all',
  seed: number,
  exclude?: ReadonlySet<number>,
): Result<Subset, DataFailure> {
  const rng = new Rng(seed, `data/${source}/${split}`);
  const chosen: number[] = [];
  for (let k = 0; k < 2; k++) {
    const c = classes[k]!;
    const pool: number[] = [];
    for (let i = 0; i < poolLabels.length; i++) if (poolLabels[i] === c && !exclude?.has(i)) pool.push(i);
    if (n === 'all') {
      chosen.push(...pool);
      continue;
    }
    const want = k === 0 ? Math.floor(n / 2) : Math.ceil(n / 2);
    if (want > pool.length) return err({ reason: 'not-enough-data', message: msg.notEnough(source, split, c, want, pool.length) });
    const perm = rng.fork(`class-${c}`).permutation(pool.length);
    for (let i = 0; i < want; i++) chosen.push(pool[perm[i]!]!);
  }
  let indices = chosen;
  if (n === 'all') indices = chosen.sort((a, b) => a - b);
  else {
    const perm = rng.fork('order').permutation(chosen.length);
    indices = Array.from(perm, (p) => chosen[p]!);
  }
  const labels = Float32Array.from(indices, (i) => (poolLabels[i] === classes[0] ? -1 : 1));
  return ok({ indices, labels });
}
