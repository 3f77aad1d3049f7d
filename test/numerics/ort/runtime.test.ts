import { afterEach, describe, expect, it } from 'vitest';
import { numericPackages } from '../../../src/numerics/backend.js';
import { ORT_NO_SPIN, loadOrt, ortRunCount, ortSpins, ortSwitchedOff, ortThreads, resetOrtForTests } from '../../../src/numerics/ort/runtime.js';
import { ortBadThreads, ortDisabled } from '../../../src/messages/numerics.js';
import { encodeOnnxModel } from '../../../src/numerics/ort/onnx.js';
import os from 'node:os';

const loaded = loadOrt();
const skip = loaded.ok ? '' : ` (skipped: ${loaded.error.message})`;

afterEach(() => {
  delete process.env.CATAPULT_ORT;
  resetOrtForTests();
});

describe('onnxruntime switch and threads', () => {
  it('CATAPULT_ORT=0 and CATAPULT_FAST_KERNELS=0 switch it off as a value, and the fingerprint drops it', () => {
    expect(ortSwitchedOff({ CATAPULT_ORT: '0' })).toBe(ortDisabled('CATAPULT_ORT'));
    expect(ortSwitchedOff({ CATAPULT_FAST_KERNELS: '0' })).toBe(ortDisabled('CATAPULT_FAST_KERNELS'));
    expect(ortSwitchedOff({})).toBeNull();
    process.env.CATAPULT_ORT = '0';
    resetOrtForTests();
    const r = loadOrt();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('ort-disabled');
    expect(numericPackages()['onnxruntime-node']).toBeUndefined();
  });

  it('threads: CATAPULT_ORT_THREADS when a positive integer, else all cores with a warning for bad values', () => {
    expect(ortThreads({ CATAPULT_ORT_THREADS: '3' })).toEqual({ threads: 3 });
    expect(ortThreads({})).toEqual({ threads: os.availableParallelism() });
    expect(ortThreads({ CATAPULT_ORT_THREADS: '0' })).toEqual({ threads: os.availableParallelism(), warning: ortBadThreads('0') });
    expect(ortThreads({ CATAPULT_ORT_THREADS: '1.5' }).warning).toBe(ortBadThreads('1.5'));
  });
});

describe.skipIf(!loaded.ok)(`onnxruntime loaded${skip}`, () => {
  it('puts its version into the numeric fingerprint', () => {
    const rt = loadOrt();
    expect(rt.ok).toBe(true);
    if (rt.ok) expect(numericPackages()['onnxruntime-node']).toBe(rt.value.version);
  });

  it('runs an encoded graph with attributes and scalar initializers, writing into the given output', () => {
    const rt = loadOrt();
    if (!rt.ok) throw new Error(rt.error.message);
    // y = 2·xᵀ·w + 1 with x [3, 2], w [3, 1]: Gemm(transA) then Add of a scalar initializer
    const model = encodeOnnxModel({
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w'], outputs: ['g'], attrs: { transA: 1, alpha: { f: 2 } } },
        { op: 'Add', inputs: ['g', 'one'], outputs: ['y'] },
      ],
      inputs: [
        { name: 'x', dims: ['r', 2] },
        { name: 'w', dims: ['r', 1] },
      ],
      outputs: [{ name: 'y', dims: [2, 1] }],
      initializers: [{ name: 'one', dims: [], data: Float32Array.of(1) }],
    });
    const s = rt.value.session(model);
    const y = new Float32Array(2);
    const before = ortRunCount();
    s.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [3, 2] }, w: { data: Float32Array.of(1, -1, 2), dims: [3, 1] } }, { y: { data: y, dims: [2, 1] } });
    s.dispose();
    // xᵀw = [1 − 3 + 10, 2 − 4 + 12] = [8, 10]
    expect(Array.from(y)).toEqual([17, 21]);
    expect(ortRunCount()).toBe(before + 1);
  });

  it('accepts the no-spin session option (large graphs) and computes the same; small graphs keep spinning', () => {
    const rt = loadOrt();
    if (!rt.ok) throw new Error(rt.error.message);
    const model = encodeOnnxModel({ nodes: [{ op: 'Mul', inputs: ['x', 'x'], outputs: ['y'] }], inputs: [{ name: 'x', dims: ['n'] }], outputs: [{ name: 'y', dims: ['n'] }] });
    const x = Float32Array.from({ length: 1000 }, (_, i) => i / 7 - 50);
    const out = [new Float32Array(1000), new Float32Array(1000)];
    [undefined, ORT_NO_SPIN].forEach((opt, i) => {
      const s = rt.value.session(model, opt ? { ...opt } : undefined);
      s.run({ x: { data: x, dims: [1000] } }, { y: { data: out[i]!, dims: [1000] } });
      s.dispose();
    });
    expect(out[1]![999]).toBe(Math.fround(x[999]! * x[999]!));
    expect(Array.from(out[1]!)).toEqual(Array.from(out[0]!));
    expect(ortSpins(1024 * 128)).toBe(true);
    expect(ortSpins(5000 * 256)).toBe(false);
  });
});
