/**
 * RIFF/WAVE reader for PCM recordings (FSDD: mono, 8 kHz, 16-bit).
 *
 * Hand-written: the well-kept npm reader `wavefile` was tried first, but it
 * silently accepts a file whose `data` chunk is truncated (it returned 56 of
 * a declared 4,768 bytes without complaint) and reports a bad RIFF magic as a
 * missing data chunk; a loader that must reject corrupt data needs those
 * checks anyway, and with them the decoder is a short chunk walk.
 */
import { err, ok, type Result } from '../../core/result.js';
import * as msg from '../../messages/data.js';
import type { DataFailure } from '../types.js';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** First channel, scaled to [−1, 1): int16 / 32768, or (uint8 − 128) / 128. */
  samples: Float32Array;
}

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export function parseWav(bytes: Uint8Array, file: string): Result<WavAudio, DataFailure> {
  const bad = (message: string) => err<DataFailure>({ reason: 'malformed', message, file });
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') return bad(msg.wavNotRiff(file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const start = at + 8;
    const available = bytes.length - start;
    if (id === 'fmt ') {
      if (size < 16 || available < 16) return bad(msg.wavTruncated(file, id, Math.max(size, 16), available));
      fmt = { format: view.getUint16(start, true), channels: view.getUint16(start + 2, true), rate: view.getUint32(start + 4, true), bits: view.getUint16(start + 14, true) };
    } else if (id === 'data') {
      if (!fmt) return bad(msg.wavMissingChunk(file, 'fmt '));
      if (size > available) return bad(msg.wavTruncated(file, id, size, available));
      if (fmt.format !== 1 || (fmt.bits !== 16 && fmt.bits !== 8) || fmt.channels < 1)
        return bad(msg.wavUnsupported(file, `format ${fmt.format}, ${fmt.channels} channel(s), ${fmt.bits} bits`));
      const bytesPer = fmt.bits / 8;
      const frame = bytesPer * fmt.channels;
      const n = Math.floor(size / frame);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const p = start + i * frame;
        samples[i] = fmt.bits === 16 ? view.getInt16(p, true) / 32768 : (bytes[p]! - 128) / 128;
      }
      return ok({ sampleRate: fmt.rate, channels: fmt.channels, bitsPerSample: fmt.bits, samples });
    }
    at = start + size + (size & 1);
  }
  return bad(msg.wavMissingChunk(file, fmt ? 'data' : 'fmt '));
}
