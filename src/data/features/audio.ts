/**
 * Fixed-length audio features for FSDD, computed with `meyda` (the most used
 * audio-feature library on npm; it runs in Node on plain Float32Arrays).
 *
 * Framing: 256-sample frames (32 ms at 8 kHz), hop 128, Hann window.
 *  - log-mel: meyda `melBands` = ln(1 + Σ_k mel_b(k)·|X(k)|²/N) per band (its own
 *    triangular mel filter bank, `bands` filters between 0 Hz and Nyquist);
 *  - mfcc: meyda `mfcc` = the first `coefficients` DCT-II terms of those
 *    log-mel energies over 26 bands (or `coefficients` bands if more).
 * The first `frames` frames are kept (recordings are trimmed to the word);
 * shorter recordings get zero rows after their last frame, marked invalid so
 * that standardisation ignores them (see `standardiseFrames`).
 */
import Meyda from 'meyda';

export const FRAME = 256;
export const HOP = 128;
export const MFCC_BANDS = 26;

export type AudioFeatureSpec = { kind: 'mfcc'; frames: number; coefficients: number } | { kind: 'log-mel'; frames: number; bands: number };

export interface AudioFeatures {
  /** frames × width, row-major; rows ≥ validFrames are zero. */
  values: Float32Array;
  width: number;
  validFrames: number;
}

interface MeydaConfig {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  numberOfMFCCCoefficients: number;
  windowingFunction: string;
  melFilterBank?: unknown;
  barkScale?: unknown;
  extract(feature: string, signal: Float32Array): unknown;
}
// meyda ships a CommonJS build whose default export is the Meyda object itself.
const meyda = ((Meyda as unknown as { default?: MeydaConfig }).default ?? (Meyda as unknown as MeydaConfig));
let configured = '';

function configure(sampleRate: number, bands: number, coefficients: number): void {
  const key = `${sampleRate}|${bands}|${coefficients}`;
  if (key === configured) return;
  meyda.bufferSize = FRAME;
  meyda.sampleRate = sampleRate;
  meyda.melBands = bands;
  meyda.numberOfMFCCCoefficients = coefficients;
  meyda.windowingFunction = 'hanning';
  meyda.melFilterBank = undefined; // meyda only rebuilds it when the band count changes
  meyda.barkScale = undefined;
  configured = key;
}

export function audioWidth(spec: AudioFeatureSpec): number {
  return spec.kind === 'mfcc' ? spec.coefficients : spec.bands;
}

export function audioFeatures(samples: Float32Array, sampleRate: number, spec: AudioFeatureSpec): AudioFeatures {
  const width = audioWidth(spec);
  const bands = spec.kind === 'mfcc' ? Math.max(MFCC_BANDS, spec.coefficients) : spec.bands;
  configure(sampleRate, bands, spec.kind === 'mfcc' ? spec.coefficients : Math.min(13, bands));
  const values = new Float32Array(spec.frames * width);
  const available = samples.length <= FRAME ? 1 : 1 + Math.ceil((samples.length - FRAME) / HOP);
  const validFrames = Math.min(spec.frames, available);
  const frame = new Float32Array(FRAME);
  for (let f = 0; f < validFrames; f++) {
    frame.fill(0);
    frame.set(samples.subarray(f * HOP, Math.min(samples.length, f * HOP + FRAME)));
    const out = meyda.extract(spec.kind === 'mfcc' ? 'mfcc' : 'melBands', frame) as ArrayLike<number>;
    for (let j = 0; j < width; j++) values[f * width + j] = out[j]!;
  }
  return { values, width, validFrames };
}

/**
 * Per-coefficient standardisation with statistics from the training examples'
 * valid frames only (so test data never leaks into the scaling); padded rows
 * stay 0, i.e. at the training mean. Without it MFCC magnitudes (tens) would
 * dominate the network's output scale at initialisation.
 */
export function standardiseFrames(train: AudioFeatures[], all: AudioFeatures[]): { mean: Float64Array; std: Float64Array } {
  const width = train[0]?.width ?? all[0]?.width ?? 0;
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  let n = 0;
  for (const a of train)
    for (let f = 0; f < a.validFrames; f++, n++)
      for (let j = 0; j < width; j++) {
        const v = a.values[f * width + j]!;
        mean[j]! += v;
        sq[j]! += v * v;
      }
  const std = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    mean[j] = n ? mean[j]! / n : 0;
    const varj = n ? sq[j]! / n - mean[j]! * mean[j]! : 0;
    std[j] = varj > 1e-12 ? Math.sqrt(varj) : 1;
  }
  for (const a of all)
    for (let f = 0; f < a.validFrames; f++)
      for (let j = 0; j < width; j++) a.values[f * width + j] = (a.values[f * width + j]! - mean[j]!) / std[j]!;
  return { mean, std };
}
