/**
 * The Gram-matrix GD step of the two-layer FC (./gram.ts) run by
 * onnxruntime (../ort/runtime.ts), with the whole engine state in host
 * Float32Arrays.
 *
 * Why: on wasm the step is matMul-bound (dAᵀ·G, 5000×256×256, and every
 * test evaluation Cᵀ·G_xᵀ, 5000×256×2000) at ~19 GFLOPS, single-threaded;
 * onnxruntime's MLAS runs the same products at ~110 GFLOPS on two cores.
 * To keep the data crossing between heaps from eating that gain, nothing
 * lives in the tfjs heap: a step is ONE session run of a small graph
 * (forward, residual, dA, both updates) whose inputs are the host arrays
 * (onnxruntime wraps them without copying) and whose outputs are written
 * into the engine's second set of state buffers (swapped after the run).
 * The trainer chains 10 steps into one run where it needs no weights in
 * between (`steps`, `undo`): the binding copies every output into a fresh
 * ArrayBuffer after a run, and the [m, n] state is the costly one.
 *
 * Same formulas and layout as ./gram.ts (unit-major [m, n]; v a column
 * [m, 1]; q = 1/√m; ρ = η·q·2c(f − y) as a row [1, n]), with A1 = −C·G
 * recomputed each step (one plain MatMul) instead of carried as state:
 *
 *   net:  f = q vᵀσ(A0 + A1),                 dA = σ'(A) ⊙ (v ρ),                    dv = σ(A) ρᵀ
 *   lin:  f = q (vᵀh0 + v0ᵀ(s1 ⊙ A1)),        dA = s1 ⊙ (v0 ρ),                      dv = h0 ρᵀ
 *   quad: f = q (vᵀ(h0 + s1⊙A1) + ½ v0ᵀ(s2⊙A1²)),
 *                                             dA = s1 ⊙ (v ρ) + (s2⊙A1) ⊙ (v0 ρ),    dv = (h0 + s1⊙A1) ρᵀ
 *
 * then C ← C + dA, v ← v − dv. Why not carry A1 (A1 ← A1 − dA·G, as
 * NumPy does): that Gemm costs the same FLOPs as C·G, but with A1 as its
 * bias MLAS first copies the bias single-threaded (0.79 vs 0.39 ms at
 * 1024×128·128), and a second [m, n] output doubles the bytes copied out
 * of every run (≈2.5 ms per step at 5000×256). The sign of A1 = −C·G is
 * folded into the op that uses it. A1 differs from the accumulated one by
 * float32 rounding only.
 *
 * The order-0 constants h0 = σ(A0), s1 = σ'(A0), s2 = σ''(A0) of lin/quad
 * are computed once on the host (per input set); net's σ runs in the graph
 * (ReLU, the homogeneous family, identity, tanh, swish).
 */
import type { Variant } from '../../config/types.js';
import type { GramConfig } from './gram.js';
import { type Result, ok, err } from '../../core/result.js';
import { ortActivationUnsupported } from '../../messages/numerics.js';
import type { Activation } from '../ops.js';
import { encodeOnnxModel, type OnnxGraph, type OnnxNode } from '../ort/onnx.js';
import { ORT_NO_SPIN, ortSpins, type OrtArray, type OrtRuntime, type OrtSession } from '../ort/runtime.js';
import { ortMatMul } from '../ort/matmul.js';

/**
 * The tfjs engine's configuration (./gram.ts) with G on the host: the same
 * problem, so the two engines can be swapped and compared. `a0T` is not
 * copied here: keep it unchanged while the engine lives.
 */
export interface OrtGramConfig extends Omit<GramConfig, 'G'> {
  /** G = XXᵀ/d [n, n] (symmetric). */
  G: Float32Array;
}

export interface OrtGramFailure {
  reason: 'activation-unsupported';
  message: string;
}

/** Order-0 constants of the jets at some pre-activations, unit-major [m, nx]. */
interface Order0 {
  h0: Float32Array;
  s1: Float32Array;
  s2: Float32Array | null;
}

/** An input set other than the training set (a test set): its constants, kept while the caller keeps the key. */
export interface OrtOtherSet {
  nx: number;
  /** Pre-activations at w0, unit-major [m, nx]. */
  a0T: Float32Array;
  /** G_xᵀ = X·X_xᵀ/d [n, nx]. */
  gxT: Float32Array;
}

/** Whether σ has an in-graph form (needed by `net`; lin/quad use host constants for any σ). */
function graphActivation(act: Activation): boolean {
  return act.slopes !== null || act.name === 'tanh' || act.name === 'swish';
}

/** Floats per [units, nx] block when evaluating another input set (≈ 5 MB: stays in cache; see outputsAt). */
const OTHER_BLOCK_FLOATS = 1_250_000;

/** GD steps chained into one session run (OrtGramFc2.chunk). */
const CHAIN = 10;

/** A tiny graph builder: fresh names for intermediates, scalar constants as initializers. */
class Builder {
  readonly nodes: OnnxNode[] = [];
  private readonly consts = new Map<number, string>();
  private k = 0;

  op(op: string, inputs: string[], attrs?: OnnxNode['attrs'], out?: string): string {
    const o = out ?? `t${this.k++}`;
    this.nodes.push({ op, inputs, outputs: [o], ...(attrs ? { attrs } : {}) });
    return o;
  }

  c(value: number): string {
    let name = this.consts.get(value);
    if (!name) {
      name = `c${this.consts.size}`;
      this.consts.set(value, name);
    }
    return name;
  }

  graph(inputs: OnnxGraph['inputs'], outputs: OnnxGraph['outputs']): OnnxGraph {
    const initializers = [...this.consts].map(([v, name]) => ({ name, dims: [], data: Float32Array.of(v) }));
    return { nodes: this.nodes, inputs, outputs, initializers };
  }
}

/**
 * σ(A) as graph nodes, and σ'(A) on demand: onnxruntime does not drop nodes
 * whose values nothing reads, so a forward-only graph must not build σ'
 * (it cost two passes over every [m, nx] block of a test evaluation).
 */
function actNodes(b: Builder, act: Activation, A: string): { h: string; d: () => string } {
  if (act.slopes) {
    const [ap, am] = act.slopes;
    if (ap === 1 && am === 1) return { h: A, d: () => b.op('Add', [b.op('Mul', [A, b.c(0)]), b.c(1)]) };
    // x ≥ 0 → a₊ (σ'(0) = a₊, as in ops.ts's mask)
    const mask = (): string => b.op('Cast', [b.op('GreaterOrEqual', [A, b.c(0)])], { to: 1 });
    if (ap === 1 && am === 0) return { h: b.op('Relu', [A]), d: mask };
    const d = b.op('Add', [b.op('Mul', [mask(), b.c(ap - am)]), b.c(am)]);
    return { h: b.op('Mul', [d, A]), d: () => d };
  }
  if (act.name === 'tanh') {
    const h = b.op('Tanh', [A]);
    return { h, d: () => b.op('Sub', [b.c(1), b.op('Mul', [h, h])]) };
  }
  // swish: h = A·s, σ' = s + h(1 − s)
  const s = b.op('Sigmoid', [A]);
  const h = b.op('Mul', [A, s]);
  return { h, d: () => b.op('Add', [s, b.op('Mul', [h, b.op('Sub', [b.c(1), s])])]) };
}

/**
 * A1 as a graph value: `neg` means the node holds −A1 (the product C·G, not
 * negated: the sign is folded into the next op instead of costing a pass).
 */
interface A1Ref {
  name: string;
  neg: boolean;
}

/**
 * Forward nodes: f [1, nx] from A1 (and the variant's constants), plus what
 * the backward pass needs (`s2a1` = s2⊙A1, possibly negated like A1).
 */
function forwardNodes(
  b: Builder,
  variant: Variant,
  act: Activation,
  hasS2: boolean,
  q: number,
  a1: A1Ref,
  A: string | null,
  v = 'v',
): { f: string; h: string; d: (() => string) | null; s2a1: A1Ref | null } {
  const vT = b.op('Transpose', [v], { perm: [1, 0] });
  if (variant === 'net') {
    const { h, d } = actNodes(b, act, A ?? b.op(a1.neg ? 'Sub' : 'Add', ['a0', a1.name]));
    return { f: b.op('Mul', [b.op('MatMul', [vT, h]), b.c(q)]), h, d, s2a1: null };
  }
  const v0T = b.op('Transpose', ['v0'], { perm: [1, 0] });
  const s1a1 = b.op('Mul', ['s1', a1.name]);
  const plus = a1.neg ? 'Sub' : 'Add';
  if (variant === 'lin') {
    const f = b.op(plus, [b.op('MatMul', [vT, 'h0']), b.op('MatMul', [v0T, s1a1])]);
    return { f: b.op('Mul', [f, b.c(q)]), h: 'h0', d: null, s2a1: null };
  }
  const h = b.op(plus, ['h0', s1a1]);
  let f = b.op('MatMul', [vT, h]);
  let s2a1: A1Ref | null = null;
  if (hasS2) {
    const s2x = b.op('Mul', ['s2', a1.name]);
    s2a1 = { name: s2x, neg: a1.neg };
    // s2⊙A1² = (s2⊙x)⊙x for x = ±A1
    f = b.op('Add', [f, b.op('Mul', [b.op('MatMul', [v0T, b.op('Mul', [s2x, a1.name])]), b.c(0.5)])]);
  }
  return { f: b.op('Mul', [f, b.c(q)]), h, d: null, s2a1 };
}

/** Graph inputs holding the variant's constants, for `nx` columns (`d`: lin/quad's offset D of A1, see OrtGramFc2). */
function constInputs(variant: Variant, hasS2: boolean, m: number | string, nx: number | string, d = false): OnnxGraph['inputs'] {
  if (variant === 'net') return [{ name: 'a0', dims: [m, nx] }];
  return [
    { name: 'v0', dims: [m, 1] },
    { name: 'h0', dims: [m, nx] },
    { name: 's1', dims: [m, nx] },
    ...(hasS2 ? [{ name: 's2', dims: [m, nx] }] : []),
    ...(d ? [{ name: 'D', dims: [m, nx] }] : []),
  ];
}

/**
 * A1 on the training inputs from the state: −C·G (the product `P`), or
 * D − C·G when lin/quad carry an offset (net folds D into its a0 input).
 */
function trainingA1(b: Builder, variant: Variant, withD: boolean, C = 'C'): A1Ref {
  const P = b.op('MatMul', [C, 'G']);
  if (withD && variant !== 'net') return { name: b.op('Sub', ['D', P]), neg: false };
  return { name: P, neg: true };
}

/**
 * `k` GD steps unrolled into one graph: state C, v in, Cn, vn out, and the
 * outputs before each step as the rows of f [k, n]. Why several:
 * the Node binding copies every output into a fresh ArrayBuffer after each
 * run, so a step that hands the [m, n] state back costs a 5 MB allocation
 * and copy at W4's size; chained steps keep the state inside onnxruntime.
 * Each unrolled step is the same nodes as the single step, so k steps here
 * give the same floats as k runs of the one-step graph.
 */
function stepGraph(variant: Variant, act: Activation, hasS2: boolean, n: number, m: number, withD: boolean, k = 1): OnnxGraph {
  const b = new Builder();
  const q = 1 / Math.sqrt(m);
  const fs: string[] = [];
  let C = 'C';
  let v = 'v';
  for (let i = 0; i < k; i++) {
    const fw = forwardNodes(b, variant, act, hasS2, q, trainingA1(b, variant, withD, C), null, v);
    fs.push(fw.f);
    const rho = b.op('Mul', [b.op('Sub', [fw.f, 'y']), 'k']);
    let dA: string;
    if (variant === 'net') dA = b.op('Mul', [fw.d!(), b.op('Mul', [v, rho])]);
    else if (variant === 'lin') dA = b.op('Mul', ['s1', b.op('Mul', ['v0', rho])]);
    else {
      dA = b.op('Mul', ['s1', b.op('Mul', [v, rho])]);
      if (fw.s2a1) dA = b.op(fw.s2a1.neg ? 'Sub' : 'Add', [dA, b.op('Mul', [fw.s2a1.name, b.op('Mul', ['v0', rho])])]);
    }
    const dv = b.op('MatMul', [fw.h, b.op('Transpose', [rho], { perm: [1, 0] })]);
    const last = i === k - 1;
    C = b.op('Add', [C, dA], undefined, last ? 'Cn' : undefined);
    v = b.op('Sub', [v, dv], undefined, last ? 'vn' : undefined);
  }
  if (k === 1) b.op('Identity', fs, undefined, 'f');
  else b.op('Concat', fs, { axis: 0 }, 'f');
  return b.graph(
    [
      { name: 'C', dims: [m, n] },
      { name: 'v', dims: [m, 1] },
      { name: 'G', dims: [n, n] },
      { name: 'y', dims: [1, n] },
      { name: 'k', dims: [1] },
      ...constInputs(variant, hasS2, m, n, withD),
    ],
    [
      { name: 'Cn', dims: [m, n] },
      { name: 'vn', dims: [m, 1] },
      { name: 'f', dims: [k, n] },
    ],
  );
}

/**
 * Outputs on the training inputs (A1 from C·G as in a step) or, with `other`, on another set (A1 = −C·G_xᵀ).
 * `rows` is the unit dimension of the inputs: `m`, or a symbolic name when the set is evaluated in blocks of units
 * (f is a sum over units, so blocks add up; q stays 1/√m).
 */
function forwardGraph(variant: Variant, act: Activation, hasS2: boolean, n: number, m: number, other: boolean, withD: boolean, rows: number | string = m): OnnxGraph {
  const b = new Builder();
  const q = 1 / Math.sqrt(m);
  const nx = other ? 'nx' : n;
  // a plain MatMul and a Sub: Gemm with a bias input copies the bias single-threaded first (measured 2× slower at 1024×128·128)
  const a1 = other ? { name: b.op('MatMul', ['C', 'gxT']), neg: true } : trainingA1(b, variant, withD);
  const fw = forwardNodes(b, variant, act, hasS2, q, a1, null);
  b.nodes.push({ op: 'Identity', inputs: [fw.f], outputs: ['f'] });
  const state = other ? [{ name: 'gxT', dims: [n, nx] }] : [{ name: 'G', dims: [n, n] }];
  return b.graph(
    [{ name: 'C', dims: [rows, n] }, ...state, { name: 'v', dims: [rows, 1] }, ...constInputs(variant, hasS2, rows, nx, withD && !other)],
    [{ name: 'f', dims: [1, nx] }],
  );
}

/** h0, s1, s2 at pre-activations a0 (any σ, on the host, once per input set). */
function order0(act: Activation, a0: Float32Array, withS2: boolean): Order0 {
  const s = act.scalar;
  const h0 = new Float32Array(a0.length);
  const s1 = new Float32Array(a0.length);
  const s2 = withS2 ? new Float32Array(a0.length) : null;
  for (let i = 0; i < a0.length; i++) {
    const a = a0[i]!;
    h0[i] = s.f(a);
    s1[i] = s.d1(a);
    if (s2) s2[i] = s.d2(a);
  }
  return { h0, s1, s2 };
}

/**
 * Double-buffered state: `cur` is read by a step, `next` written, then they
 * swap. A1 is not part of it: A1 = −C·G always (G is symmetric and both
 * start at zero), so a step recomputes it with one plain product instead of
 * carrying a second [m, n] array in and out of every run.
 */
interface State {
  C: Float32Array;
  v: Float32Array;
}

export class OrtGramFc2 {
  private cur: State;
  private next: State;
  private readonly o0: Order0 | null;
  private readonly hasS2: boolean;
  /** Sessions per "D present" flag (built on first use). */
  private readonly stepS = new Map<string, OrtSession>();
  private readonly fwdS = new Map<string, OrtSession>();
  private otherS: OrtSession | null = null;
  private readonly others = new WeakMap<OrtOtherSet, Order0>();
  private readonly k = new Float32Array(1);
  private readonly yRow: Float32Array;
  /**
   * Offset of a loaded A1 from −C·G (null when there is none, the normal
   * case): only an outside assignment to A1 or C makes one. net folds it
   * into its pre-activations at w0 (`a0eff`).
   */
  private D: Float32Array | null = null;
  private a0eff: Float32Array;
  /** Feeds of a step run, built once (the state entries are swapped in place). */
  private readonly stepFeeds: Record<string, OrtArray>;
  /** Fetches of a run of k steps, per k (f holds the k output rows). */
  private readonly stepOut = new Map<number, Record<string, OrtArray>>();
  /** Whether `next` still holds the state before the last `steps` (see undo). */
  private undoable = false;

  /** The engine, or a failure when σ has no graph form (the caller then uses ./gram.ts). */
  static create(rt: OrtRuntime, cfg: OrtGramConfig): Result<OrtGramFc2, OrtGramFailure> {
    if (cfg.variant === 'net' && !graphActivation(cfg.act)) {
      return err({ reason: 'activation-unsupported', message: ortActivationUnsupported(cfg.act.name) });
    }
    return ok(new OrtGramFc2(rt, cfg));
  }

  private constructor(
    private readonly rt: OrtRuntime,
    private readonly cfg: OrtGramConfig,
  ) {
    const { n, m, variant, act } = cfg;
    const fresh = (): State => ({ C: new Float32Array(m * n), v: Float32Array.from(cfg.v0) });
    this.cur = fresh();
    this.next = fresh();
    this.yRow = new Float32Array(n);
    this.a0eff = cfg.a0T;
    this.hasS2 = variant === 'quad' && act.d2 !== null;
    this.o0 = variant === 'net' ? null : order0(act, cfg.a0T, this.hasS2);
    this.stepFeeds = {};
    this.session(this.stepS, (d) => stepGraph(variant, act, this.hasS2, n, m, d));
    this.rebuildFeeds();
  }

  private session(cache: Map<string, OrtSession>, graph: (withD: boolean) => OnnxGraph, k = 1): OrtSession {
    const withD = this.D !== null && this.cfg.variant !== 'net';
    const key = `${withD}/${k}`;
    let s = cache.get(key);
    if (!s) cache.set(key, (s = this.rt.session(encodeOnnxModel(graph(withD)), this.spin(this.cfg.n))));
    return s;
  }

  private consts(a0T: Float32Array, o0: Order0 | null, nx: number, training: boolean): Record<string, OrtArray> {
    const { m } = this.cfg;
    if (!o0) return { a0: { data: training ? this.a0eff : a0T, dims: [m, nx] } };
    const out: Record<string, OrtArray> = {
      v0: { data: this.cfg.v0, dims: [m, 1] },
      h0: { data: o0.h0, dims: [m, nx] },
      s1: { data: o0.s1, dims: [m, nx] },
    };
    if (this.hasS2) out.s2 = { data: o0.s2!, dims: [m, nx] };
    if (training && this.D) out.D = { data: this.D, dims: [m, nx] };
    return out;
  }

  /** The step's feeds (after a load changed D). */
  private rebuildFeeds(): void {
    const { n, m } = this.cfg;
    for (const k of Object.keys(this.stepFeeds)) delete this.stepFeeds[k];
    Object.assign(this.stepFeeds, {
      C: { data: this.cur.C, dims: [m, n] },
      v: { data: this.cur.v, dims: [m, 1] },
      G: { data: this.cfg.G, dims: [n, n] },
      y: { data: this.yRow, dims: [1, n] },
      k: { data: this.k, dims: [1] },
      ...this.consts(this.cfg.a0T, this.o0, n, true),
    });
  }

  /** Session options for a graph over [m, nx] arrays (../ort/runtime.ts's ORT_NO_SPIN). */
  private spin(nx: number): Record<string, unknown> | undefined {
    return ortSpins(this.cfg.m * Math.max(nx, this.cfg.n)) ? undefined : { ...ORT_NO_SPIN };
  }

  /** −C·G [m, n] (state() and load() use this same product, so a round trip leaves no offset). */
  private minusCG(C: Float32Array): Float32Array {
    const { n, m } = this.cfg;
    return ortMatMul(this.rt, C, this.cfg.G, m, n, n, -1);
  }

  /** Replace the state: A1 and C unit-major [m, n], v [m] (copied). */
  load(A1T: ArrayLike<number>, CT: ArrayLike<number>, v: ArrayLike<number>): void {
    this.undoable = false;
    this.cur.C.set(CT);
    this.cur.v.set(v);
    const P = this.minusCG(this.cur.C);
    let offset = false;
    for (let i = 0; i < P.length; i++) {
      P[i] = A1T[i]! - P[i]!;
      if (P[i] !== 0) offset = true;
    }
    this.D = offset ? P : null;
    if (this.cfg.variant === 'net') {
      this.a0eff = this.cfg.a0T;
      if (this.D) {
        this.a0eff = new Float32Array(P.length);
        for (let i = 0; i < P.length; i++) this.a0eff[i] = this.cfg.a0T[i]! + P[i]!;
      }
    }
    this.rebuildFeeds();
  }

  /** The state (copies): A1 and C unit-major [m, n], v [m]. */
  state(): { A1T: Float32Array; CT: Float32Array; v: Float32Array } {
    const A1T = this.minusCG(this.cur.C);
    if (this.D) for (let i = 0; i < A1T.length; i++) A1T[i] = A1T[i]! + this.D[i]!;
    return { A1T, CT: this.cur.C.slice(), v: this.cur.v.slice() };
  }

  /** Outputs on the bound training inputs. */
  outputs(): Float32Array {
    const { n, m, variant, act } = this.cfg;
    const f = new Float32Array(n);
    this.session(this.fwdS, (d) => forwardGraph(variant, act, this.hasS2, n, m, false, d)).run(
      {
        C: { data: this.cur.C, dims: [m, n] },
        G: { data: this.cfg.G, dims: [n, n] },
        v: { data: this.cur.v, dims: [m, 1] },
        ...this.consts(this.cfg.a0T, this.o0, n, true),
      },
      { f: { data: f, dims: [1, n] } },
    );
    return f;
  }

  /** Outputs on another input set (A1_x = −G_x C); its order-0 constants are kept while `x` is referenced. */
  outputsAt(x: OrtOtherSet): Float32Array {
    const { n, m, variant, act } = this.cfg;
    let o0: Order0 | null = null;
    if (variant !== 'net') {
      o0 = this.others.get(x) ?? null;
      if (!o0) {
        o0 = order0(act, x.a0T, this.hasS2);
        this.others.set(x, o0);
      }
    }
    this.otherS ??= this.rt.session(encodeOnnxModel(forwardGraph(variant, act, this.hasS2, n, m, true, false, 'rows')), this.spin(x.nx));
    // Blocks of units whose [rows, nx] intermediates stay in cache instead of passes over the whole [m, nx]
    // matrix: at 5000×2000 one evaluation took 52 → 47 ms (net; quad unchanged at 46 ms), same FLOPs.
    const block = Math.max(1, Math.min(m, Math.round(OTHER_BLOCK_FLOATS / x.nx)));
    const feeds: Record<string, OrtArray> = {
      C: { data: this.cur.C, dims: [m, n] },
      v: { data: this.cur.v, dims: [m, 1] },
      ...this.consts(x.a0T, o0, x.nx, false),
    };
    const gxT = { data: x.gxT, dims: [n, x.nx] };
    const f = new Float32Array(x.nx);
    const part = new Float32Array(x.nx);
    for (let j0 = 0; j0 < m; j0 += block) {
      const j1 = Math.min(m, j0 + block);
      const blockFeeds: Record<string, OrtArray> = { gxT };
      for (const [name, a] of Object.entries(feeds)) {
        const width = a.dims[1]!;
        blockFeeds[name] = { data: a.data.subarray(j0 * width, j1 * width), dims: [j1 - j0, width] };
      }
      this.otherS.run(blockFeeds, { f: { data: part, dims: [1, x.nx] } });
      for (let i = 0; i < x.nx; i++) f[i] = f[i]! + part[i]!;
    }
    return f;
  }

  /** One GD step on L = c·Σ(f − y)²; returns L before the step. */
  step(y: ArrayLike<number>, eta: number, c: number): number {
    return this.steps(y, eta, c, 1)[0]!;
  }

  /**
   * How many steps one chained run takes: at W4's size (5000×256) a run's
   * fixed cost — above all the binding's copy of the [m, n] state out of
   * every run — was 2–3 of ~10 ms per step; 10 chained steps took 7.5–8.3
   * ms per step against 9.3–11.2 one at a time (20 gained nothing more).
   * One chain length only: every session keeps its own arena (~60 MB at
   * W4's size), so a session per length would cost 60 MB each.
   */
  get chunk(): number {
    return CHAIN;
  }

  /**
   * `count` GD steps, the same floats as `count` calls of `step`; returns L
   * before each step. `count` = chunk runs as one chained session run
   * (stepGraph), which `undo` can take back; other counts run step by step.
   */
  steps(y: ArrayLike<number>, eta: number, c: number, count: number): Float64Array {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`OrtGramFc2.steps: count must be a positive integer, got ${count}`);
    if (count !== 1 && count !== CHAIN) {
      const losses = new Float64Array(count);
      for (let j = 0; j < count; j++) losses[j] = this.run(y, eta, c, 1)[0]!;
      this.undoable = false;
      return losses;
    }
    return this.run(y, eta, c, count);
  }

  /** One session run of `count` chained steps (1 or CHAIN: a session each). */
  private run(y: ArrayLike<number>, eta: number, c: number, count: number): Float64Array {
    const { n, m, variant, act } = this.cfg;
    this.k[0] = (eta * 2 * c) / Math.sqrt(m);
    for (let i = 0; i < n; i++) this.yRow[i] = y[i]!;
    const { cur, next } = this;
    const feeds = this.stepFeeds;
    let out = this.stepOut.get(count);
    if (!out) {
      out = { Cn: { data: next.C, dims: [m, n] }, vn: { data: next.v, dims: [m, 1] }, f: { data: new Float32Array(count * n), dims: [count, n] } };
      this.stepOut.set(count, out);
    }
    feeds.C!.data = cur.C;
    feeds.v!.data = cur.v;
    out.Cn!.data = next.C;
    out.vn!.data = next.v;
    this.session(this.stepS, (d) => stepGraph(variant, act, this.hasS2, n, m, d, count), count).run(feeds, out);
    this.cur = next;
    this.next = cur;
    this.undoable = true;
    const f = out.f!.data;
    const losses = new Float64Array(count);
    for (let j = 0; j < count; j++) {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const r = f[j * n + i]! - y[i]!;
        loss += r * r;
      }
      losses[j] = c * loss;
    }
    return losses;
  }

  /**
   * Go back to the state before the last `steps` call of 1 or `chunk` steps
   * (the trainer stops inside a chain by undoing it and redoing fewer
   * steps). Only right after it; the two state buffers make it free.
   */
  undo(): void {
    if (!this.undoable) throw new Error('OrtGramFc2.undo: only right after steps() of 1 or chunk steps');
    [this.cur, this.next] = [this.next, this.cur];
    this.undoable = false;
  }

  dispose(): void {
    for (const s of [...this.stepS.values(), ...this.fwdS.values()]) s.dispose();
    this.otherS?.dispose();
  }
}
