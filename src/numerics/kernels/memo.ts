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
import { createHash } from 'node:crypto';

/**
 * A content digest of a float array: SHA-256 of its bytes (Node's native
 * hash: 16 ms for CIFAR-2's 6M-float test set, where a JS FNV loop took
 * 17–43 ms), plus the length.
 */
export function digest(a: Float32Array): string {
  return `${a.length}:${createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex')}`;
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
