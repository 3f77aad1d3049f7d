/**
 * Network workloads of ../shared/PERF-ANCHORS.md (W1, W3, W4): wall time,
 * achieved GFLOPS (from a per-step FLOP model of the dominant matMuls), and
 * the check values the anchors quote. W4 runs on the real CIFAR-2 (airplane
 * vs bird) when the data root has it, else on random data of that shape; the
 * check values say which. Run directly:
 *   npx tsx bench/numerics-nets.ts [w1|w3|w4 ...] [--backend wasm|cpu] [--w4-steps N]
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import type { LossConvention, ModelSpec, TrainSpec, Variant } from '../src/config/types.js';
import { initBackend } from '../src/numerics/backend.js';
import { initModel, trainModel } from '../src/numerics/index.js';
import { Rng } from '../src/numerics/rng.js';
import type { DataArrays } from '../src/numerics/types.js';
import { loadRealDataset } from '../src/data/real.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { loadOrt, ortRunCount } from '../src/numerics/ort/runtime.js';
import { preactMemo } from '../src/numerics/kernels/memo.js';
import type { Fc2Run } from './numpy.js';

export interface BenchResult {
  workload: string;
  backend: string;
  seconds: number;
  /** CPU seconds of this process over the same span (the machine is shared: wall time is noisy). */
  cpuSeconds: number;
  gflops: number;
  steps: number;
  check: Record<string, number | string>;
  /** The fc2 run's inputs, for the same-machine NumPy reference (bench/numpy.ts). */
  run?: Fc2Run;
}

/** Which engine ran the Gram-mode steps of a workload: onnxruntime when its session runs grew. */
function gramPath(runsBefore: number): string {
  if (process.env.CATAPULT_FAST_KERNELS === '0') return 'tensor Gram path';
  if (ortRunCount() > runsBefore) {
    const rt = loadOrt();
    return rt.ok ? `Gram engine on onnxruntime-node ${rt.value.version} (${rt.value.threads} threads)` : 'Gram engine on onnxruntime';
  }
  return 'Gram engine in the tfjs heap';
}

const mse: LossConvention = { reduction: 'mean', half: false };

/**
 * FLOPs of one fc2 GD step (dominant matMuls + elementwise), naive or Gram
 * update. For W1 the host kernel (kernels/rank1.ts) does O(n + m) work per
 * step, so its GFLOPS are "naive-equivalent" (this model ÷ wall time).
 */
function fc2StepFlops(n: number, d: number, m: number, variant: Variant, gram: boolean): number {
  const ew = (variant === 'quad' ? 14 : variant === 'lin' ? 8 : 8) * n * m; // elementwise + matvecs
  const first = gram ? 2 * n * n * m : 4 * n * d * m; // A update (or forward + weight gradient)
  return first + ew;
}

/** W1: Zhu Fig. 3 NQM, 2000 GD steps at η = 1.5·(2/λ1(0)). */
export async function benchW1(seed = 0): Promise<BenchResult> {
  // the same data as the pipeline's zhu-fig3 (dataset gauss-pm2)
  const generated = generateSynthetic({ generator: 'gaussian-mixture', seed, params: { n: 128, dim: 1, mean: 2, std: 1 } });
  if (!generated.ok) throw new Error(generated.error.message);
  const data: DataArrays = generated.value;
  const n = data.nTrain;
  const spec: ModelSpec = { arch: 'fc2', width: 5000, activation: 'relu' };
  const init = await initModel(spec, data, mse, seed);
  const lambda1 = init.lambda12![0];
  const crit1 = 2 / ((2 / n) * lambda1);
  const eta = 1.5 * crit1;
  const train: TrainSpec = { optimizer: 'gd', steps: 2000, evalEvery: 0, record: { dense: 2001, points: 0 }, metrics: ['loss'] };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await trainModel(spec, 'quad', data, mse, seed, eta, train, { ceiling: 1e12 });
  const seconds = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  const flops = fc2StepFlops(n, 1, 5000, 'quad', false) * r.steps;
  return {
    workload: 'W1',
    backend: '',
    seconds,
    cpuSeconds,
    gflops: flops / seconds / 1e9,
    steps: r.steps,
    check: {
      'crit1 = 2/λ1(0)': +crit1.toFixed(4),
      'crit2 = 2/λ2(0)': +(2 / ((2 / n) * init.lambda12![1])).toFixed(4),
      'final loss': r.final.loss,
      'peak loss': Math.max(...r.trajectory.loss),
      status: r.status,
      path: process.env.CATAPULT_FAST_KERNELS === '0' ? 'tensor' : 'rank-1 host kernel (GFLOPS naive-equivalent)',
    },
  };
}

function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(file));
  const nd = buf[3]!;
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * nd, dims.reduce((a, b) => a * b, 1)) };
}

/** MNIST 0 (−1) vs 1 (+1), the first `nTrain` training examples of those classes and all test examples; pixels/255. */
export function mnist01(root = process.env.CATAPULT_DATA_ROOT ?? '/work/shared/datasets', nTrain = 128): DataArrays {
  const pick = (img: string, lab: string, limit: number): { x: Float32Array; y: Float32Array; n: number } => {
    const I = readIdx(path.join(root, 'mnist', img));
    const L = readIdx(path.join(root, 'mnist', lab));
    const idx: number[] = [];
    for (let i = 0; i < L.data.length && idx.length < limit; i++) if (L.data[i] === 0 || L.data[i] === 1) idx.push(i);
    const x = new Float32Array(idx.length * 784);
    const y = new Float32Array(idx.length);
    idx.forEach((k, j) => {
      for (let p = 0; p < 784; p++) x[j * 784 + p] = I.data[k * 784 + p]! / 255;
      y[j] = L.data[k] === 0 ? -1 : 1;
    });
    return { x, y, n: idx.length };
  };
  const tr = pick('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', nTrain);
  const te = pick('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', Infinity);
  return { inputShape: [784], nTrain: tr.n, xTrain: tr.x, yTrain: tr.y, nTest: te.n, xTest: te.x, yTest: te.y };
}

/** W3: Meltzer Fig. 3 run: two-layer ReLU width 1024, GD at η = 2.5/λmax(H0) until ΔL < 1e-8. */
export async function benchW3(data: DataArrays = mnist01(), seed = 0): Promise<BenchResult> {
  const spec: ModelSpec = { arch: 'fc2', width: 1024, activation: 'relu' };
  const loss: LossConvention = { reduction: 'mean', half: true };
  const init = await initModel(spec, data, loss, seed);
  const eta = 2.5 / init.lambdaMaxH;
  const train: TrainSpec = { optimizer: 'gd', steps: 20000, tol: 1e-8, tolAbsolute: true, evalEvery: 0, record: { dense: 10, points: 50 }, metrics: ['loss'] };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const runs0 = ortRunCount();
  const r = await trainModel(spec, 'net', data, loss, seed, eta, train, { ceiling: 1e8 });
  const seconds = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  const flops = fc2StepFlops(data.nTrain, 784, 1024, 'net', 784 > data.nTrain) * r.steps;
  return {
    workload: 'W3',
    backend: '',
    seconds,
    cpuSeconds,
    gflops: flops / seconds / 1e9,
    steps: r.steps,
    check: { train: r.final.loss, test: r.final.testLoss ?? NaN, status: r.status, path: gramPath(runs0) },
    run: { data, width: 1024, seed, eta, c: 0.5 / data.nTrain, ct: 0.5 / data.nTest, steps: 20000, tol: 1e-8 },
  };
}

/** Random data of CIFAR-2's shape (256 × 3072 train, 2000 test), standardised pixels, ±1 labels. */
export function randomCifar2(seed = 0): DataArrays {
  const r = new Rng(seed, 'bench/cifar2');
  const d = 3072;
  return {
    inputShape: [d],
    nTrain: 256,
    xTrain: r.fork('x').normal32(256 * d),
    yTrain: Float32Array.from(r.fork('y').rademacher(256)),
    nTest: 2000,
    xTest: r.fork('xt').normal32(2000 * d),
    yTest: Float32Array.from(r.fork('yt').rademacher(2000)),
  };
}

/**
 * Zhu's CIFAR-2 (airplane −1 / bird +1, 256 train, 2000 test, per-channel
 * standardised pixels) from the data root, or null when it is not there
 * (the benchmark then uses random data of the same shape).
 */
export async function realCifar2(): Promise<DataArrays | null> {
  const r = await loadRealDataset(
    {
      source: 'cifar10',
      classes: [0, 2],
      train: 256,
      test: 2000,
      seed: 0,
      features: { kind: 'pixels', scale: 'channel-standardise', mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
    },
    { root: process.env.CATAPULT_DATA_ROOT ?? '/work/shared/datasets', offline: true, log: () => {}, progress: () => {} },
  );
  if (!r.ok) return null;
  // the FC flattens whatever per-example shape the loader reports
  const d = r.value.data;
  const dim = d.xTrain.length / d.nTrain;
  return { ...d, inputShape: [dim] };
}

/** Which engine ran a W4 variant (the GFLOPS always use the Gram-update FLOP model). */
function w4Path(variant: Variant, gram: boolean, runsBefore: number): string {
  if (process.env.CATAPULT_FAST_KERNELS === '0') return gram ? 'tensor Gram path' : 'tensor path';
  if (!gram) return 'tensor path';
  return variant === 'lin' ? 'example space, O(n²)/step (GFLOPS Gram-equivalent)' : gramPath(runsBefore);
}

/** W4: two-layer ReLU width 5000, 1000 GD steps at 0.5·η_crit, test every 10, per variant. */
export async function benchW4(data: DataArrays = randomCifar2(), steps = 1000, seed = 0, dataLabel = 'random'): Promise<BenchResult[]> {
  const spec: ModelSpec = { arch: 'fc2', width: 5000, activation: 'relu' };
  const init = await initModel(spec, data, mse, seed);
  const out: BenchResult[] = [];
  const d = data.xTrain.length / data.nTrain;
  for (const variant of ['net', 'lin', 'quad'] as const) {
    const train: TrainSpec = { optimizer: 'gd', steps, evalEvery: 10, record: { dense: 10, points: 20 }, metrics: ['loss'] };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const runs0 = ortRunCount();
    const r = await trainModel(spec, variant, data, mse, seed, 0.5 * init.etaCrit, train, { ceiling: 1e8 });
    const seconds = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const cpuSeconds = (cu.user + cu.system) / 1e6;
    const gram = d > data.nTrain;
    const evalFlops = (r.steps / 10) * 2 * data.nTest * data.nTrain * 5000;
    const flops = fc2StepFlops(data.nTrain, d, 5000, variant, gram) * r.steps + evalFlops;
    out.push({
      workload: `W4 ${variant}`,
      backend: '',
      seconds,
      cpuSeconds,
      gflops: flops / seconds / 1e9,
      steps: r.steps,
      check: { data: dataLabel, 'best test loss': r.best?.testLoss ?? NaN, 'best at step': r.best?.step ?? NaN, 'final train loss': r.final.loss, status: r.status, 'η/η_crit': 0.5, path: w4Path(variant, gram, runs0) },
      run: { data, width: 5000, seed, eta: 0.5 * init.etaCrit, c: 1 / data.nTrain, ct: 1 / data.nTest, steps, evalEvery: 10 },
    });
  }
  return out;
}

/** Timed W3 runs (each side; the medians are compared): a ~1 s run varies by up to 2× here, NumPy's as much as catapult's. */
const W3_REPS = 3;

/**
 * The run with the median time of `reps` runs, each from a cold memo (a run
 * must not reuse the previous one's pre-activations), with every time in
 * its check and `reps` in its run spec (the NumPy side repeats as often).
 */
async function medianOf(reps: number, run: () => Promise<BenchResult>): Promise<BenchResult> {
  const rs: BenchResult[] = [];
  for (let i = 0; i < reps; i++) {
    preactMemo.clear();
    rs.push(await run());
  }
  rs.sort((a, b) => a.seconds - b.seconds);
  const mid = rs[Math.floor(rs.length / 2)]!;
  return {
    ...mid,
    check: { ...mid.check, runs: rs.map((r) => r.seconds.toFixed(2)).join(' / ') },
    ...(mid.run ? { run: { ...mid.run, reps } } : {}),
  };
}

const ANCHORS: Record<string, string> = {
  W1: 'NumPy 1.75 s, PyTorch 0.90 s',
  W3: 'NumPy 2.2 s (1736 steps), PyTorch 3.7 s',
  'W4 net': 'NumPy Gram 5.9–6.8 s, straightforward 57–64 s',
  'W4 lin': 'NumPy Gram 5.9–6.8 s, straightforward 57–64 s',
  'W4 quad': 'NumPy Gram 5.9–6.8 s, straightforward 57–64 s',
};

export async function runNetBenches(which: string[], backend: 'wasm' | 'cpu', w4Steps = 1000): Promise<BenchResult[]> {
  const info = await initBackend(backend);
  const res: BenchResult[] = [];
  if (which.includes('w1')) res.push(await benchW1());
  if (which.includes('w3')) {
    const mnist = mnist01();
    res.push(await medianOf(W3_REPS, () => benchW3(mnist)));
  }
  if (which.includes('w4')) {
    const real = await realCifar2();
    res.push(...(await benchW4(real ?? randomCifar2(), w4Steps, 0, real ? 'CIFAR-2 (real)' : 'random, CIFAR-2 shape (real data not found)')));
  }
  for (const r of res) r.backend = `${info.name} (tfjs ${info.version})`;
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const backend = (args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'wasm') as 'wasm' | 'cpu';
  const w4Steps = args.includes('--w4-steps') ? Number(args[args.indexOf('--w4-steps') + 1]) : 1000;
  const which = args.filter((a) => /^w\d$/.test(a));
  const res = await runNetBenches(which.length ? which : ['w1', 'w3', 'w4'], backend, w4Steps);
  for (const r of res) {
    console.log(
      `${r.workload.padEnd(8)} ${r.backend}  ${r.seconds.toFixed(2)} s (cpu ${r.cpuSeconds.toFixed(2)} s)  ${r.gflops.toFixed(1)} GFLOPS  ${r.steps} steps  ${JSON.stringify(r.check)}  [anchor: ${ANCHORS[r.workload] ?? '-'}]`,
    );
  }
}
