import { describe, expect, it } from 'vitest';
import { loadOrt } from '../../../src/numerics/ort/runtime.js';
import { ortMatMul } from '../../../src/numerics/ort/matmul.js';
import { Rng } from '../../../src/numerics/rng.js';
import { maxRel } from '../kernels/compare.js';

const loaded = loadOrt();

/** Plain float64 reference: scale·A·B with A [M, K], B [K, N]. */
function ref(a: Float32Array, b: Float32Array, M: number, K: number, N: number, scale: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) out[i * N + j]! += a[i * K + k]! * b[k * N + j]!;
  return out.map((x) => x * scale);
}

describe.skipIf(!loaded.ok)(`ortMatMul${loaded.ok ? '' : ` (skipped: ${loaded.error.message})`}`, () => {
  const [M, K, N] = [7, 33, 5];
  const a = new Rng(1, 'a').normal32(M * K);
  const b = new Rng(1, 'b').normal32(K * N);
  const want = ref(a, b, M, K, N, 0.25);
  const bT = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bT[j * K + k] = b[k * N + j]!;

  it('scale·A·B, with Bᵀ given, and transposed out', () => {
    if (!loaded.ok) return;
    expect(maxRel(ortMatMul(loaded.value, a, b, M, K, N, 0.25), want)).toBeLessThan(1e-6);
    expect(maxRel(ortMatMul(loaded.value, a, bT, M, K, N, 0.25, { transB: true }), want)).toBeLessThan(1e-6);
    const t = ortMatMul(loaded.value, a, b, M, K, N, 0.25, { transOut: true });
    const wantT = new Float64Array(N * M);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) wantT[j * M + i] = want[i * N + j]!;
    expect(maxRel(t, wantT)).toBeLessThan(1e-6);
  });

  it('rejects operands that do not match the shape (a programmer error)', () => {
    if (!loaded.ok) return;
    expect(() => ortMatMul(loaded.value, a, b, M, K + 1, N, 1)).toThrow(/do not match/);
  });
});
