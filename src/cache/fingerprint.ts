import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256, type JsonValue } from '../core/json.js';
import type { StageKind } from '../core/stage.js';

/**
 * Version of the hashing scheme. It is part of every fingerprint, so bumping it
 * (when the meaning of a fingerprint field or the artifact layout changes)
 * invalidates every cache entry at once instead of silently reusing entries
 * that were produced under other rules.
 */
export const SCHEME_VERSION = 1;

/** Folder names never hashed as stage code: installed packages and build output are not the stage's source. */
const IGNORED_DIRS = new Set(['node_modules', 'dist', '.git', 'cache', 'coverage']);
/** File names never hashed: editor/OS debris and source maps say nothing about behaviour. */
const IGNORED_FILE = (name: string): boolean =>
  name === '.DS_Store' || name.endsWith('.map') || name.endsWith('.log') || name.endsWith('~') || name.endsWith('.swp');

const codeHashMemo = new Map<string, string>();

/** Drops the per-process memo of {@link hashCode}; for tests that edit files between calls. */
export function clearCodeHashMemo(): void {
  codeHashMemo.clear();
}

function collectFiles(repoRoot: string, rel: string, out: string[]): void {
  const abs = path.resolve(repoRoot, rel);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new Error(`hashCode: code path does not exist: ${rel} (under ${repoRoot})`);
  if (st.isDirectory()) {
    for (const ent of readdirSync(abs, { withFileTypes: true })) {
      const childRel = path.posix.join(rel.split(path.sep).join('/'), ent.name);
      if (ent.isDirectory()) {
        if (!IGNORED_DIRS.has(ent.name)) collectFiles(repoRoot, childRel, out);
      } else if (ent.isFile() && !IGNORED_FILE(ent.name)) {
        out.push(childRel);
      }
    }
  } else if (st.isFile()) {
    out.push(rel.split(path.sep).join('/'));
  }
}

/**
 * SHA-256 over the sorted repo-relative paths and contents of the listed files
 * and folders (folders recurse; `node_modules`, `dist`, `.git`, `cache` and
 * editor debris are skipped). This is the "code" part of a fingerprint: editing
 * a stage's source changes the keys of that stage and everything downstream.
 *
 * Each file contributes `path \0 byteLength \0 contents`, so no two different
 * trees can produce the same byte stream. Memoised per process (the source does
 * not change during a run); a missing path is a programmer error in a
 * `StageImpl.code` list and throws.
 */
export function hashCode(repoRoot: string, paths: readonly string[]): string {
  const memoKey = `${path.resolve(repoRoot)}\u0000${[...paths].sort().join('\u0000')}`;
  const memo = codeHashMemo.get(memoKey);
  if (memo !== undefined) return memo;
  const files: string[] = [];
  for (const p of paths) collectFiles(repoRoot, path.normalize(p).replace(/[\\/]+$/, ''), files);
  const unique = [...new Set(files)].sort();
  const h = createHash('sha256');
  for (const rel of unique) {
    const content = readFileSync(path.resolve(repoRoot, rel));
    h.update(`${rel}\u0000${content.byteLength}\u0000`);
    h.update(content);
  }
  const digest = h.digest('hex');
  codeHashMemo.set(memoKey, digest);
  return digest;
}

/**
 * Everything that determines a stage instance's output. The cache key is the
 * SHA-256 of its canonical JSON, so two instances share an entry exactly when
 * all of these agree, and any difference (see {@link diffFingerprints}) can be
 * explained to the user field by field.
 */
export interface Fingerprint {
  readonly scheme: number;
  readonly kind: StageKind;
  /** Resolved params the stage reads (and nothing else). */
  readonly params: JsonValue;
  /** {@link hashCode} of the stage implementation's `code` paths. */
  readonly codeHash: string;
  /** Keys of the input artifacts, in the instance's `deps` order (chaining makes keys transitive). */
  readonly depKeys: readonly string[];
  /**
   * Numeric runtime: `backend` is null for stages whose output does not depend
   * on the backend; `packages` holds versions of packages that change numbers.
   */
  readonly runtime: { readonly backend: string | null; readonly packages: Readonly<Record<string, string>> };
}

export interface FingerprintInput {
  readonly kind: StageKind;
  readonly params: JsonValue;
  readonly codeHash: string;
  readonly depKeys: readonly string[];
  readonly runtime: { readonly backend: string | null; readonly packages: Readonly<Record<string, string>> };
}

/** Builds the fingerprint of one instance and its cache key (SHA-256 of the canonical JSON). */
export function computeFingerprint(input: FingerprintInput): { key: string; fingerprint: Fingerprint } {
  const fingerprint: Fingerprint = {
    scheme: SCHEME_VERSION,
    kind: input.kind,
    params: input.params,
    codeHash: input.codeHash,
    depKeys: [...input.depKeys],
    runtime: { backend: input.runtime.backend, packages: { ...input.runtime.packages } },
  };
  return { key: sha256(canonicalJson(fingerprint)), fingerprint };
}

/** One changed leaf of the params, as `path: old → new` (undefined = absent). */
export interface FieldChange {
  /** Dotted path with `[i]` for array items, e.g. `schedule.warmup` or `widths[2]`; `` for the root. */
  readonly path: string;
  readonly old: JsonValue | undefined;
  readonly now: JsonValue | undefined;
}

/** One changed input artifact, by position in `deps` (and id when the caller knows it). */
export interface InputChange {
  readonly index: number;
  readonly id?: string;
  readonly old: string | undefined;
  readonly now: string | undefined;
}

export interface PackageChange {
  readonly name: string;
  readonly old: string | undefined;
  readonly now: string | undefined;
}

/**
 * Why an instance's key differs from its last run — the answer `catapult plan`
 * prints ("why would it run") and `catapult explain` details. Tagged by
 * `reason` so each cause can be rendered and tested on its own.
 */
export type FingerprintChange =
  | { readonly reason: 'new' }
  | { readonly reason: 'scheme'; readonly old: number; readonly now: number }
  | { readonly reason: 'kind'; readonly old: StageKind; readonly now: StageKind }
  | { readonly reason: 'params'; readonly fields: readonly FieldChange[] }
  | { readonly reason: 'inputs'; readonly inputs: readonly InputChange[] }
  | { readonly reason: 'code'; readonly old: string; readonly now: string }
  | { readonly reason: 'backend'; readonly old: string | null; readonly now: string | null }
  | { readonly reason: 'packages'; readonly packages: readonly PackageChange[] };

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** Leaf-level differences between two JSON values, in sorted-key order. */
export function diffJson(old: JsonValue | undefined, now: JsonValue | undefined, base = ''): FieldChange[] {
  if (isObject(old) && isObject(now)) {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
    return keys.flatMap((k) => diffJson(old[k], now[k], joinPath(base, k)));
  }
  if (Array.isArray(old) && Array.isArray(now) && old.length === now.length) {
    return old.flatMap((v, i) => diffJson(v, now[i], `${base}[${i}]`));
  }
  const same = old === undefined || now === undefined ? old === now : canonicalJson(old) === canonicalJson(now);
  return same ? [] : [{ path: base, old, now }];
}

/**
 * The reasons `now` differs from `old` (the fingerprint of the last run); an
 * empty list means the instance is up to date. `depIds` (the instance's
 * `deps`) lets input changes name the upstream instance that changed.
 */
export function diffFingerprints(
  old: Fingerprint | undefined,
  now: Fingerprint,
  depIds?: readonly string[],
): FingerprintChange[] {
  if (old === undefined) return [{ reason: 'new' }];
  const changes: FingerprintChange[] = [];
  if (old.scheme !== now.scheme) changes.push({ reason: 'scheme', old: old.scheme, now: now.scheme });
  if (old.kind !== now.kind) changes.push({ reason: 'kind', old: old.kind, now: now.kind });
  const fields = diffJson(old.params, now.params);
  if (fields.length > 0) changes.push({ reason: 'params', fields });
  const inputs: InputChange[] = [];
  const n = Math.max(old.depKeys.length, now.depKeys.length);
  for (let i = 0; i < n; i++) {
    if (old.depKeys[i] !== now.depKeys[i]) {
      const id = depIds?.[i];
      inputs.push({ index: i, ...(id !== undefined ? { id } : {}), old: old.depKeys[i], now: now.depKeys[i] });
    }
  }
  if (inputs.length > 0) changes.push({ reason: 'inputs', inputs });
  if (old.codeHash !== now.codeHash) changes.push({ reason: 'code', old: old.codeHash, now: now.codeHash });
  const oldRt = old.runtime ?? { backend: null, packages: {} };
  if (oldRt.backend !== now.runtime.backend) changes.push({ reason: 'backend', old: oldRt.backend, now: now.runtime.backend });
  const names = [...new Set([...Object.keys(oldRt.packages ?? {}), ...Object.keys(now.runtime.packages)])].sort();
  const packages = names
    .filter((name) => oldRt.packages?.[name] !== now.runtime.packages[name])
    .map((name) => ({ name, old: oldRt.packages?.[name], now: now.runtime.packages[name] }));
  if (packages.length > 0) changes.push({ reason: 'packages', packages });
  return changes;
}
