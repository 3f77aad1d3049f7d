/**
 * Facts about the environment a run happens in — repository root, git state,
 * which numeric backend will run, package versions — gathered once per CLI
 * invocation and fed into fingerprints and the report's provenance.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../config/types.js';
import { packageVersion } from '../numerics/packages.js';

/** The catapult checkout: the nearest ancestor of this file holding package.json named "catapult". */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'catapult') return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`catapult: cannot find the repository root above ${from}`);
    dir = up;
  }
}

/** catapult's own version, from its package.json. */
export function catapultVersion(root: string = repoRoot()): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface GitInfo {
  commit: string | null;
  dirty: boolean;
}

export function gitInfo(root: string): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: false };
  }
}

const require = createRequire(import.meta.url);

/** Packages that shape charts and the report; shown in provenance. */
export const REPORT_PACKAGES = ['vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js'];

export function versions(names: readonly string[], root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = packageVersion(n, root);
    if (v) out[n] = v;
  }
  return out;
}

/**
 * The backend `auto` resolves to, decided without initialising tfjs (which
 * costs a second): tfjs-node when it is installed and its native binding
 * loads, else wasm. Workers then initialise exactly this backend, and refuse
 * to run if they end up on another one, so keys never lie about the backend.
 */
export function resolveBackend(requested: BackendName, root: string): Exclude<BackendName, 'auto'> {
  if (requested !== 'auto') return requested;
  if (packageVersion('@tensorflow/tfjs-node', root)) {
    try {
      require.resolve('@tensorflow/tfjs-node', { paths: [root] });
      return 'node';
    } catch {
      /* fall through */
    }
  }
  return packageVersion('@tensorflow/tfjs-backend-wasm', root) ? 'wasm' : 'cpu';
}
