/**
 * Which installed packages decide a numeric stage's numbers: one list and one
 * function, read by the CLI for cache keys and by the numerics, tests and
 * benchmarks. Imports no tfjs, so the CLI computes keys without loading it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ortSwitchedOff } from './ort/runtime.js';

/** Packages whose versions can change numbers; they enter the key of numeric stages. */
export const NUMERIC_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-node'];

const require = createRequire(import.meta.url);

/** Version of an installed package (resolved from `root` when given, else from catapult itself), or null. */
export function packageVersion(name: string, root?: string): string | null {
  try {
    const pkgPath = require.resolve(`${name}/package.json`, root !== undefined ? { paths: [root] } : undefined);
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * Versions of the installed {@link NUMERIC_PACKAGES}, plus `onnxruntime-node`
 * when the numerics will use it (installed, and not switched off by
 * CATAPULT_ORT=0 / CATAPULT_FAST_KERNELS=0): its kernels round differently
 * from wasm's, so results with and without it must not share keys. Decided
 * without loading it; workers load it and refuse to run if it does not (see
 * stages/index.ts `prepareWorker`), so keys never lie.
 */
export function numericPackages(env: NodeJS.ProcessEnv = process.env, root?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of NUMERIC_PACKAGES) {
    const v = packageVersion(p, root);
    if (v !== null) out[p] = v;
  }
  if (ortSwitchedOff(env) === null) {
    const ort = packageVersion('onnxruntime-node', root);
    if (ort !== null) out['onnxruntime-node'] = ort;
  }
  return out;
}
