/**
 * W2 of ../shared/PERF-ANCHORS.md — Meltzer & Liu Fig. 1 sweep: pure
 * quadratic model, n = 1000, ζ² = 2/n, eigenvalues ±U[1,2], toy data (1, 0),
 * 40 rates ηH0 = 0.1…4.0, each until |z| < 1e-8, 5000 steps or divergence.
 * Anchor: NumPy 0.42 s (+ expm 1000×1000: 0.06 s f32, 0.29 s f64); edge
 * between 3.8 and 3.9.
 *
 * The sweep runs the exact eigenbasis recurrence (src/numerics/quadratic/toy.ts)
 * in Float64 typed arrays; the tfjs TrainableModel path is timed per step for
 * comparison. Run directly: npx tsx bench/numerics-quadratic.ts [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/numerics/backend.js';
import { expm, expmAction } from '../src/numerics/linalg/expm.js';
import { matvec } from '../src/numerics/linalg/dense.js';
import { antisymmetricGaussian, eigenvalues } from '../src/numerics/quadratic/features.js';
import { buildQuadraticModel } from '../src/numerics/quadratic/model.js';
import { toyRun } from '../src/numerics/quadratic/toy.js';
import { Rng } from '../src/numerics/rng.js';

export interface W2Result {
  workload: 'W2';
  backend: string;
  /** Sweep wall time (40 rates), excluding the expm. */
  seconds: number;
  /** Full expm(B) 1000×1000 on the backend (Padé-13 scaling and squaring, float32 products). */
  expmSeconds: number;
  /** e^B θ0 by the expm action alone (what the model actually needs on the toy data). */
  expmActionSeconds: number;
  /** [last converged ηH0, first diverged ηH0]. */
  edge: [number, number];
  /** Total GD steps of the sweep. */
  steps: number;
  /** 1000³ float32 matMul on the same backend in the same run (noisy host: compare ratios). */
  sgemm1000Seconds: number;
  /** tfjs TrainableModel.gdStep (eigen mode) per step, for comparison with the typed-array recurrence. */
  tfjsStepSeconds: number;
  anchors: { numpySeconds: number; numpyExpmF32Seconds: number };
}

export async function benchW2(seed = 0): Promise<W2Result> {
  const n = 1000;
  const zeta = Math.sqrt(2 / n);
  const rng = new Rng(seed, 'quadratic');
  const lambda = eigenvalues('half-uniform', n, rng.fork('eigen/0'), 1, 2);
  const B = antisymmetricGaussian(n, rng.fork('B/0'));
  const theta0 = new Rng(seed, 'quadratic/theta').normal(n);

  // sgemm baseline
  const median = (v: number[]) => v.sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  const sg = tf.tidy(() => {
    const a = tf.tensor2d(Float32Array.from(new Rng(seed, 'bench/sgemm').normal(n * n)), [n, n]);
    tf.matMul(a, a).dataSync();
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      tf.matMul(a, a).dataSync();
      ts.push((performance.now() - t0) / 1000);
    }
    return median(ts);
  });

  let t = performance.now();
  let q: Float64Array = new Float64Array(0);
  const expmTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    q = expm(B, n, { engine: 'tf' }).value;
    expmTimes.push((performance.now() - t) / 1000);
  }
  const expmSeconds = median(expmTimes);
  const a0 = matvec(q, theta0, n, n);

  t = performance.now();
  const a0b = expmAction(B, n, theta0);
  const expmActionSeconds = (performance.now() - t) / 1000;
  let diff = 0;
  for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(a0[i]! - a0b[i]!));
  if (diff > 1e-3) throw new Error(`W2: expm and expm action disagree by ${diff}`);

  t = performance.now();
  const rates = Array.from({ length: 40 }, (_, i) => Math.round((i + 1) * 10) / 100);
  let steps = 0;
  let lastConv = NaN;
  let firstDiv = NaN;
  for (const r of rates) {
    const run = toyRun(lambda, a0b, zeta, r, { tol: 1e-8, maxSteps: 5000 });
    steps += run.steps;
    if (run.status === 'converged') lastConv = r;
    if (run.status === 'diverged' && Number.isNaN(firstDiv)) firstDiv = r;
  }
  const seconds = (performance.now() - t) / 1000;

  // tfjs path for comparison: the TrainableModel in eigen mode, 200 steps at ηH0 = 1.
  const model = buildQuadraticModel({ arch: 'pure-quadratic', n: 200, zeta2: 2 / 200, eigen: { kind: 'half-uniform', low: 1, high: 2 }, g: 'identity' }, [1], seed);
  const x = tf.tensor2d([[1]]);
  const y = tf.tensor1d([0]);
  const eta = 1 / model.kernelMax(x);
  model.gdStep(x, y, eta, 0.5);
  t = performance.now();
  for (let i = 0; i < 200; i++) model.gdStep(x, y, eta, 0.5);
  const tfjsStepSeconds = (performance.now() - t) / 1000 / 200;
  model.dispose();
  tf.dispose([x, y]);

  return {
    workload: 'W2',
    backend: tf.getBackend(),
    seconds,
    expmSeconds,
    expmActionSeconds,
    edge: [lastConv, firstDiv],
    steps,
    sgemm1000Seconds: sg,
    tfjsStepSeconds,
    anchors: { numpySeconds: 0.42, numpyExpmF32Seconds: 0.06 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--backend');
  const backend = (i >= 0 ? process.argv[i + 1] : 'wasm') as 'wasm' | 'cpu' | 'auto';
  await initBackend(backend);
  const r = await benchW2();
  console.log(JSON.stringify(r, null, 2));
  console.log(
    `W2 sweep ${r.seconds.toFixed(3)} s (NumPy ${r.anchors.numpySeconds} s, ratio ${(r.seconds / r.anchors.numpySeconds).toFixed(2)}); ` +
      `expm ${r.expmSeconds.toFixed(2)} s (NumPy f32 ${r.anchors.numpyExpmF32Seconds} s; sgemm-1000 here ${r.sgemm1000Seconds.toFixed(3)} s); ` +
      `edge ${r.edge[0]}–${r.edge[1]}`,
  );
}
