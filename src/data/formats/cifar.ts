/**
 * CIFAR-10 "binary version" records: 1 label byte + 3×1024 channel-planar
 * pixels (R, G, B planes, each 32×32 row-major), no header. Hand-written for
 * the same reason as IDX: the format is a fixed record layout.
 */
import { err, ok, type Result } from '../../core/result.js';
import * as msg from '../../messages/data.js';
import type { DataFailure } from '../types.js';

export const CIFAR_RECORD = 3073;

export interface CifarRecords {
  n: number;
  labels: Uint8Array;
  /** Pixels in HWC order (32×32×3 per image), uint8; converted from the file's CHW planes. */
  pixels: Uint8Array;
}

export function parseCifar(bytes: Uint8Array, file: string): Result<CifarRecords, DataFailure> {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD !== 0)
    return err({ reason: 'malformed', message: msg.cifarRecordSize(file, bytes.length), file });
  const n = bytes.length / CIFAR_RECORD;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * 3072);
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR_RECORD;
    const label = bytes[base]!;
    if (label > 9) return err({ reason: 'malformed', message: msg.cifarBadLabel(file, r, label), file });
    labels[r] = label;
    const out = r * 3072;
    for (let p = 0; p < 1024; p++) {
      pixels[out + 3 * p] = bytes[base + 1 + p]!;
      pixels[out + 3 * p + 1] = bytes[base + 1025 + p]!;
      pixels[out + 3 * p + 2] = bytes[base + 2049 + p]!;
    }
  }
  return ok({ n, labels, pixels });
}
