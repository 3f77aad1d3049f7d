import { createHash } from 'node:crypto';

/** JSON values as they travel through configs, params and artifacts. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Canonical JSON: object keys sorted recursively, no whitespace. Two values that
 * are deep-equal serialise to the same string, which is what makes a fingerprint
 * a function of content rather than of key order in pipeline.yaml.
 * `undefined` properties are dropped (as JSON.stringify does); non-finite numbers
 * are rejected because they have no JSON form and would hash ambiguously.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    // Config sub-objects (a model spec, a train spec) are shared by every instance of an
    // experiment; memoising by identity makes keying thousands of instances cheap. Values
    // hashed here are treated as immutable.
    const memo = canonicalMemo.get(value);
    if (memo !== undefined) return memo;
    let out: string;
    if (Array.isArray(value)) out = `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
    else {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    canonicalMemo.set(value, out);
    return out;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
}

const canonicalMemo = new WeakMap<object, string>();

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the canonical JSON of `value`. */
export function hashJson(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * A JSON-safe copy of a value: non-finite numbers (a diverged run's loss)
 * become null and undefined properties are dropped, so an artifact
 * round-trips through result.json unchanged and hashes canonically.
 */
export function toJsonSafe(value: unknown): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (typeof value === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as object)) if (v !== undefined) out[k] = toJsonSafe(v);
    return out;
  }
  return null;
}
