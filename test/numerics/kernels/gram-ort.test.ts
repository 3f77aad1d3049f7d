import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivationName, Variant } from '../../../src/config/types.js';
import { initBackend } from '../../../src/numerics/backend.js';
import { activation } from '../../../src/numerics/ops.js';
import { Rng } from '../../../src/numerics/rng.js';
import { TwoLayerModel } from '../../../src/numerics/twolayer.js';
import { OrtGramFc2 } from '../../../src/numerics/kernels/gram-ort.js';
import { loadOrt } from '../../../src/numerics/ort/runtime.js';
import { maxRel } from './compare.js';
import v8 from 'node:v8';
import vm from 'node:vm';

// a full collection between the memory samples (vitest runs without --expose-gc)
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const loaded = loadOrt();
const skip = loaded.ok ? '' : ` (skipped: ${loaded.error.message})`;

beforeAll(async () => {
  await initBackend('wasm');
});

const n = 24;
const d = 60;
const m = 80;

/** The same Gram-mode fc2 with its fast path on onnxruntime (`ort`) or in the tfjs heap. */
function model(act: ActivationName, variant: Variant, x: tf.Tensor2D, ort: boolean, slopes?: [number, number]): TwoLayerModel {
  const r = new Rng(7, 'init');
  return new TwoLayerModel({
    kind: 'fc2',
    act: activation(act, slopes),
    variant,
    w0: r.fork('W1').normal32(d * m),
    fan: d,
    width: m,
    v0: r.fork('v').normal32(m),
    positions: 1,
    rows: (t) => tf.reshape(t, [-1, d]) as tf.Tensor2D,
    gramX: x,
    fast: true,
    ort,
  });
}

describe.skipIf(!loaded.ok)(`Gram engine on onnxruntime equals the tfjs Gram engine${skip}`, () => {
  const cases: [ActivationName, Variant, [number, number]?][] = [];
  for (const act of ['relu', 'tanh'] as const) for (const v of ['net', 'lin', 'quad'] as const) cases.push([act, v]);
  cases.push(['swish', 'net'], ['swish', 'quad'], ['homogeneous', 'net', [1.3, -0.2]], ['identity', 'net']);

  for (const [act, variant, slopes] of cases) {
    it(`${act} ${variant}: 50 steps, train and test outputs, handed-out variables`, () => {
      const x = tf.tensor2d(new Rng(4, 'x').normal32(n * d), [n, d]);
      const xt = tf.tensor2d(new Rng(4, 'xt').normal32(9 * d), [9, d]);
      const y = tf.tensor1d(Float32Array.from(new Rng(4, 'y').rademacher(n)));
      const a = model(act, variant, x, true, slopes);
      const b = model(act, variant, x, false, slopes);
      // handing out the variables takes lin out of example space: both then run a Gram engine
      for (const mdl of [a, b]) void mdl.variables;
      let worst = 0;
      const l0 = b.gdStep(x, y, 0, 1 / n);
      let last = l0;
      for (let t = 0; t < 50; t++) {
        const la = a.gdStep(x, y, 0.5, 1 / n);
        last = b.gdStep(x, y, 0.5, 1 / n);
        worst = Math.max(worst, Math.abs(la - last) / last);
      }
      expect(a.gramEngine).toBe('onnxruntime');
      expect(b.gramEngine).toBe('tfjs');
      expect(worst).toBeLessThan(1e-5);
      // the runs moved
      expect(last).toBeLessThan(0.9 * l0);
      const pa = tf.tidy(() => a.predict(xt).dataSync());
      const pb = tf.tidy(() => b.predict(xt).dataSync());
      expect(maxRel(pa, pb)).toBeLessThan(1e-5);
      expect(maxRel(tf.tidy(() => a.predict(x).dataSync()), tf.tidy(() => b.predict(x).dataSync()))).toBeLessThan(1e-5);
      a.variables.forEach((v, i) => expect(maxRel(v.dataSync(), b.variables[i]!.dataSync())).toBeLessThan(1e-5));
      expect(Math.abs(a.theta2() - b.theta2()) / b.theta2()).toBeLessThan(1e-5);
      a.dispose();
      b.dispose();
      tf.dispose([x, xt, y]);
    });
  }

  for (const variant of ['net', 'lin', 'quad'] as const) {
    for (const which of ['v', 'A1 and v'] as const) {
      it(`${variant}: an outside assignment to ${which} reaches the onnxruntime state`, () => {
        const x = tf.tensor2d(new Rng(5, 'x').normal32(n * d), [n, d]);
        const xt = tf.tensor2d(new Rng(5, 'xt').normal32(9 * d), [9, d]);
        const y = tf.tensor1d(Float32Array.from(new Rng(5, 'y').rademacher(n)));
        const act = variant === 'quad' ? 'tanh' : 'relu';
        const [a, b] = [model(act, variant, x, true), model(act, variant, x, false)];
        let moved = 0;
        for (let t = 0; t < 30; t++) {
          if (t === 10) {
            for (const mdl of [a, b]) {
              const [A1, v] = mdl.variables as tf.Variable[];
              v!.assign(tf.tidy(() => tf.mul(v!, 0.8)));
              // A1 no longer −C·G: the onnxruntime engine must carry the offset
              if (which !== 'v') A1!.assign(tf.tidy(() => tf.add(tf.mul(A1!, 0.9), 0.01)));
            }
          }
          const la = a.gdStep(x, y, 0.5, 1 / n);
          const lb = b.gdStep(x, y, 0.5, 1 / n);
          if (t === 10) moved = lb;
          expect(Math.abs(la - lb)).toBeLessThan(1e-5 * lb);
        }
        expect(a.gramEngine).toBe('onnxruntime');
        expect(maxRel(tf.tidy(() => a.predict(x).dataSync()), tf.tidy(() => b.predict(x).dataSync()))).toBeLessThan(1e-5);
        expect(maxRel(tf.tidy(() => a.predict(xt).dataSync()), tf.tidy(() => b.predict(xt).dataSync()))).toBeLessThan(1e-5);
        a.variables.forEach((v, i) => expect(maxRel(v.dataSync(), b.variables[i]!.dataSync())).toBeLessThan(1e-5));
        expect(moved).toBeGreaterThan(0);
        a.dispose();
        b.dispose();
        tf.dispose([x, xt, y]);
      });
    }
  }

  it('memory does not grow over 1000 steps, single and chained, with test evaluations (native, host and tfjs)', () => {
    // state arrays of 64×1000 floats (256 KB): leaking one per step would show as 250 MB
    const [nb, mb] = [64, 1000];
    const r = new Rng(6, 'init');
    const x = tf.tensor2d(new Rng(6, 'x').normal32(nb * d), [nb, d]);
    const xt = tf.tensor2d(new Rng(6, 'xt').normal32(9 * d), [9, d]);
    const y = tf.tensor1d(Float32Array.from(new Rng(6, 'y').rademacher(nb)));
    const a = new TwoLayerModel({
      kind: 'fc2', act: activation('relu'), variant: 'net', w0: r.fork('W1').normal32(d * mb), fan: d, width: mb,
      v0: r.fork('v').normal32(mb), positions: 1, rows: (t) => tf.reshape(t, [-1, d]) as tf.Tensor2D, gramX: x, fast: true, ort: true,
    });
    // single steps and chains of 10 (the trainer's two ways), a test evaluation every 10
    const run = (steps: number): void => {
      for (let t = 0; t < steps; t += 10) {
        if (t % 20 === 0) for (let i = 0; i < 10; i++) a.gdStep(x, y, 0.05, 1 / nb);
        else a.gdSteps(x, y, 0.05, 1 / nb, 10);
        a.predict(xt).dispose();
      }
    };
    run(200);
    gc();
    const tensors = tf.memory().numTensors;
    const before = process.memoryUsage();
    run(1000);
    gc();
    const after = process.memoryUsage();
    expect(a.gramEngine).toBe('onnxruntime');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    // uncollected garbage moves this by ~17 MB from run to run (seen on a clean-clone CI run); a leak moves it by 250 MB
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    a.dispose();
    tf.dispose([x, xt, y]);
  });

  it('refuses net with an activation it has no graph for, as a value', () => {
    if (!loaded.ok) return;
    const act = { ...activation('tanh'), name: 'other' as ActivationName };
    const r = OrtGramFc2.create(loaded.value, { variant: 'net', act, n: 2, m: 2, a0T: new Float32Array(4), v0: new Float32Array(2), G: new Float32Array(4) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('activation-unsupported');
  });
});

describe.skipIf(!loaded.ok)(`chained steps on onnxruntime${skip}`, () => {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

  /** An engine on random data (the two engines of a comparison get the same arrays). */
  function engine(variant: Variant, act: ActivationName, withOffset: boolean): { e: OrtGramFc2; y: Float32Array } {
    const r = new Rng(11, `${variant}/${act}`);
    const [nn, mm] = [24, 80];
    const g = r.fork('G').normal32(nn * nn);
    const G = new Float32Array(nn * nn);
    for (let i = 0; i < nn; i++) for (let j = 0; j < nn; j++) G[i * nn + j] = 0.05 * (g[i * nn + j]! + g[j * nn + i]!) + (i === j ? 1 : 0);
    const res = OrtGramFc2.create(loaded.ok ? loaded.value : (null as never), { variant, act: activation(act), n: nn, m: mm, a0T: r.fork('a0').normal32(mm * nn), v0: r.fork('v0').normal32(mm), G });
    if (!res.ok) throw new Error(res.error.message);
    // an outside assignment leaves A1 off −C·G: lin/quad then carry the offset D through every chained step
    if (withOffset) res.value.load(r.fork('A1').normal32(mm * nn).map((x) => 0.1 * x), new Float32Array(mm * nn), r.fork('v1').normal32(mm));
    return { e: res.value, y: Float32Array.from(r.fork('y').rademacher(nn)) };
  }

  for (const variant of ['net', 'lin', 'quad'] as const) {
    for (const act of ['relu', 'tanh'] as const) {
      for (const withOffset of [false, true]) {
        it(`${act} ${variant}${withOffset ? ' with an A1 offset' : ''}: chains of ${10} steps give the floats of single steps`, () => {
          const one = engine(variant, act, withOffset);
          const chained = engine(variant, act, withOffset);
          expect(chained.e.chunk).toBe(10);
          const singles: number[] = [];
          for (let t = 0; t < 30; t++) singles.push(one.e.step(one.y, 0.5, 1 / 24));
          const chains: number[] = [];
          for (let t = 0; t < 3; t++) chains.push(...chained.e.steps(chained.y, 0.5, 1 / 24, 10));
          expect(same(chains, singles)).toBe(true);
          // the runs moved
          expect(singles[29]!).toBeLessThan(0.9 * singles[0]!);
          const [sa, sb] = [one.e.state(), chained.e.state()];
          expect(same(sa.CT, sb.CT) && same(sa.v, sb.v) && same(sa.A1T, sb.A1T)).toBe(true);
          expect(same(one.e.outputs(), chained.e.outputs())).toBe(true);
          one.e.dispose();
          chained.e.dispose();
        });
      }
    }
  }

  it('undo takes back a chain; other counts run step by step and cannot be undone', () => {
    const a = engine('net', 'relu', false);
    const b = engine('net', 'relu', false);
    a.e.steps(a.y, 0.5, 1 / 24, 10);
    const before = a.e.state();
    const ahead = a.e.steps(a.y, 0.5, 1 / 24, 10);
    a.e.undo();
    const back = a.e.state();
    expect(same(back.CT, before.CT) && same(back.v, before.v)).toBe(true);
    expect(() => a.e.undo()).toThrow(/only right after steps/);
    // redoing 4 of the 10 steps gives the chain's first 4 losses, then the same state as 14 single steps
    const redo = a.e.steps(a.y, 0.5, 1 / 24, 4);
    expect(same(redo, ahead.subarray(0, 4))).toBe(true);
    expect(() => a.e.undo()).toThrow(/only right after steps/);
    for (let t = 0; t < 14; t++) b.e.step(b.y, 0.5, 1 / 24);
    expect(same(a.e.state().CT, b.e.state().CT)).toBe(true);
    expect(() => a.e.steps(a.y, 0.5, 1 / 24, 0)).toThrow(/count must be a positive integer, got 0/);
    a.e.dispose();
    b.e.dispose();
  });
});
