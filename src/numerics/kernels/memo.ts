/**
 * A process-wide, byte-bounded LRU of host arrays derived from (weights,
 * data) — e.g. the pre-activations X·W0/√d at init — keyed by content
 * digests.
 *
 * Why: the net, lin and quad runs of one experiment (and its init stage)
 * rebuild the same w0 from the same seed and see the same data, and at
 * Zhu's CIFAR-2 scale the test-set pre-activations alone are 61 GFLOP
 * (seconds on one wasm thread). Keys are digests of the contents, not
 * object identities, because each run builds fresh arrays and tensors.
 */

/** A 64-bit-ish content digest of a float array (two independent 32-bit FNV-style lanes plus the length). */
export function digest(a: Float32Array): string {
  const v = new Int32Array(a.buffer, a.byteOffset, a.length);
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9e3779b9 | 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    h1 = Math.imul(h1 ^ x, 0x01000193);
    h2 = Math.imul(h2 + x, 0x85ebca6b) ^ (h2 >>> 13);
  }
  return `${a.length}:${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

export class ArrayMemo {
  private readonly map = new Map<string, Float32Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  /** The array under `key`, computing (and keeping, within the byte budget) it on a miss. */
  get(key: string, compute: () => Float32Array): Float32Array {
    const hit = this.map.get(key);
    if (hit) {
      this.hits++;
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    this.misses++;
    const a = compute();
    if (a.byteLength > this.maxBytes) return a;
    while (this.bytes + a.byteLength > this.maxBytes) {
      const [k, old] = this.map.entries().next().value as [string, Float32Array];
      this.map.delete(k);
      this.bytes -= old.byteLength;
    }
    this.map.set(key, a);
    this.bytes += a.byteLength;
    return a;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

/**
 * The shared memo of the numerics kernels: 256 MiB (one CIFAR-2 experiment's
 * train and test pre-activations at width 5000 are 45 MiB).
 */
export const preactMemo = new ArrayMemo(256 * 1024 * 1024);
