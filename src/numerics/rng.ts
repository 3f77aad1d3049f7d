/**
 * Seeded, counter-based random numbers.
 *
 * Draw i of stream s under seed k is a pure function mix(k, s, i): no hidden
 * state, so the same (seed, stream) gives identical numbers on every backend,
 * in every worker thread, and regardless of how many other draws happened
 * before. That is what makes "compare learning rates at a fixed
 * initialisation" and byte-identical artifacts possible. Streams are named
 * (e.g. `init/W1`, `data/x`) so adding a new draw never shifts existing ones.
 *
 * All arithmetic is 32-bit integer (Math.imul), computed in plain JS — never
 * on the tensor backend — so results do not depend on the backend.
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a of a string, then finalised; used to turn stream names into keys. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

const TWO_32 = 4294967296;

export class Rng {
  private readonly k0: number;
  private readonly k1: number;

  /**
   * @param seed integer seed from pipeline.yaml (any safe integer)
   * @param stream name of the stream; different names give independent sequences
   */
  constructor(
    readonly seed: number,
    readonly stream: string = '',
  ) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_32) >>> 0;
    this.k0 = fmix32(lo ^ 0x9e3779b9) ^ hashString(stream);
    this.k1 = fmix32(hi + 0x7f4a7c15) ^ fmix32(hashString(stream) + 0x632be5ab);
  }

  /** An independent child stream, e.g. `rng.fork('W1')`. */
  fork(name: string): Rng {
    return new Rng(this.seed, this.stream ? `${this.stream}/${name}` : name);
  }

  /** The i-th raw 32-bit word of this stream. */
  word(i: number): number {
    const lo = i >>> 0;
    const hi = Math.floor(i / TWO_32) >>> 0;
    const a = fmix32((lo ^ this.k0) + 0x9e3779b9);
    const b = fmix32((a ^ this.k1 ^ Math.imul(hi, 0x85ebca6b)) >>> 0);
    return fmix32((b + Math.imul(a, 0x27d4eb2d) + lo) >>> 0);
  }

  /** Uniform in the open interval (0, 1), draw i. */
  uniformAt(i: number): number {
    return (this.word(i) + 0.5) / TWO_32;
  }

  /** n uniforms in (low, high), draws offset…offset+n−1. */
  uniform(n: number, low = 0, high = 1, offset = 0): Float64Array {
    const out = new Float64Array(n);
    const w = high - low;
    for (let i = 0; i < n; i++) out[i] = low + w * this.uniformAt(offset + i);
    return out;
  }

  /** n standard normals (Box–Muller on pairs of uniforms), draws from `offset` (in normals). */
  normal(n: number, mean = 0, std = 1, offset = 0): Float64Array {
    const out = new Float64Array(n);
    this.fillNormal(out, mean, std, offset);
    return out;
  }

  /** Float32 standard normals, the common case for weights (the float64 draws rounded once). */
  normal32(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    this.fillNormal(out, mean, std, 0);
    return out;
  }

  /**
   * Normal j is r·cos(2πu2) (j even) or r·sin(2πu2) (j odd) of pair ⌊j/2⌋;
   * each pair's uniforms, log and sqrt are computed once for both of its
   * normals (the values are those of computing every j on its own).
   */
  private fillNormal(out: Float64Array | Float32Array, mean: number, std: number, offset: number): void {
    const n = out.length;
    let i = 0;
    while (i < n) {
      const j = offset + i;
      const pair = Math.floor(j / 2);
      const r = Math.sqrt(-2 * Math.log(this.uniformAt(2 * pair)));
      const th = 2 * Math.PI * this.uniformAt(2 * pair + 1);
      if (j % 2 === 0) {
        out[i++] = mean + std * (r * Math.cos(th));
        if (i < n) out[i++] = mean + std * (r * Math.sin(th));
      } else {
        out[i++] = mean + std * (r * Math.sin(th));
      }
    }
  }

  /** n independent ±1 values. */
  rademacher(n: number, offset = 0): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.word(offset + i) & 1 ? 1 : -1;
    return out;
  }

  /** A uniformly random permutation of 0…n−1 (Fisher–Yates driven by the stream). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniformAt(i) * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}
