/**
 * MATLAB Level 5 MAT-file reader (numeric arrays only), for SVHN format 2
 * (`train_32x32.mat`: X uint8 [32, 32, 3, N], y [N, 1] with digit 0 as 10).
 *
 * Hand-written rather than the npm package `mat-for-js` (the only Level 5
 * reader on npm): that package is GPL-3.0, has a single release and ~1k
 * downloads a month, and converts every element into nested JS arrays with
 * `push` — for SVHN's 225 million pixels that is tens of GB of heap. This
 * reader returns typed-array views (zlib via node:zlib for miCOMPRESSED) and
 * implements exactly what numeric variables need: tag / small-element
 * formats, miCOMPRESSED, miMATRIX with flags, dimensions, name and real part.
 */
import { inflateSync } from 'node:zlib';
import { err, ok, type Result } from '../../core/result.js';
import * as msg from '../../messages/data.js';
import type { DataFailure } from '../types.js';

export type NumericArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface MatVariable {
  name: string;
  /** MATLAB dimensions, e.g. [32, 32, 3, N]; data is column-major (first index fastest). */
  dims: number[];
  /** mxClass id (6 double, 7 single, 8 int8, 9 uint8, …). */
  mxClass: number;
  /** The real part, in the stored element type (MATLAB may store a double array as uint8). */
  data: NumericArray;
}

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15 } as const;
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13]);

class MatError extends Error {
  constructor(readonly failure: DataFailure) {
    super(failure.message);
  }
}

function typedFrom(type: number, bytes: Uint8Array, little: boolean, file: string): NumericArray {
  const copy = (n: number): ArrayBuffer => {
    const b = new ArrayBuffer(bytes.length - (bytes.length % n));
    new Uint8Array(b).set(bytes.subarray(0, b.byteLength));
    if (!little && n > 1) {
      const u = new Uint8Array(b);
      for (let i = 0; i < u.length; i += n) u.subarray(i, i + n).reverse();
    }
    return b;
  };
  switch (type) {
    case MI.INT8: return new Int8Array(copy(1));
    case MI.UINT8: return new Uint8Array(copy(1));
    case MI.INT16: return new Int16Array(copy(2));
    case MI.UINT16: return new Uint16Array(copy(2));
    case MI.INT32: return new Int32Array(copy(4));
    case MI.UINT32: return new Uint32Array(copy(4));
    case MI.SINGLE: return new Float32Array(copy(4));
    case MI.DOUBLE: return new Float64Array(copy(8));
    default:
      throw new MatError({ reason: 'malformed', message: msg.matUnsupported(file, `data type ${type}`), file });
  }
}

interface Tag { type: number; size: number; dataStart: number; next: number }

function readTag(view: DataView, at: number, little: boolean, end: number, file: string, padded: boolean): Tag {
  if (at + 8 > end) throw new MatError({ reason: 'malformed', message: msg.matTruncated(file, at), file });
  const first = view.getUint32(at, little);
  if (first >>> 16 !== 0) {
    // small data element: size in the upper 16 bits, data in the next 4 bytes
    return { type: first & 0xffff, size: first >>> 16, dataStart: at + 4, next: at + 8 };
  }
  const size = view.getUint32(at + 4, little);
  const dataStart = at + 8;
  if (dataStart + size > end) throw new MatError({ reason: 'malformed', message: msg.matTruncated(file, at), file });
  const next = dataStart + (padded ? Math.ceil(size / 8) * 8 : size);
  return { type: first, size, dataStart, next };
}

function readMatrix(bytes: Uint8Array, start: number, end: number, little: boolean, file: string): MatVariable | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sub = (at: number) => readTag(view, at, little, end, file, true);
  const flags = sub(start);
  if (flags.type !== MI.UINT32 || flags.size < 8) throw new MatError({ reason: 'malformed', message: msg.matUnsupported(file, 'array flags missing'), file });
  const mxClass = view.getUint32(flags.dataStart, little) & 0xff;
  const complex = (view.getUint32(flags.dataStart, little) >>> 11) & 1;
  const dimsTag = sub(flags.next);
  const dims = Array.from(typedFrom(dimsTag.type, bytes.subarray(dimsTag.dataStart, dimsTag.dataStart + dimsTag.size), little, file));
  const nameTag = sub(dimsTag.next);
  const name = new TextDecoder().decode(bytes.subarray(nameTag.dataStart, nameTag.dataStart + nameTag.size));
  if (!NUMERIC_CLASSES.has(mxClass)) return undefined; // cells, structs, chars, sparse: skipped
  if (complex) throw new MatError({ reason: 'malformed', message: msg.matUnsupported(file, `complex variable '${name}'`), file });
  const real = sub(nameTag.next);
  const data = typedFrom(real.type, bytes.subarray(real.dataStart, real.dataStart + real.size), little, file);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count)
    throw new MatError({ reason: 'malformed', message: msg.matUnsupported(file, `variable '${name}' has ${data.length} elements for dimensions [${dims.join(', ')}]`), file });
  return { name, dims, mxClass, data };
}

/** Parses every numeric variable of a Level 5 MAT-file. */
export function parseMat(bytes: Uint8Array, file: string): Result<Map<string, MatVariable>, DataFailure> {
  if (bytes.length < 128) return err({ reason: 'malformed', message: msg.matNotV5(file, `${bytes.length} bytes is shorter than the 128-byte header`), file });
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 10));
  if (text !== 'MATLAB 5.0') return err({ reason: 'malformed', message: msg.matNotV5(file, `header text starts with ${JSON.stringify(text)}`), file });
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian !== 'IM' && endian !== 'MI') return err({ reason: 'malformed', message: msg.matNotV5(file, `endian indicator ${JSON.stringify(endian)}`), file });
  const little = endian === 'IM';
  const vars = new Map<string, MatVariable>();
  try {
    const walk = (buf: Uint8Array, from: number) => {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      let at = from;
      while (at < buf.length) {
        if (buf.length - at < 8 && buf.subarray(at).every((b) => b === 0)) break; // trailing padding
        const tag = readTag(view, at, little, buf.length, file, false);
        if (tag.type === MI.COMPRESSED) {
          let inner: Uint8Array;
          try {
            inner = inflateSync(buf.subarray(tag.dataStart, tag.dataStart + tag.size));
          } catch (e) {
            throw new MatError({ reason: 'malformed', message: msg.matUnsupported(file, `cannot inflate element at byte ${at}: ${e instanceof Error ? e.message : e}`), file });
          }
          walk(inner, 0);
          at = tag.next;
        } else {
          if (tag.type === MI.MATRIX) {
            const v = readMatrix(buf, tag.dataStart, tag.dataStart + tag.size, little, file);
            if (v) vars.set(v.name, v);
          }
          at = tag.dataStart + Math.ceil(tag.size / 8) * 8;
        }
      }
    };
    walk(bytes, 128);
  } catch (e) {
    if (e instanceof MatError) return err(e.failure);
    throw e;
  }
  return ok(vars);
}
