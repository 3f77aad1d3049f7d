/**
 * GD on a linearised model f_lin(x; θ) = f0(x) + J0(x)·(θ − θ0), run in
 * example space: O(n²) per step instead of O(n·m) or more.
 *
 * Why: a GD step on L = c·Σ(f_lin − y)² moves θ by −η J0ᵀ r with
 * r = 2c(u − y), u = f_lin(X). So θ − θ0 = −J0ᵀ R with R = η Σ_t r_t, and
 *
 *   training outputs   u_{t+1} = u_t − η K0 r_t,      K0 = J0(X) J0(X)ᵀ (n×n)
 *   other inputs       f_lin(x) = f0(x) − K0(x, X)·R
 *   ‖θ − θ0‖²          = Rᵀ K0 R
 *   θ²                 = θ0² − 2 (J0θ0)ᵀ R + Rᵀ K0 R
 *
 * all exact. The caller supplies K0, f0 and J0θ0 (for the two-layer FC the
 * closed form K0 = (gA gAᵀ) ⊙ XXᵀ/d + P Pᵀ). State runs in float64.
 */

export interface LinSpaceConfig {
  n: number;
  /** K0 on the training inputs, n×n row-major (symmetric). */
  k0: Float64Array;
  /** f0 = f(X; θ0) on the training inputs. */
  f0: Float64Array;
  /** J0(X)·θ0, for θ². */
  j0theta0: Float64Array;
  /** ‖θ0‖². */
  theta0sq: number;
}

export class LinSpace {
  /** Current training outputs u = f_lin(X). */
  readonly u: Float64Array;
  /** Accumulated coefficients R = η Σ_t r_t (θ − θ0 = −J0ᵀ R). */
  readonly R: Float64Array;
  private readonly r: Float64Array;

  constructor(private readonly cfg: LinSpaceConfig) {
    this.u = Float64Array.from(cfg.f0);
    this.R = new Float64Array(cfg.n);
    this.r = new Float64Array(cfg.n);
  }

  /** Training outputs, float32-rounded like the network's. */
  outputs(): Float32Array {
    return Float32Array.from(this.u);
  }

  /** One GD step on L = c·Σ(u − y)²; returns L before the step. */
  step(y: ArrayLike<number>, eta: number, c: number): number {
    const { n, k0 } = this.cfg;
    const { u, R, r } = this;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const res = u[i]! - y[i]!;
      loss += res * res;
      r[i] = 2 * c * res;
    }
    for (let i = 0; i < n; i++) {
      const o = i * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += k0[o + j]! * r[j]!;
      u[i] = u[i]! - eta * s;
      R[i] = R[i]! + eta * r[i]!;
    }
    return c * loss;
  }

  /** f_lin on other inputs: f0x − K0(x, X)·R, with kxT = K0(X, x) as [n, nx] row-major. */
  outputsAt(f0x: ArrayLike<number>, kxT: ArrayLike<number>, nx: number): Float32Array {
    const { n } = this.cfg;
    const out = new Float64Array(nx);
    for (let j = 0; j < nx; j++) out[j] = f0x[j]!;
    for (let i = 0; i < n; i++) {
      const Ri = this.R[i]!;
      if (Ri === 0) continue;
      const o = i * nx;
      for (let j = 0; j < nx; j++) out[j] = out[j]! - kxT[o + j]! * Ri;
    }
    return Float32Array.from(out);
  }

  /** Rᵀ K0 R = ‖θ − θ0‖². */
  private quadForm(): number {
    const { n, k0 } = this.cfg;
    const R = this.R;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let t = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) t += k0[o + j]! * R[j]!;
      s += R[i]! * t;
    }
    return s;
  }

  distance(): number {
    return Math.sqrt(Math.max(0, this.quadForm()));
  }

  theta2(): number {
    let cross = 0;
    for (let i = 0; i < this.cfg.n; i++) cross += this.cfg.j0theta0[i]! * this.R[i]!;
    return this.cfg.theta0sq - 2 * cross + this.quadForm();
  }
}
