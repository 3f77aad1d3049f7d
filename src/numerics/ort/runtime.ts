/**
 * onnxruntime-node as an optional matMul accelerator for the host-resident
 * kernels (../kernels/gram-ort.ts).
 *
 * Why: the tfjs wasm backend is single-threaded in Node and its matMul peaks
 * near 19 GFLOPS; onnxruntime's CPU provider (MLAS) reaches ~110 GFLOPS on
 * two cores on the same products. It is an optional dependency (a 288 MB
 * tarball with every platform's binaries): when it is missing, fails to load,
 * or is switched off (CATAPULT_ORT=0 or CATAPULT_FAST_KERNELS=0), everything
 * runs on tfjs as before.
 *
 * Sessions run synchronously through the package's native binding: the
 * public `InferenceSession.run` is a Promise around that same synchronous
 * call, and the models' step API is synchronous. Outputs are written into
 * caller-owned Float32Arrays (pre-allocated fetches), so a step allocates
 * nothing on either heap.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { type Result, ok, err } from '../../core/result.js';
import { ortBadThreads, ortDisabled, ortUnavailable } from '../../messages/numerics.js';
import { encodeOnnxModel } from './onnx.js';

/** A float32 array with its shape, as fed to or fetched from a session. */
export interface OrtArray {
  data: Float32Array;
  dims: readonly number[];
}

/** A loaded model; `run` writes every output into the arrays given (shapes must match the model's). */
export interface OrtSession {
  run(feeds: Record<string, OrtArray>, outputs: Record<string, OrtArray>): void;
  dispose(): void;
}

/**
 * Session options that stop the intra-op workers from spin-waiting after a
 * run. Why: every session has its own worker pool, and on a 2-core machine a
 * worker of one session spinning after its run steals a core from the next
 * session's run (the Gram step and the test evaluation alternate) and from
 * Node's own threads: measured on W4 (5000×256, test of 2000 every 10
 * steps) the step went from 12.5 to 9.5 ms and the evaluation from 84 to
 * 52 ms on average. Small graphs run back to back (W3's step, ~0.5 ms)
 * keep spinning: waking a sleeping worker per op costs them ~20%.
 */
export const ORT_NO_SPIN: Readonly<Record<string, unknown>> = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

/** Whether a session whose largest array has `elems` elements should spin-wait (see ORT_NO_SPIN). */
export function ortSpins(elems: number): boolean {
  return elems < 1 << 20;
}

/** The loaded runtime: its version (for fingerprints), its thread count, and a session factory. */
export interface OrtRuntime {
  readonly version: string;
  readonly threads: number;
  /** `extra` session options override the defaults (e.g. `{ enableProfiling: true }` when tuning a graph). */
  session(model: Uint8Array, extra?: Record<string, unknown>): OrtSession;
}

export interface OrtFailure {
  reason: 'ort-disabled' | 'ort-unavailable';
  message: string;
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): unknown;
  dispose(): void;
}

interface NativeBinding {
  InferenceSession: new () => NativeSession;
}

type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;

const require = createRequire(import.meta.url);
const PKG = 'onnxruntime-node';

/**
 * Intra-op threads per session: CATAPULT_ORT_THREADS when set (whoever
 * spawns N worker threads sets it to ⌊cores / N⌋ so that the workers do not
 * oversubscribe the cores), else all available cores. Bad values fall back
 * to the default with a warning from `ortThreads`'s caller.
 */
export function ortThreads(env: NodeJS.ProcessEnv = process.env): { threads: number; warning?: string } {
  const fallback = Math.max(1, os.availableParallelism());
  const raw = env.CATAPULT_ORT_THREADS;
  if (raw === undefined || raw === '') return { threads: fallback };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return { threads: fallback, warning: ortBadThreads(raw) };
  return { threads: n };
}

/** Why onnxruntime is switched off by the environment, or null when it may be used. */
export function ortSwitchedOff(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CATAPULT_ORT === '0') return ortDisabled('CATAPULT_ORT');
  if (env.CATAPULT_FAST_KERNELS === '0') return ortDisabled('CATAPULT_FAST_KERNELS');
  return null;
}

function load(): Result<OrtRuntime, OrtFailure> {
  const off = ortSwitchedOff();
  if (off) return err({ reason: 'ort-disabled', message: off });
  try {
    const version = (require(`${PKG}/package.json`) as { version: string }).version;
    const b = require(`${PKG}/dist/binding.js`) as { binding: NativeBinding; initOrt(): void };
    const { Tensor } = require(PKG) as { Tensor: TensorCtor };
    b.initOrt();
    const { threads, warning } = ortThreads();
    if (warning) process.emitWarning(warning);
    const options = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      enableMemPattern: true,
    };
    const wrap = (a: OrtArray): unknown => new Tensor('float32', a.data, a.dims);
    const session = (model: Uint8Array, extra?: Record<string, unknown>): OrtSession => {
      const s = new b.binding.InferenceSession();
      s.loadModel(model.buffer, model.byteOffset, model.byteLength, { ...options, ...extra });
      return {
        run(feeds, outputs) {
          runs++;
          const f: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(feeds)) f[k] = wrap(v);
          const o: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(outputs)) o[k] = wrap(v);
          s.run(f, o, {});
        },
        dispose: () => {
          if ((extra as { enableProfiling?: boolean } | undefined)?.enableProfiling) (s as unknown as { endProfiling(): void }).endProfiling();
          s.dispose();
        },
      };
    };
    // one trivial session proves the shared library loads and runs here
    const probe = session(encodeOnnxModel({ nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [1] }], outputs: [{ name: 'y', dims: [1] }] }));
    const y = new Float32Array(1);
    probe.run({ x: { data: Float32Array.of(2), dims: [1] } }, { y: { data: y, dims: [1] } });
    probe.dispose();
    if (y[0] !== -2) throw new Error(`probe session returned ${y[0]} for −2`);
    return ok({ version, threads, session });
  } catch (e) {
    return err({ reason: 'ort-unavailable', message: ortUnavailable(String((e as Error).message ?? e).split('\n')[0]!) });
  }
}

let cached: Result<OrtRuntime, OrtFailure> | null = null;
let runs = 0;

/** Session runs so far in this thread (benchmarks report whether onnxruntime actually ran a workload). */
export function ortRunCount(): number {
  return runs;
}

/** The runtime, loaded once per thread; a failure (or the switch) means "use tfjs". */
export function loadOrt(): Result<OrtRuntime, OrtFailure> {
  return (cached ??= load());
}

/** Forget the loaded runtime, so that the environment switch is read again (tests). */
export function resetOrtForTests(): void {
  cached = null;
}
