/**
 * Static keys for a whole graph: each instance's key is the fingerprint of
 * its params, its stage's source, its runtime and the keys of its deps (not
 * their outputs), so every key is known before anything runs — which is what
 * lets `plan` say exactly what would execute, and a no-op run finish in
 * milliseconds per instance.
 */
import { computeFingerprint, hashCode, type Fingerprint, type FingerprintInput } from '../cache/fingerprint.js';
import type { StageInstance, StageKind } from '../core/stage.js';
import type { Graph } from './build.js';

export interface KeyedInstance {
  readonly key: string;
  readonly fingerprint: Fingerprint;
}

export interface KeyContext {
  readonly repoRoot: string;
  /** Backend the workers will run (already resolved from `auto`). */
  readonly backend: string;
  /** Versions of the packages that change numbers. */
  readonly numericPackages: Readonly<Record<string, string>>;
  /** Per kind: hashed source paths and whether the backend matters (stages/manifest.ts). */
  readonly meta: Readonly<Record<StageKind, { readonly code: readonly string[]; readonly numeric: boolean }>>;
}

/**
 * Keys for instances whose fingerprints chain through their deps' keys: each
 * instance's key covers `inputOf(instance)` plus the keys of its deps, visited
 * depth-first (deps need not come first). The one place keys are chained —
 * the graph, tests and benchmarks only differ in what else they hash.
 */
export function chainKeys(
  instances: readonly StageInstance[],
  inputOf: (inst: StageInstance) => Omit<FingerprintInput, 'depKeys'>,
): Map<string, KeyedInstance> {
  const byId = new Map(instances.map((i) => [i.id, i]));
  const keys = new Map<string, KeyedInstance>();
  const visiting = new Set<string>();
  const visit = (id: string): KeyedInstance => {
    const done = keys.get(id);
    if (done) return done;
    const inst = byId.get(id);
    if (!inst) throw new Error(`chainKeys: unknown instance ${id}`);
    if (visiting.has(id)) throw new Error(`chainKeys: cycle through ${id}`);
    visiting.add(id);
    const depKeys = inst.deps.map((d) => visit(d).key);
    visiting.delete(id);
    const keyed = computeFingerprint({ ...inputOf(inst), depKeys });
    keys.set(id, keyed);
    return keyed;
  };
  for (const inst of instances) visit(inst.id);
  return keys;
}

export function computeKeys(graph: Graph, ctx: KeyContext): Map<string, KeyedInstance> {
  const codeHashes = new Map<StageKind, string>();
  const codeHashOf = (kind: StageKind): string => {
    let h = codeHashes.get(kind);
    if (h === undefined) {
      h = hashCode(ctx.repoRoot, ctx.meta[kind].code);
      codeHashes.set(kind, h);
    }
    return h;
  };
  return chainKeys(graph.instances, (inst) => ({
    kind: inst.kind,
    params: inst.params,
    codeHash: codeHashOf(inst.kind),
    runtime: ctx.meta[inst.kind].numeric ? { backend: ctx.backend, packages: ctx.numericPackages } : { backend: null, packages: {} },
  }));
}
