/**
 * Backend selection for TensorFlow.js.
 *
 * Why: the same seed must give the same numbers, and the backend is part of
 * every fingerprint (float32 kernels differ between backends in the last
 * bits). `auto` prefers the native binding (`@tensorflow/tfjs-node`, an
 * optional dependency that cannot install everywhere), then the
 * WebAssembly backend (single-threaded in Node, but 5–20× faster than the
 * pure-JS kernels), then the pure-JS `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Result, ok, err } from '../core/result.js';
import { backendUnavailable } from '../messages/numerics.js';

export type BackendRequest = 'auto' | 'wasm' | 'cpu' | 'node';

/** What went into fingerprints and the report: the tfjs backend name and the tfjs version. */
export interface BackendInfo {
  name: string;
  version: string;
}

export interface BackendFailure {
  reason: 'backend-unavailable';
  backend: string;
  message: string;
}

export { numericPackages } from './packages.js';

const require = createRequire(import.meta.url);

function info(): BackendInfo {
  return { name: tf.getBackend(), version: tf.version.tfjs };
}

async function tryNode(): Promise<Result<BackendInfo, BackendFailure>> {
  try {
    // A variable specifier keeps bundlers/tsc from resolving the optional package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend(tensorflow) returned false');
    await tf.ready();
    return ok(info());
  } catch (e) {
    return err({ reason: 'backend-unavailable', backend: 'node', message: backendUnavailable('node', String((e as Error).message ?? e)) });
  }
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Result<BackendInfo, BackendFailure>> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // In Node the .wasm binaries are read from the package's dist folder by file path.
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
    await tf.ready();
    return ok(info());
  } catch (e) {
    return err({ reason: 'backend-unavailable', backend: 'wasm', message: backendUnavailable('wasm', String((e as Error).message ?? e)) });
  }
}

async function tryCpu(): Promise<Result<BackendInfo, BackendFailure>> {
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
    await tf.ready();
    return ok(info());
  } catch (e) {
    return err({ reason: 'backend-unavailable', backend: 'cpu', message: backendUnavailable('cpu', String((e as Error).message ?? e)) });
  }
}

/**
 * Select a backend; `auto` falls back silently (node → wasm → cpu), an
 * explicit request fails as a value when that backend cannot load.
 */
export async function selectBackend(requested: BackendRequest): Promise<Result<BackendInfo, BackendFailure>> {
  const r = await select(requested);
  if (r.ok) current = r.value;
  return r;
}

async function select(requested: BackendRequest): Promise<Result<BackendInfo, BackendFailure>> {
  if (requested === 'node') return tryNode();
  if (requested === 'wasm') return tryWasm();
  if (requested === 'cpu') return tryCpu();
  const n = await tryNode();
  if (n.ok) return n;
  const w = await tryWasm();
  if (w.ok) return w;
  return tryCpu();
}

/**
 * Initialise the requested backend and report `{name, version}`.
 * Throws only when an explicitly requested backend cannot load
 * (use `selectBackend` for the Result form).
 */
export async function initBackend(requested: BackendRequest): Promise<BackendInfo> {
  const r = await selectBackend(requested);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

let current: BackendInfo | null = null;

/** The backend chosen by the last successful `initBackend`, initialising `auto` if none was. */
export async function ensureBackend(): Promise<BackendInfo> {
  return current ?? initBackend('auto');
}
