/**
 * One-off large products on onnxruntime: `scale · op(A·op(B))` with host
 * Float32Arrays in and out.
 *
 * Why: the Gram engine's set-up products — pre-activations at w0 on a test
 * set (X_x·W0, 2000×3072×5000 = 61 GFLOP on CIFAR-2) and G_x = X·X_xᵀ —
 * took seconds on wasm (~19 GFLOPS, one thread); MLAS runs them at ~110
 * GFLOPS. One session per flag combination (symbolic dims), cached per
 * runtime.
 */
import { encodeOnnxModel, type OnnxNode } from './onnx.js';
import { ORT_NO_SPIN, type OrtRuntime, type OrtSession } from './runtime.js';

export interface MatMulFlags {
  /** Use Bᵀ: B is given as [N, K]. */
  transB?: boolean;
  /** Return the result transposed, [N, M]. */
  transOut?: boolean;
}

const sessions = new WeakMap<OrtRuntime, Map<string, OrtSession>>();

function sessionFor(rt: OrtRuntime, flags: MatMulFlags): OrtSession {
  let byKey = sessions.get(rt);
  if (!byKey) sessions.set(rt, (byKey = new Map()));
  const key = `${flags.transB ? 1 : 0}${flags.transOut ? 1 : 0}`;
  let s = byKey.get(key);
  if (!s) {
    const nodes: OnnxNode[] = [{ op: 'Gemm', inputs: ['a', 'b'], outputs: ['p'], attrs: { transB: flags.transB ? 1 : 0 } }];
    if (flags.transOut) nodes.push({ op: 'Transpose', inputs: ['p'], outputs: ['pt'], attrs: { perm: [1, 0] } });
    nodes.push({ op: 'Mul', inputs: [flags.transOut ? 'pt' : 'p', 's'], outputs: ['out'] });
    s = rt.session(
      encodeOnnxModel({
        nodes,
        inputs: [
          { name: 'a', dims: ['M', 'K'] },
          { name: 'b', dims: flags.transB ? ['N', 'K'] : ['K', 'N'] },
          { name: 's', dims: [1] },
        ],
        outputs: [{ name: 'out', dims: flags.transOut ? ['N', 'M'] : ['M', 'N'] }],
      }),
      // one-off large products: waking the workers costs nothing next to them
      ORT_NO_SPIN,
    );
    byKey.set(key, s);
  }
  return s;
}

/** scale·A·op(B) (or its transpose) for A [M, K] and B [K, N] (or [N, K] with transB). */
export function ortMatMul(rt: OrtRuntime, a: Float32Array, b: Float32Array, M: number, K: number, N: number, scale: number, flags: MatMulFlags = {}): Float32Array {
  if (a.length !== M * K || b.length !== K * N) throw new Error(`ortMatMul: operand sizes ${a.length}, ${b.length} do not match ${M}×${K}×${N}`);
  const out = new Float32Array(M * N);
  sessionFor(rt, flags).run(
    { a: { data: a, dims: [M, K] }, b: { data: b, dims: flags.transB ? [N, K] : [K, N] }, s: { data: Float32Array.of(scale), dims: [1] } },
    { out: { data: out, dims: flags.transOut ? [N, M] : [M, N] } },
  );
  return out;
}
