/**
 * A minimal ONNX model encoder: just enough protobuf to describe a small
 * float32 graph (nodes with int/float/ints attributes, float32 and int64
 * initializers, typed inputs and outputs) for onnxruntime.
 *
 * Why hand-written: the Gram engine (../kernels/gram-ort.ts) builds one tiny
 * graph per variant and activation at run time; pulling in the `onnx` proto
 * toolchain (protobufjs + generated code) for ~10 message types is not worth
 * a dependency. Field numbers follow onnx/onnx.proto (IR version 8, opset 17).
 */

/** An attribute value: a number is an INT unless wrapped as `{ f }` (FLOAT); an array is INTS. */
export type OnnxAttr = number | { f: number } | number[];

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
}

/** A graph input or output: float32, with fixed (number) or symbolic (string) dims. */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
}

/** A constant baked into the model: float32 data or int64 (shape operands). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
}

/** Protobuf wire writer over a list of byte chunks (initializers can be tens of MB: no per-byte arrays). */
class Writer {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  private varint(v: number | bigint): void {
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n;
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.tag(field, 2);
    this.varint(inner.length);
    for (const p of inner.parts) this.push(p);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function valueInfo(w: Writer, v: OnnxValue): void {
  w.string(1, v.name);
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, FLOAT);
      tt.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function attribute(w: Writer, name: string, a: OnnxAttr): void {
  w.string(1, name);
  if (Array.isArray(a)) {
    for (const x of a) w.int(8, x);
    w.int(20, ATTR_INTS);
  } else if (typeof a === 'number') {
    w.int(3, a);
    w.int(20, ATTR_INT);
  } else {
    w.float(2, a.f);
    w.int(20, ATTR_FLOAT);
  }
}

function initializer(w: Writer, t: OnnxInitializer): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, t.name);
  // raw_data is little-endian; so are the typed arrays on every platform Node runs on
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** Serialise a graph as an ONNX ModelProto (IR 8, default domain opset 17). */
export function encodeOnnxModel(g: OnnxGraph): Uint8Array {
  const w = new Writer();
  w.int(1, 8);
  w.string(2, 'catapult');
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, 17);
  });
  w.message(7, (gw) => {
    g.nodes.forEach((n, i) => {
      gw.message(1, (nw) => {
        for (const x of n.inputs) nw.string(1, x);
        for (const x of n.outputs) nw.string(2, x);
        nw.string(3, `${n.op}_${i}`);
        nw.string(4, n.op);
        for (const [k, a] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => attribute(aw, k, a));
      });
    });
    gw.string(2, 'catapult');
    for (const t of g.initializers ?? []) gw.message(5, (tw) => initializer(tw, t));
    for (const v of g.inputs) gw.message(11, (vw) => valueInfo(vw, v));
    for (const v of g.outputs) gw.message(12, (vw) => valueInfo(vw, v));
  });
  return w.finish();
}
