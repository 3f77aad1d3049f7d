/**
 * IDX files (MNIST, Fashion-MNIST), optionally gzipped. Hand-written: the
 * format is a 4-byte magic, big-endian uint32 dimensions, then raw bytes —
 * a library would add nothing but a dependency.
 */
import { gunzipSync } from 'node:zlib';
import { err, ok, type Result } from '../../core/result.js';
import * as msg from '../../messages/data.js';
import type { DataFailure } from '../types.js';

export interface IdxArray {
  /** Dimensions from the header, e.g. [N, 28, 28] or [N]. */
  dims: number[];
  /** uint8 payload, row-major. */
  data: Uint8Array;
}

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const malformed = (message: string, file: string) => err<DataFailure>({ reason: 'malformed', message, file });

/** Parses an unsigned-byte IDX file; `expectedMagic` fixes type (0x08) and rank. Gzip is detected by its magic. */
export function parseIdx(input: Uint8Array, file: string, expectedMagic: number): Result<IdxArray, DataFailure> {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      return malformed(msg.gzipFailed(file, e instanceof Error ? e.message : String(e)), file);
    }
  }
  const rank = expectedMagic & 0xff;
  const headerLen = 4 + 4 * rank;
  if (bytes.length < headerLen) return malformed(msg.idxTooShort(file, bytes.length), file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) return malformed(msg.idxBadMagic(file, magic, expectedMagic), file);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLen;
  if (available < count) return malformed(msg.idxTruncated(file, count, available), file);
  return ok({ dims, data: bytes.subarray(headerLen, headerLen + count) });
}
