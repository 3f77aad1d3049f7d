/**
 * Exact fast dynamics of the pure quadratic model on the toy dataset
 * (x, y) = (1, 0) with L = ½z² (Meltzer & Liu Fig. 1).
 *
 * Why: with ψ = W = qᵀΛq and a = qθ, z = (ζ/2) Σ λ_σ a_σ², H = ζ² Σ λ_σ² a_σ²,
 * θ² = Σ a_σ², and one GD step is a_σ ← (1 − ηζ z λ_σ) a_σ — n independent
 * scalar recurrences, O(n) per step instead of O(n²). This is exact algebra
 * (not an approximation), so a whole 40-rate sweep runs in typed arrays
 * without tfjs.
 */

export interface ToyRun {
  /** ηH0 of this run. */
  rate: number;
  status: 'converged' | 'diverged' | 'capped';
  steps: number;
  /** Per-step z_t, H_t, θ²_t (t = 0 … steps), when recorded. */
  z?: Float64Array;
  H?: Float64Array;
  theta2?: Float64Array;
  final: { z: number; H: number; theta2: number };
}

export interface ToyOptions {
  /** Stop when |z| < tol (default 1e-8). */
  tol?: number;
  /** Step cap (default 5000). */
  maxSteps?: number;
  /** Diverged when |z| exceeds this or is non-finite (default 1e8). */
  ceiling?: number;
  /** Record per-step trajectories (default false). */
  record?: boolean;
}

/** Initial H0 = ζ² Σ λ² a0². */
export function toyH0(lambda: ArrayLike<number>, a0: ArrayLike<number>, zeta: number): number {
  let h = 0;
  for (let i = 0; i < a0.length; i++) h += lambda[i]! * lambda[i]! * a0[i]! * a0[i]!;
  return zeta * zeta * h;
}

/** Run GD at η = rate/H0 from a0 (the rotated θ0). */
export function toyRun(lambda: ArrayLike<number>, a0: ArrayLike<number>, zeta: number, rate: number, options: ToyOptions = {}): ToyRun {
  const n = a0.length;
  const tol = options.tol ?? 1e-8;
  const maxSteps = options.maxSteps ?? 5000;
  const ceiling = options.ceiling ?? 1e8;
  const lam = Float64Array.from(lambda);
  const a = Float64Array.from(a0);
  const eta = rate / toyH0(lam, a, zeta);
  const rec = options.record === true;
  const zs: number[] = [];
  const hs: number[] = [];
  const ts: number[] = [];
  let z = 0;
  let H = 0;
  let t2 = 0;
  const measure = () => {
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      const la = lam[i]! * ai;
      s1 += la * ai;
      s2 += la * la;
      s3 += ai * ai;
    }
    z = (zeta / 2) * s1;
    H = zeta * zeta * s2;
    t2 = s3;
  };
  measure();
  let status: ToyRun['status'] = 'capped';
  let step = 0;
  for (; ; step++) {
    if (rec) {
      zs.push(z);
      hs.push(H);
      ts.push(t2);
    }
    if (!Number.isFinite(z) || Math.abs(z) > ceiling) {
      status = 'diverged';
      break;
    }
    if (Math.abs(z) < tol) {
      status = 'converged';
      break;
    }
    if (step >= maxSteps) break;
    const c = eta * zeta * z;
    for (let i = 0; i < n; i++) a[i] = a[i]! * (1 - c * lam[i]!);
    measure();
  }
  const out: ToyRun = { rate, status, steps: step, final: { z, H, theta2: t2 } };
  if (rec) {
    out.z = Float64Array.from(zs);
    out.H = Float64Array.from(hs);
    out.theta2 = Float64Array.from(ts);
  }
  return out;
}
