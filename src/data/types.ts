/**
 * Types of the data layer. Loading real data can fail for reasons the user can
 * act on (a file is missing, corrupt, or malformed; a spec asks for more data
 * than exists), so every loader returns a `Result` whose failure carries a
 * `reason` tag: the dataset stage turns `missing-data` into a "data not
 * available" panel in the report while the rest of the pipeline still runs.
 */
import type { DataArrays } from '../numerics/types.js';

export type DataFailureReason =
  /** The file is absent and could not be obtained (offline, no URL, network or HTTP error). */
  | 'missing-data'
  /** A local file's digest differs from checksums.json: never used silently. */
  | 'checksum-mismatch'
  /** A download completed but its bytes do not match; the partial file was deleted. */
  | 'download-corrupt'
  /** A file could not be parsed (bad magic, truncated, wrong record size, bad CSV …). */
  | 'malformed'
  /** The dataset spec itself is invalid (unknown class, odd parameters). */
  | 'bad-spec'
  /** The spec asks for more examples than the source holds. */
  | 'not-enough-data'
  /** `generator: teacher` needs the quadratic-model library, which is not present. */
  | 'teacher-unavailable'
  /** The run was cancelled through the AbortSignal. */
  | 'aborted';

export interface DataFailure {
  reason: DataFailureReason;
  /** One or more sentences for the user (from src/messages/data.ts). */
  message: string;
  /** Repo-relative path of the file concerned, when there is one. */
  file?: string;
}

/** What a real-data load needs besides the spec: where the data lives and how to report. */
export interface LoadEnv {
  /** Absolute data root. */
  root: string;
  /** When true, never touch the network: a missing file is a `missing-data` failure. */
  offline: boolean;
  log(message: string): void;
  progress(fraction: number, note?: string): void;
  signal?: AbortSignal;
  /** Checksum table; defaults to stages/dataset/checksums.json. Tests inject their own. */
  checksums?: ChecksumTable;
}

/** A file's acceptable digests. The primary is `sha256`(+`size`); `alt` lists canonical mirrors whose bytes differ. */
export interface ChecksumEntry {
  size?: number;
  sha256?: string;
  alt?: Array<{ md5?: string; sha256?: string; size?: number; note: string }>;
}

export interface ChecksumSource {
  /** URL prefix; a file's URL is baseUrl + its base name. Absent: no public URL is known. */
  baseUrl?: string;
  /** Where to get the files, in words (shown when a file is missing). */
  origin: string;
}

/** The contents of stages/dataset/checksums.json. */
export interface ChecksumTable {
  /** Keyed by the folder part of a relative path (e.g. `fsdd/recordings`). */
  sources: Record<string, ChecksumSource>;
  /** Keyed by path relative to the data root, `/`-separated. */
  files: Record<string, ChecksumEntry>;
}

export interface SourceFile {
  path: string;
  /** The file's actual SHA-256 (computed while verifying). */
  sha256: string;
}

/** A loaded real dataset and what the report must say about it. */
export interface RealDataset {
  data: DataArrays;
  /** One line: source, classes, sizes, features. */
  description: string;
  /** Honest notes the report shows (lossy sources, splits drawn from the test file, …). */
  disclosures: string[];
  files: SourceFile[];
}
