/**
 * Same-machine NumPy baseline for `npm run bench`: the arrays catapult's
 * bench used (data, w0, v0, η) are written as little-endian float32 files to
 * a temporary folder and bench/numpy_ref.py runs the reference float32
 * implementations on them (sgemm 2048³; W3 and W4 with the Gram update).
 *
 * Why: PERF-ANCHORS.md was measured on another CPU (AVX-512); only ratios
 * measured on this machine say whether catapult is as fast as NumPy here,
 * and running the same arrays makes the check values (W4's best test loss)
 * an independent test of the numerics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc2InitWeights } from '../src/numerics/build.js';
import type { DataArrays } from '../src/numerics/types.js';

/** One fc2 Gram-mode run as catapult's bench ran it. */
export interface Fc2Run {
  data: DataArrays;
  width: number;
  seed: number;
  eta: number;
  /** Loss scales c (train) and c_test in L = c Σ(f − y)². */
  c: number;
  ct: number;
  steps: number;
  tol?: number;
  evalEvery?: number;
  /** Timed runs on each side (the median is compared): short workloads vary ~2× from run to run here. */
  reps?: number;
}

export interface NumpyResult {
  seconds: number;
  steps?: number;
  final_loss?: number;
  final_test_loss?: number;
  best_test_loss?: number;
  best_step?: number;
  /** Every timed run's seconds when the workload ran several times (`seconds` is their median). */
  all_seconds?: number[];
}

export type NumpyReport = { ok: true; version: string; results: Record<string, NumpyResult> } | { ok: false; reason: string };

const PY = process.env.CATAPULT_PYTHON ?? 'python3';

/** bench/numpy_ref.py, found from the source tree or from dist/bench. */
function scriptPath(): string | null {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(d, 'bench', 'numpy_ref.py');
    if (existsSync(p)) return p;
    const q = join(d, 'numpy_ref.py');
    if (existsSync(q)) return q;
    d = dirname(d);
  }
  return null;
}

/** Whether `python3 -c 'import numpy'` works, and its version (or why not). */
export function numpyAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(PY, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${PY} not found (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${PY} has no numpy (${r.stderr.trim().split('\n').pop() ?? ''})` };
  return { ok: true, version: r.stdout.trim() };
}

/** Run the NumPy references of the given workloads on the same arrays. */
export function runNumpy(w: { sgemm?: boolean; W3?: Fc2Run; W4?: Fc2Run & { variants: string[] } }): NumpyReport {
  const avail = numpyAvailable();
  if (!avail.ok) return avail;
  const script = scriptPath();
  if (!script) return { ok: false, reason: 'bench/numpy_ref.py not found' };
  const dir = mkdtempSync(join(tmpdir(), 'catapult-numpy-'));
  try {
    const arrays: Record<string, number[]> = {};
    const put = (name: string, a: Float32Array, shape: number[]): void => {
      writeFileSync(join(dir, `${name}.f32`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      arrays[name] = shape;
    };
    const meta: Record<string, unknown> = { arrays, sgemm: w.sgemm ?? false };
    const fc2 = (tag: string, r: Fc2Run): Record<string, unknown> => {
      const d = r.data.xTrain.length / r.data.nTrain;
      const { w1, v } = fc2InitWeights(r.width, d, r.seed);
      put(`${tag}_x`, r.data.xTrain, [r.data.nTrain, d]);
      put(`${tag}_y`, r.data.yTrain, [r.data.nTrain]);
      put(`${tag}_xt`, r.data.xTest, [r.data.nTest, d]);
      put(`${tag}_yt`, r.data.yTest, [r.data.nTest]);
      put(`${tag}_w0`, w1, [d, r.width]);
      put(`${tag}_v0`, v, [r.width]);
      return { eta: r.eta, c: r.c, ct: r.ct, steps: r.steps, tol: r.tol ?? null, eval_every: r.evalEvery ?? 0, reps: r.reps ?? 1 };
    };
    if (w.W3) meta.W3 = fc2('w3', w.W3);
    if (w.W4) meta.W4 = { ...fc2('w4', w.W4), variants: w.W4.variants };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    const r = spawnSync(PY, [script, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) return { ok: false, reason: `numpy_ref.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    const out = JSON.parse(r.stdout) as { numpy: string; results: Record<string, NumpyResult> };
    return { ok: true, version: out.numpy, results: out.results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
