/**
 * `npm run bench`: the benchmark workloads of ../shared/PERF-ANCHORS.md, timed
 * on catapult's backends and printed beside the NumPy and PyTorch anchors as
 * ratios (catapult time / anchor time; < 1 means faster). Machines are noisy:
 * the sgemm peak is measured in the same run as a local baseline. When
 * `python3` has numpy, the NumPy references (bench/numpy_ref.py) also run
 * here on the same arrays (bench/numpy.ts), giving same-machine ratios.
 *
 *   npm run bench                    all workloads on wasm (+ sgemm on cpu)
 *   npm run bench -- W1 W2           a subset
 *   npm run bench -- --w4-steps 100  shorter W4 (time scaled to 1000 steps)
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { initBackend } from '../src/numerics/backend.js';
import { benchNoopRerun } from './engine.js';
import { benchFullDagNoop } from './full-dag.js';
import { runNetBenches } from './numerics-nets.js';
import { benchW2 } from './numerics-quadratic.js';
import { type Fc2Run, runNumpy } from './numpy.js';
import { loadOrt } from '../src/numerics/ort/runtime.js';
import { ortMatMul } from '../src/numerics/ort/matmul.js';
import { Rng } from '../src/numerics/rng.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Anchors from PERF-ANCHORS.md (seconds). */
const ANCHORS: Record<string, { numpy?: number; torch?: number; note?: string }> = {
  sgemm: { numpy: 0.038, torch: 0.042, note: '2048³ float32' },
  W1: { numpy: 1.75, torch: 0.9 },
  W2: { numpy: 0.42, torch: 0.76 },
  W3: { numpy: 2.2, torch: 3.7 },
  'W4 net': { numpy: 6.35, note: 'NumPy with the Gram update, 5.9–6.8 s (straightforward 57–64 s)' },
  'W4 lin': { numpy: 6.35 },
  'W4 quad': { numpy: 6.35 },
};

interface Row {
  workload: string;
  backend: string;
  seconds: number;
  gflops?: number;
  check: string;
  /** Seconds of the NumPy reference on this machine, same arrays (bench/numpy.ts). */
  numpyHere?: number;
}

/** 2048³ on onnxruntime (MLAS), when it loads: the peak the Gram engine's products can reach here. */
function sgemmOrt(): Row | null {
  const rt = loadOrt();
  if (!rt.ok) return null;
  const n = 2048;
  const a = new Rng(1, 'sgemm').normal32(n * n);
  const b = new Rng(2, 'sgemm').normal32(n * n);
  ortMatMul(rt.value, a, b, n, n, n, 1);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    ortMatMul(rt.value, a, b, n, n, n, 1);
    times.push((performance.now() - t0) / 1000);
  }
  const s = times.sort((x, y) => x - y)[1]!;
  return { workload: 'sgemm', backend: `onnxruntime-node ${rt.value.version} (${rt.value.threads} threads)`, seconds: s, gflops: (2 * n ** 3) / s / 1e9, check: '2048³' };
}

function ratio(s: number, a: number | undefined): string {
  return a === undefined ? '—' : `${(s / a).toFixed(2)}×`;
}

async function sgemm(backend: 'wasm' | 'cpu'): Promise<Row> {
  const info = await initBackend(backend);
  const n = backend === 'cpu' ? 512 : 2048;
  const times: number[] = [];
  tf.tidy(() => {
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    tf.matMul(a, b).dataSync();
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      tf.matMul(a, b).dataSync();
      times.push((performance.now() - t0) / 1000);
    }
  });
  const s = times.sort((x, y) => x - y)[1]!;
  const gflops = (2 * n ** 3) / s / 1e9;
  // scale to 2048³ for the anchor comparison
  const scaled = (2 * 2048 ** 3) / (gflops * 1e9);
  return { workload: 'sgemm', backend: `${info.name}`, seconds: scaled, gflops, check: n === 2048 ? '2048³' : `${n}³, time scaled to 2048³` };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const w4Steps = args.includes('--w4-steps') ? Number(args[args.indexOf('--w4-steps') + 1]) : 1000;
  const wanted = args.filter((a) => /^(W\d|sgemm|engine|dag)$/i.test(a)).map((a) => a.toUpperCase());
  const want = (w: string): boolean => wanted.length === 0 || wanted.includes(w.toUpperCase());
  const rows: Row[] = [];
  const netRuns = new Map<string, Fc2Run>();
  const log = (r: Row): void => {
    rows.push(r);
    process.stderr.write(`  done: ${r.workload} on ${r.backend} in ${r.seconds.toFixed(3)} s\n`);
  };

  if (want('sgemm')) {
    log(await sgemm('wasm'));
    log(await sgemm('cpu'));
    const o = sgemmOrt();
    if (o) log(o);
  }
  if (want('W2')) {
    await initBackend('wasm');
    const w2 = await benchW2();
    log({ workload: 'W2', backend: 'wasm + typed arrays', seconds: w2.seconds, check: `edge ${w2.edge[0]}|${w2.edge[1]}, expm 1000² ${w2.expmSeconds.toFixed(2)} s (NumPy f32 0.06 s)` });
  }
  const nets = ['W1', 'W3', 'W4'].filter(want).map((w) => w.toLowerCase());
  if (nets.length) {
    if (nets.includes('w3') && !existsSync(process.env.CATAPULT_DATA_ROOT ?? join(ROOT, '..', 'shared', 'datasets'))) {
      process.stderr.write('  W3 skipped: MNIST not found (set CATAPULT_DATA_ROOT)\n');
      nets.splice(nets.indexOf('w3'), 1);
    }
    for (const r of await runNetBenches(nets, 'wasm', w4Steps)) {
      const scale = r.workload.startsWith('W4') ? 1000 / w4Steps : 1;
      log({ workload: r.workload, backend: r.backend, seconds: r.seconds * scale, gflops: r.gflops, check: `${r.steps} steps ${JSON.stringify(r.check)}${scale !== 1 ? ` (×${scale} to 1000 steps)` : ''}` });
      if (r.run) netRuns.set(r.workload, r.run);
    }
  }
  const numpyNotes = sameMachineNumpy(rows, netRuns, want('sgemm'), w4Steps);
  if (want('engine')) {
    const e = await benchNoopRerun();
    log({ workload: 'no-op rerun (synthetic DAG)', backend: '-', seconds: e.seconds, check: `${e.instances} instances, target < 2 s` });
  }
  if (want('dag')) {
    const d = await benchFullDagNoop(ROOT);
    log({ workload: 'no-op rerun (pipeline.yaml, paper scale)', backend: '-', seconds: d.seconds, check: `${d.instances} instances, ${d.executedOnRerun} executed; whole CLI process, target < 2 s` });
  }

  const head = ['workload', 'backend', 'seconds', 'GFLOPS', 'vs NumPy here', 'vs NumPy anchor', 'vs PyTorch anchor', 'check / notes'];
  const table = rows.map((r) => [
    r.workload,
    r.backend,
    r.seconds.toFixed(3),
    r.gflops === undefined ? '—' : r.gflops.toFixed(1),
    r.numpyHere === undefined ? '—' : `${(r.seconds / r.numpyHere).toFixed(2)}× (${r.numpyHere.toFixed(3)} s)`,
    ratio(r.seconds, ANCHORS[r.workload]?.numpy),
    ratio(r.seconds, ANCHORS[r.workload]?.torch),
    r.check,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const t of table) console.log(line(t));
  console.log('\nRatios are catapult time / reference time; < 1 is faster. "here": NumPy float32 on this machine, same arrays (bench/numpy_ref.py);');
  console.log('"anchor": PERF-ANCHORS.md (NumPy and PyTorch measured on another AVX-512 machine).');
  for (const n of numpyNotes) console.log(n);
}

await main();

/**
 * Run the NumPy references of the workloads that ran (same arrays), fill
 * each row's `numpyHere`, and return notes (the NumPy version or why it did
 * not run; check values side by side).
 */
function sameMachineNumpy(rows: Row[], runs: Map<string, Fc2Run>, sgemmWanted: boolean, w4Steps: number): string[] {
  const w3 = runs.get('W3');
  const w4Variants = [...runs.keys()].filter((k) => k.startsWith('W4 ')).map((k) => k.slice(3));
  const w4 = runs.get(`W4 ${w4Variants[0]}`);
  if (!w3 && !w4 && !sgemmWanted) return [];
  process.stderr.write('  running the NumPy references on the same arrays...\n');
  const rep = runNumpy({ sgemm: sgemmWanted, ...(w3 ? { W3: w3 } : {}), ...(w4 ? { W4: { ...w4, variants: w4Variants } } : {}) });
  if (!rep.ok) return [`NumPy here: not run (${rep.reason}); only anchor ratios are shown.`];
  const notes = [`NumPy here: numpy ${rep.version}, float32, default BLAS threads; each W3/W4 run includes its own set-up (pre-activations at w0, Gram matrices).`];
  for (const r of rows) {
    const res = rep.results[r.workload];
    if (!res) continue;
    const scale = r.workload.startsWith('W4') ? 1000 / w4Steps : 1;
    r.numpyHere = res.seconds * scale;
    if (res.all_seconds && res.all_seconds.length > 1) {
      notes.push(`  ${r.workload}: NumPy runs ${res.all_seconds.map((x) => x.toFixed(2)).join(' / ')} s (median compared)`);
    }
    if (res.best_test_loss !== undefined) {
      notes.push(`  ${r.workload}: NumPy best test loss ${res.best_test_loss.toFixed(4)} at step ${res.best_step}, final train loss ${res.final_loss?.toExponential(3)} (${res.steps} steps)`);
    } else if (res.steps !== undefined) {
      notes.push(`  ${r.workload}: NumPy ${res.steps} steps, train ${res.final_loss?.toExponential(3)}, test ${res.final_test_loss?.toFixed(4)}`);
    }
  }
  return notes;
}
