/**
 * Synthetic datasets: pure functions of (generator, params, seed), drawn from
 * the counter-based Rng with streams `data/<generator>/<train|test>/<what>`,
 * so a dataset never depends on what else was drawn. Params per generator
 * (all sizes positive integers; `nTest` defaults to 0 unless stated):
 *
 *  - `points`: `{ x: number[] | number[][], y: number[], testX?, testY? }` —
 *    explicit examples, e.g. the toy dataset `{x: [[1]], y: [0]}`; a flat `x`
 *    means 1-D inputs. The seed is unused.
 *  - `gaussian-mixture` (Zhu fig 3): `{ n, nTest?, dim = 1, mean = 2, std = 1 }` —
 *    balanced: ⌊n/2⌋ points labelled −1 with x ~ N(−mean·1, std²·I), the rest
 *    +1 with x ~ N(+mean·1, std²·I), in a seeded random order.
 *  - `uniform` (Meltzer & Liu figs 4, 9): `{ n, nTest?, dim = 2, box = [−0.5, 0.5],
 *    yRange = [−0.5, 0.5] }` — x ~ U(box)^dim, y ~ U(yRange) independent of x.
 *  - `unit-gaussian` (general quadratic model, Zhu fig 1): `{ n, nTest?, d,
 *    normalise = true, labels = 'rademacher' }` — x ~ N(0, I_d), divided by ‖x‖
 *    (uniform on the sphere) unless `normalise: false`; y uniform on {−1, +1},
 *    or y = 0 with `labels: zero` (Zhu's single-example setting).
 *  - `teacher` (Meltzer & Liu figs 5, 7): `{ n, nTest?, dim = 1, box = [−0.5, 0.5],
 *    model: ModelSpec, teacherSeed }` — x ~ U(box)^dim, y = the full (unprojected)
 *    teacher `teacherPredict(model, x, teacherSeed, dim)` of
 *    src/numerics/quadratic/index.ts: θ_teacher from `teacherSeed`, features from
 *    `model.featureSeed` (falling back to `teacherSeed`). The student experiment
 *    must declare the same `featureSeed` so that it shares the teacher's W^i.
 */
import { err, ok, type Result } from '../core/result.js';
import type { ModelSpec, SyntheticDatasetSpec } from '../config/types.js';
import * as msg from '../messages/data.js';
import { Rng } from '../numerics/rng.js';
import type { DataArrays } from '../numerics/types.js';
import type { DataFailure } from './types.js';

/** The teacher hook's expected signature (implemented by the quadratic-model library). */
export type TeacherPredict = (model: ModelSpec, seed: number, x: Float32Array, inputShape: number[]) => Float32Array;

type P = Record<string, unknown>;
class ParamError extends Error {}

const badParam = (g: string, name: string, expected: string, got: unknown): never => {
  throw new ParamError(msg.badParam(g, name, expected, got));
};
function int(g: string, p: P, name: string, dflt?: number): number {
  const v = p[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (name === 'nTest' ? 0 : 1)) return badParam(g, name, name === 'nTest' ? 'a non-negative integer' : 'a positive integer', p[name]);
  return v;
}
function num(g: string, p: P, name: string, dflt: number): number {
  const v = p[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) return badParam(g, name, 'a finite number', p[name]);
  return v;
}
function range(g: string, p: P, name: string, dflt: [number, number]): [number, number] {
  const v = p[name] ?? dflt;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(v[0] < v[1]))
    return badParam(g, name, 'an interval [low, high] with low < high', p[name]);
  return [v[0], v[1]];
}

function mixture(seed: number, split: string, n: number, dim: number, mean: number, std: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed, `data/gaussian-mixture/${split}`);
  const z = rng.fork('x').normal(n * dim);
  const order = rng.fork('order').permutation(n);
  const x = new Float32Array(n * dim);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = order[i]! < Math.floor(n / 2) ? -1 : 1;
    y[i] = label;
    for (let j = 0; j < dim; j++) x[i * dim + j] = label * mean + std * z[i * dim + j]!;
  }
  return { x, y };
}

function uniformX(seed: number, gen: string, split: string, n: number, dim: number, box: [number, number]): Float32Array {
  return Float32Array.from(new Rng(seed, `data/${gen}/${split}`).fork('x').uniform(n * dim, box[0], box[1]));
}

function pointsOf(g: string, xs: unknown, ys: unknown, xName: string, yName: string): { x: Float32Array; y: Float32Array; dim: number } {
  if (!Array.isArray(xs) || !Array.isArray(ys) || xs.length !== ys.length) return badParam(g, `${xName}/${yName}`, 'arrays of equal length', [xs, ys]);
  const rows = xs.map((r) => (Array.isArray(r) ? r : [r])) as unknown[][];
  const dim = rows[0]?.length ?? 1;
  if (!rows.every((r) => r.length === dim && r.every((v) => typeof v === 'number' && Number.isFinite(v)))) return badParam(g, xName, `rows of ${dim} finite numbers`, xs);
  if (!ys.every((v) => typeof v === 'number' && Number.isFinite(v))) return badParam(g, yName, 'finite numbers', ys);
  return { x: Float32Array.from(rows.flat() as number[]), y: Float32Array.from(ys as number[]), dim };
}

/**
 * Generates a synthetic dataset. `teacher` must be supplied for the `teacher`
 * generator (use `generateSyntheticAsync` to load it from the quadratic library).
 */
export function generateSynthetic(spec: SyntheticDatasetSpec, teacher?: TeacherPredict): Result<DataArrays, DataFailure> {
  const g = spec.generator;
  const p = (spec.params ?? {}) as P;
  const seed = spec.seed;
  try {
    if (!Number.isSafeInteger(seed)) badParam(g, 'seed', 'a safe integer', seed);
    switch (g) {
      case 'points': {
        const tr = pointsOf(g, p.x, p.y, 'x', 'y');
        const te = p.testX === undefined ? { x: new Float32Array(0), y: new Float32Array(0), dim: tr.dim } : pointsOf(g, p.testX, p.testY, 'testX', 'testY');
        if (te.dim !== tr.dim && te.y.length) badParam(g, 'testX', `rows of ${tr.dim} numbers`, p.testX);
        return ok({ inputShape: [tr.dim], nTrain: tr.y.length, xTrain: tr.x, yTrain: tr.y, nTest: te.y.length, xTest: te.x, yTest: te.y });
      }
      case 'gaussian-mixture': {
        const n = int(g, p, 'n'), nTest = int(g, p, 'nTest', 0), dim = int(g, p, 'dim', 1);
        const mean = num(g, p, 'mean', 2), std = num(g, p, 'std', 1);
        const tr = mixture(seed, 'train', n, dim, mean, std);
        const te = mixture(seed, 'test', nTest, dim, mean, std);
        return ok({ inputShape: [dim], nTrain: n, xTrain: tr.x, yTrain: tr.y, nTest, xTest: te.x, yTest: te.y });
      }
      case 'uniform': {
        const n = int(g, p, 'n'), nTest = int(g, p, 'nTest', 0), dim = int(g, p, 'dim', 2);
        const box = range(g, p, 'box', [-0.5, 0.5]), yr = range(g, p, 'yRange', [-0.5, 0.5]);
        const ys = (split: string, k: number) => Float32Array.from(new Rng(seed, `data/uniform/${split}`).fork('y').uniform(k, yr[0], yr[1]));
        return ok({ inputShape: [dim], nTrain: n, xTrain: uniformX(seed, g, 'train', n, dim, box), yTrain: ys('train', n), nTest, xTest: uniformX(seed, g, 'test', nTest, dim, box), yTest: ys('test', nTest) });
      }
      case 'unit-gaussian': {
        const n = int(g, p, 'n'), nTest = int(g, p, 'nTest', 0), d = int(g, p, 'd');
        const normalise = p.normalise ?? true;
        if (typeof normalise !== 'boolean') badParam(g, 'normalise', 'true or false', p.normalise);
        const labels = p.labels ?? 'rademacher';
        if (labels !== 'rademacher' && labels !== 'zero') badParam(g, 'labels', '"rademacher" or "zero"', p.labels);
        const draw = (split: string, k: number) => {
          const rng = new Rng(seed, `data/unit-gaussian/${split}`);
          const z = rng.fork('x').normal(k * d);
          const x = new Float32Array(k * d);
          for (let i = 0; i < k; i++) {
            let s = 0;
            for (let j = 0; j < d; j++) s += z[i * d + j]! ** 2;
            const r = normalise ? Math.sqrt(s) : 1;
            for (let j = 0; j < d; j++) x[i * d + j] = z[i * d + j]! / r;
          }
          const y = labels === 'zero' ? new Float32Array(k) : Float32Array.from(rng.fork('y').rademacher(k));
          return { x, y };
        };
        const tr = draw('train', n), te = draw('test', nTest);
        return ok({ inputShape: [d], nTrain: n, xTrain: tr.x, yTrain: tr.y, nTest, xTest: te.x, yTest: te.y });
      }
      case 'teacher': {
        const n = int(g, p, 'n'), nTest = int(g, p, 'nTest', 0), dim = int(g, p, 'dim', 1);
        const box = range(g, p, 'box', [-0.5, 0.5]);
        const teacherSeed = p.teacherSeed;
        if (typeof teacherSeed !== 'number' || !Number.isSafeInteger(teacherSeed)) badParam(g, 'teacherSeed', 'a safe integer', teacherSeed);
        if (typeof p.model !== 'object' || p.model === null) badParam(g, 'model', 'a model spec', p.model);
        if (!teacher) return err({ reason: 'teacher-unavailable', message: msg.teacherUnavailable('no teacherPredict was supplied') });
        const xTrain = uniformX(seed, g, 'train', n, dim, box);
        const xTest = uniformX(seed, g, 'test', nTest, dim, box);
        const model = p.model as ModelSpec;
        const yTrain = teacher(model, teacherSeed as number, xTrain, [dim]);
        const yTest = nTest ? teacher(model, teacherSeed as number, xTest, [dim]) : new Float32Array(0);
        return ok({ inputShape: [dim], nTrain: n, xTrain, yTrain: Float32Array.from(yTrain), nTest, xTest, yTest: Float32Array.from(yTest) });
      }
      default:
        return err({ reason: 'bad-spec', message: msg.unknownGenerator(String(g)) });
    }
  } catch (e) {
    if (e instanceof ParamError) return err({ reason: 'bad-spec', message: e.message });
    throw e;
  }
}

/** Like `generateSynthetic`, loading `teacherPredict` from src/numerics/quadratic/index.ts when needed. */
export async function generateSyntheticAsync(spec: SyntheticDatasetSpec): Promise<Result<DataArrays, DataFailure>> {
  if (spec.generator !== 'teacher') return generateSynthetic(spec);
  let teacher: TeacherPredict | undefined;
  try {
    const modPath = '../numerics/quadratic/index.js';
    const mod = (await import(modPath)) as { teacherPredict?: unknown };
    if (typeof mod.teacherPredict !== 'function') return err({ reason: 'teacher-unavailable', message: msg.teacherUnavailable('the module exports no teacherPredict function') });
    // The library's signature is teacherPredict(spec, x, seed, inputDim); adapt it to the hook's.
    const lib = mod.teacherPredict as (spec: ModelSpec, x: Float32Array, seed: number, inputDim?: number) => Float32Array;
    teacher = (model, seed, x, inputShape) => {
      // Only Meltzer & Liu's quadratic models have a teacher (eqs. 188–191).
      if (model.arch !== 'pure-quadratic' && model.arch !== 'quadratic-bias') badParam('teacher', 'model', 'a pure-quadratic or quadratic-bias model spec', model.arch);
      return lib(model, x, seed, inputShape.reduce((a, b) => a * b, 1));
    };
  } catch (e) {
    return err({ reason: 'teacher-unavailable', message: msg.teacherUnavailable(e instanceof Error ? e.message.split('\n')[0]! : String(e)) });
  }
  return generateSynthetic(spec, teacher);
}
