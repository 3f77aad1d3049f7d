"""NumPy float32 reference implementations of the bench workloads (bench/numpy.ts).

Why: PERF-ANCHORS.md was measured on another CPU; a same-machine NumPy run on
the *same arrays* as catapult's bench gives honest ratios and an independent
check of the numbers (W4's best test loss in particular).

Usage: python3 bench/numpy_ref.py DIR
DIR holds meta.json and little-endian float32 files named in it; one JSON
object with the timings and check values is printed on stdout.

Every workload is written the way a NumPy user would: the Gram-matrix update
of the two-layer FC (A1 <- A1 - eta (X X^T / d) dA, test pre-activations via
the accumulated C), example-major arrays, default BLAS threads. Each timed run
includes its own set-up (pre-activations at w0, Gram matrices), as a
standalone run would.
"""
import json
import os
import sys
import time

import numpy as np


def load(d, meta, name):
    shape = meta["arrays"][name]
    return np.fromfile(os.path.join(d, name + ".f32"), dtype="<f4").reshape(shape)


def sgemm(reps=3):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    a @ b
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]


def fc2_gram(x, y, xt, yt, w0, v0, variant, eta, c, ct, steps, tol=None, eval_every=0):
    """GD on L = c sum (f - y)^2 of the two-layer ReLU FC f = v.relu(W x/sqrt d)/sqrt m, Gram update.

    The loop mirrors src/numerics/trainer.ts: the loss recorded at step t is at
    w_t (before the t-th update); test every `eval_every` steps at w_t; stop on
    |L_t - L_{t-1}| < tol (absolute) or after `steps` updates.
    """
    n, d = x.shape
    m = w0.shape[1]
    q = np.float32(1 / np.sqrt(m))
    sd = np.float32(np.sqrt(d))
    f32 = np.float32
    G = (x @ x.T) / f32(d)
    A0 = (x @ w0) / sd
    A0x = (xt @ w0) / sd
    Gx = (xt @ x.T) / f32(d)
    A1 = np.zeros((n, m), np.float32)
    C = np.zeros((n, m), np.float32)
    v = v0.copy()
    if variant != "net":
        h0 = np.maximum(A0, 0)
        s1 = (A0 >= 0).astype(np.float32)

    def outputs(a0, a1, s1_=None, h0_=None):
        if variant == "net":
            return q * (np.maximum(a0 + a1, 0) @ v)
        if variant == "lin":
            return q * (h0_ @ v + (s1_ * a1) @ v0)
        return q * ((h0_ + s1_ * a1) @ v)

    def test_loss():
        a1x = -(Gx @ C)
        if variant == "net":
            fx = outputs(A0x, a1x)
        else:
            fx = outputs(A0x, a1x, (A0x >= 0).astype(np.float32), np.maximum(A0x, 0))
        return float(ct * np.sum((fx.astype(np.float64) - yt) ** 2))

    best = (np.inf, -1)
    prev = np.nan
    t = 0
    k = f32(eta * q * 2 * c)
    while True:
        if eval_every > 0 and t % eval_every == 0:
            tl = test_loss()
            if tl < best[0]:
                best = (tl, t)
        if variant == "net":
            A = A0 + A1
            h = np.maximum(A, 0)
            f = q * (h @ v)
        elif variant == "lin":
            f = outputs(A0, A1, s1, h0)
        else:
            h = h0 + s1 * A1
            f = q * (h @ v)
        r = f - y
        L = float(c * np.dot(r.astype(np.float64), r.astype(np.float64)))
        if t == steps:
            break
        rho = k * r
        if variant == "net":
            dA = (A >= 0) * np.outer(rho, v)
            dv = h.T @ rho
        elif variant == "lin":
            dA = s1 * np.outer(rho, v0)
            dv = h0.T @ rho
        else:
            dA = s1 * np.outer(rho, v)
            dv = h.T @ rho
        A1 -= G @ dA
        C += dA
        v -= dv
        if not np.isfinite(L):
            break
        if tol is not None and t > 0 and abs(L - prev) < tol:
            t += 1
            break
        prev = L
        t += 1
    tl = test_loss()
    res = {"steps": t, "final_loss": L, "final_test_loss": tl}
    if eval_every > 0:
        if tl < best[0]:
            best = (tl, t)
        res.update({"best_test_loss": best[0], "best_step": best[1]})
    return res


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    out["seconds"] = time.perf_counter() - t0
    return out


def median_run(runs):
    """The run with the median time, and every run's seconds (runs of a short workload vary here by 2x)."""
    runs = sorted(runs, key=lambda r: r["seconds"])
    out = dict(runs[len(runs) // 2])
    out["all_seconds"] = [r["seconds"] for r in runs]
    return out


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "meta.json")) as fh:
        meta = json.load(fh)
    out = {"numpy": np.__version__, "results": {}}
    R = out["results"]
    if meta.get("sgemm"):
        R["sgemm"] = {"seconds": sgemm()}
    if "W3" in meta:
        w = meta["W3"]
        args = [load(d, meta, "w3_" + k) for k in ("x", "y", "xt", "yt", "w0", "v0")]
        runs = [timed(lambda: fc2_gram(*args, "net", w["eta"], w["c"], w["ct"], w["steps"], tol=w["tol"])) for _ in range(w.get("reps", 1))]
        R["W3"] = median_run(runs)
    if "W4" in meta:
        w = meta["W4"]
        args = [load(d, meta, "w4_" + k) for k in ("x", "y", "xt", "yt", "w0", "v0")]
        for variant in w["variants"]:
            R["W4 " + variant] = timed(
                lambda: fc2_gram(*args, variant, w["eta"], w["c"], w["ct"], w["steps"], eval_every=w["eval_every"])
            )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
