/**
 * Meltzer & Liu's quadratic models and Zhu et al.'s general quadratic model
 * as `TrainableModel`s.
 *
 * All three share one form, z_α = f_αᵀθ + (c/2) θᵀM_αθ, with a Jacobian that
 * is linear in θ, J_α = f_α + c M_α θ. So the tangent kernel K = J Jᵀ is a
 * D×D product of an explicit J (no autodiff), and an exact GD step is one
 * forward pass: θ ← θ − 2η·s·Jᵀε for L = s Σ ε².
 *
 *  - pure quadratic: f = 0, M = ψ(x), c = ζ (eq. 1 with φ = 0)
 *  - with bias:      f = (0, U x), M = ψ(x) ⊕ 0, c = ζ (ψφ = 0 by blocks)
 *  - GQM (Zhu eq. 3): f = x/‖x‖, M = Σ(x) diagonal ±1, c = γ
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../config/types.js';
import type { TrainableModel } from '../model.js';
import { Rng } from '../rng.js';
import { denseLambdaMax } from '../eig.js';
import { type QuadraticFeatures, type QuadraticSpec, type GqmSpec, gqmSigma, initialTheta, quadraticFeatures, psiAt, phiAt } from './features.js';

/** Per-input-tensor constants: the linear features F (D×n) and what M_α θ needs. */
interface Batch {
  F?: tf.Tensor2D;
  /** eigen mode: x column (D×1); dense identity: X (D×d); tanh: Ψ flattened (D·nψ × nψ); GQM: Σ (D×d). */
  X?: tf.Tensor2D;
  Psi?: tf.Tensor2D;
  Sigma?: tf.Tensor2D;
  rows: number;
}

/** Budget (floats) for caching the per-example ψ matrices of a tanh model; larger batches are recomputed in chunks. */
const PSI_CACHE_FLOATS = 32 * 1024 * 1024;
/** Chunk (floats) for recomputing ψ of a large batch: small enough to stay in cache-friendly, reusable wasm buffers. */
const PSI_CHUNK_FLOATS = 2 * 1024 * 1024;

export class QuadraticModel implements TrainableModel {
  readonly variables: tf.Variable[];
  readonly theta: tf.Variable;
  /** θ0 in the trained coordinates, Float64 (for bounds and tests). */
  readonly theta0: Float64Array;
  private readonly wStack?: tf.Tensor2D; // dense identity: [d·nψ, nψ]
  private readonly wFlat?: tf.Tensor2D; // dense tanh: [d, nψ²]
  private readonly lambda?: tf.Tensor1D;
  private readonly cache = new Map<number, Batch>();

  constructor(
    readonly kind: 'quadratic' | 'gqm',
    /** Quadratic features (undefined for the GQM). */
    readonly features: QuadraticFeatures | undefined,
    /** Input dimension d. */
    readonly d: number,
    /** n = nψ + nφ (quadratic) or d (GQM). */
    readonly n: number,
    /** ζ (quadratic) or γ (GQM). */
    readonly c: number,
    theta0: Float64Array,
    private readonly featureSeed: number,
  ) {
    this.theta0 = theta0;
    this.theta = tf.variable(tf.tensor1d(Float32Array.from(theta0)), true, `theta_${Math.random().toString(36).slice(2)}`);
    this.variables = [this.theta];
    const f = features;
    if (f?.eigen) this.lambda = tf.tensor1d(Float32Array.from(f.eigen));
    if (f?.W) {
      const n = f.nPsi;
      const flat = new Float32Array(f.d * n * n);
      f.W.forEach((w, i) => flat.set(w, i * n * n));
      if (f.g === 'identity') this.wStack = tf.tensor2d(flat, [f.d * n, n]);
      else this.wFlat = tf.tensor2d(flat, [f.d, n * n]);
    }
  }

  private nPsi(): number {
    return this.features?.nPsi ?? 0;
  }

  private batch(x: tf.Tensor): Batch {
    const hit = this.cache.get(x.id);
    if (hit) return hit;
    const rows = x.shape[0]!;
    const xs = x.reshape([rows, this.d]) as tf.Tensor2D;
    const b: Batch = { rows };
    const keep = <T extends tf.Tensor>(t: T): T => tf.keep(t);
    if (this.kind === 'gqm') {
      const data = xs.dataSync() as Float32Array;
      const norm = tf.tidy(() => tf.div(xs, tf.norm(xs, 2, 1, true)));
      b.F = keep(norm as tf.Tensor2D);
      b.Sigma = keep(tf.tensor2d(Float32Array.from(gqmSigma(Float32Array.from(data), this.d, this.featureSeed)), [rows, this.d]));
    } else {
      const f = this.features!;
      if (f.nPhi > 0) {
        const data = xs.dataSync();
        const phi = new Float32Array(rows * f.nPhi);
        for (let r = 0; r < rows; r++) phi.set(phiAt(f, data.subarray(r * this.d, r * this.d + this.d)), r * f.nPhi);
        b.F = keep(tf.tensor2d(phi, [rows, f.nPhi]));
      }
      if (f.g === 'tanh') {
        if (rows * f.nPsi * f.nPsi <= PSI_CACHE_FLOATS) b.Psi = keep(this.psiFor(xs));
        else b.X = keep(xs.clone());
      } else b.X = keep(xs.clone());
    }
    xs.dispose();
    // Cache only a couple of inputs (train and test); evict the oldest.
    if (this.cache.size >= 2) {
      const [k, old] = this.cache.entries().next().value as [number, Batch];
      for (const t of [old.F, old.X, old.Psi, old.Sigma]) t?.dispose();
      this.cache.delete(k);
    }
    this.cache.set(x.id, b);
    return b;
  }

  /** Ψ = g(Σ_i x_i W^i) for every row, flattened to [rows·nψ, nψ]. */
  private psiFor(xs: tf.Tensor2D): tf.Tensor2D {
    const n = this.nPsi();
    return tf.tidy(() => tf.tanh(tf.matMul(xs, this.wFlat!)).reshape([xs.shape[0] * n, n]) as tf.Tensor2D);
  }

  /** M_α θ_ψ for all rows: [rows, nψ]. */
  private mTheta(b: Batch, thetaPsi: tf.Tensor1D): tf.Tensor2D {
    const f = this.features!;
    const n = f.nPsi;
    if (f.eigen) return tf.mul(b.X!, tf.mul(this.lambda!, thetaPsi).reshape([1, n])) as tf.Tensor2D;
    const col = thetaPsi.reshape([n, 1]) as tf.Tensor2D;
    if (f.g === 'identity') {
      const v = tf.matMul(this.wStack!, col).reshape([f.d, n]) as tf.Tensor2D; // rows: W^i θ
      return tf.matMul(b.X!, v);
    }
    if (b.Psi) return tf.matMul(b.Psi, col).reshape([b.rows, n]) as tf.Tensor2D;
    // Large batch: recompute Ψ in chunks.
    const chunk = Math.max(1, Math.floor(PSI_CHUNK_FLOATS / (n * n)));
    const parts: tf.Tensor2D[] = [];
    for (let r = 0; r < b.rows; r += chunk) {
      const m = Math.min(chunk, b.rows - r);
      const xs = b.X!.slice([r, 0], [m, f.d]);
      parts.push(tf.matMul(this.psiFor(xs), col).reshape([m, n]) as tf.Tensor2D);
    }
    return tf.concat(parts, 0) as tf.Tensor2D;
  }

  /** Jacobian J (rows × n) and output z at the current θ (or a given θ tensor). */
  private jz(x: tf.Tensor, theta: tf.Tensor1D): { J: tf.Tensor2D; z: tf.Tensor1D } {
    const b = this.batch(x);
    if (this.kind === 'gqm') {
      const st = tf.mul(b.Sigma!, theta.reshape([1, this.n])) as tf.Tensor2D; // Σ_α w
      const J = tf.add(b.F!, tf.mul(st, this.c)) as tf.Tensor2D;
      const z = tf.add(tf.matMul(b.F!, theta.reshape([this.n, 1])), tf.mul(tf.matMul(st, theta.reshape([this.n, 1])), this.c / 2));
      return { J, z: z.reshape([b.rows]) as tf.Tensor1D };
    }
    const f = this.features!;
    const tPsi = f.nPhi > 0 ? (theta.slice([0], [f.nPsi]) as tf.Tensor1D) : theta;
    const mt = this.mTheta(b, tPsi); // rows × nψ
    const quad = tf.matMul(mt, tPsi.reshape([f.nPsi, 1])).reshape([b.rows]); // θᵀψθ
    const Jpsi = tf.mul(mt, this.c) as tf.Tensor2D;
    if (f.nPhi === 0) return { J: Jpsi, z: tf.mul(quad, this.c / 2) as tf.Tensor1D };
    const tPhi = theta.slice([f.nPsi], [f.nPhi]);
    const lin = tf.matMul(b.F!, tPhi.reshape([f.nPhi, 1])).reshape([b.rows]);
    return { J: tf.concat([Jpsi, b.F!], 1) as tf.Tensor2D, z: tf.add(lin, tf.mul(quad, this.c / 2)) as tf.Tensor1D };
  }

  predict(x: tf.Tensor): tf.Tensor1D {
    return this.jz(x, this.theta as tf.Tensor1D).z;
  }

  kernel(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const { J } = this.jz(x, this.theta as tf.Tensor1D);
      return tf.matMul(J, tf.transpose(J)) as tf.Tensor2D;
    });
  }

  kernelMax(x: tf.Tensor): number {
    const k = this.kernel(x);
    const data = Float64Array.from(k.dataSync());
    const rows = k.shape[0];
    k.dispose();
    // λmax only (no eigenvector): Lanczos, not a full Jacobi decomposition — this runs at every recorded step.
    return denseLambdaMax(data, rows);
  }

  /** Exact GD step on L = lossScale·Σ(z − y)²; returns the loss before the step. */
  gdStep(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number): number {
    const loss = tf.tidy(() => {
      const { J, z } = this.jz(x, this.theta as tf.Tensor1D);
      const eps = tf.sub(z, y);
      const grad = tf.matMul(eps.reshape([1, -1]), J).reshape([this.n]); // Jᵀε without transpose flags
      this.theta.assign(tf.sub(this.theta, tf.mul(grad, 2 * eta * lossScale)) as tf.Tensor1D);
      return tf.mul(tf.sum(tf.square(eps)), lossScale);
    });
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  }

  dispose(): void {
    for (const b of this.cache.values()) for (const t of [b.F, b.X, b.Psi, b.Sigma]) t?.dispose();
    this.cache.clear();
    this.theta.dispose();
    this.wStack?.dispose();
    this.wFlat?.dispose();
    this.lambda?.dispose();
  }
}

/** Seed of the fixed features: the spec's featureSeed, else the init seed. */
export function featureSeedOf(spec: ModelSpec, seed: number): number {
  return 'featureSeed' in spec && spec.featureSeed !== undefined ? spec.featureSeed : seed;
}

/**
 * Build `pure-quadratic`, `quadratic-bias` or `gqm` for inputs of
 * `inputShape` (flattened to d). θ0 ~ N(0, I) from stream `quadratic/theta`
 * (GQM: `gqm/w`, or 0). Throws RangeError for a spec `checkQuadraticSpec`
 * rejects (callers validate first).
 */
export function buildQuadraticModel(spec: ModelSpec, inputShape: number[], seed: number): QuadraticModel {
  const d = inputShape.reduce((a, b) => a * b, 1);
  const fs = featureSeedOf(spec, seed);
  if (spec.arch === 'gqm') {
    if (spec.d !== d) throw new RangeError(`gqm: spec.d = ${spec.d} but inputs have dimension ${d}`);
    const w0 = spec.init === 'zero' ? new Float64Array(d) : new Rng(seed, 'gqm/w').normal(d);
    return new QuadraticModel('gqm', undefined, d, d, spec.gamma, w0, fs);
  }
  if (spec.arch !== 'pure-quadratic' && spec.arch !== 'quadratic-bias') throw new RangeError(`not a quadratic model: ${spec.arch}`);
  const f = quadraticFeatures(spec, d, fs);
  return new QuadraticModel('quadratic', f, d, f.nPsi + f.nPhi, f.zeta, initialTheta(f, seed), fs);
}

/**
 * Labels of a teacher–student dataset: the full (unprojected) teacher model
 * with its own θ_teacher ~ N(0, I) from stream `quadratic/teacher-theta`
 * under `seed`, and features from `spec.featureSeed` (falls back to `seed`).
 * x is row-major with `inputDim` columns. Float64 throughout.
 */
export function teacherPredict(spec: QuadraticSpec, x: Float32Array, seed: number, inputDim = 1): Float32Array {
  const f = quadraticFeatures(spec, inputDim, spec.featureSeed ?? seed, 'teacher');
  const theta = initialTheta(f, seed, 'quadratic/teacher-theta');
  return Float32Array.from(evaluateQuadratic(f, theta, x));
}

/** z(x_α) for all rows of x, in Float64 (reference implementation; used by teacherPredict and tests). */
export function evaluateQuadratic(f: QuadraticFeatures, theta: Float64Array, x: ArrayLike<number>): Float64Array {
  const rows = x.length / f.d;
  const out = new Float64Array(rows);
  const n = f.nPsi;
  const xs = Float64Array.from(x);
  for (let r = 0; r < rows; r++) {
    const xr = xs.subarray(r * f.d, r * f.d + f.d);
    const psi = psiAt(f, xr);
    let q = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += psi[i * n + j]! * theta[j]!;
      q += theta[i]! * s;
    }
    let lin = 0;
    if (f.nPhi > 0) {
      const phi = phiAt(f, xr);
      for (let k = 0; k < f.nPhi; k++) lin += phi[k]! * theta[n + k]!;
    }
    out[r] = lin + (f.zeta / 2) * q;
  }
  return out;
}
