/**
 * dataset: turns a `DatasetSpec` (real or synthetic) into dense Float32
 * arrays stored as side files, so every init/train instance of an experiment
 * reads the same bytes.
 *
 * Key: the params are the spec (plus, when the graph builder uses
 * `datasetParams`, one digest over the expected checksums of the files it may read); the data root
 * is *not* a param — it arrives through `ctx.dataRoot`, so moving the data does
 * not rerun anything. `stages/dataset` (including checksums.json) is hashed
 * into the key as code, so a changed checksum reruns the stage too.
 *
 * Failure: a real dataset that cannot be loaded throws `DataStageError`,
 * whose `reason` is the data layer's tag (`missing-data` → "data not
 * available" in the report) and whose message says which file, where to put
 * it and where to get it.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { sha256, type JsonValue } from '../../src/core/json.js';
import type { ArtifactInput, StageContext, StageImpl } from '../../src/core/stage.js';
import type { DatasetSpec, RealDatasetSpec, SyntheticDatasetSpec } from '../../src/config/types.js';
import type { DataArrays } from '../../src/numerics/types.js';
import { defaultChecksums } from '../../src/data/files.js';
import { loadRealDataset } from '../../src/data/real.js';
import { generateSyntheticAsync } from '../../src/data/synthetic.js';
import type { ChecksumTable, DataFailure, DataFailureReason, SourceFile } from '../../src/data/types.js';

export const DATASET_FILES = ['x_train.f32', 'y_train.f32', 'x_test.f32', 'y_test.f32'] as const;

/**
 * The dataset artifact's result.json. Synthetic data is stored as Float32 side
 * files (`files`). Real data is not: its features are a cheap, deterministic
 * function of (spec, verified source files), so the artifact keeps the spec
 * and a digest of the arrays, and downstream stages regenerate them
 * (`loadDatasetArtifact`) and check the digest — which keeps the paper-scale
 * cache small (CIFAR features alone would be ~25 MB per dataset).
 */
export interface DatasetArtifact {
  inputShape: number[];
  nTrain: number;
  nTest: number;
  description: string;
  disclosures: string[];
  sourceFiles: SourceFile[];
  files: string[];
  /** Real data only: the spec to regenerate from, and SHA-256 of the four arrays (little-endian). */
  regenerate?: { spec: RealDatasetSpec; digest: string };
}

/** SHA-256 over the four arrays, to prove a regeneration is bit-identical. */
export function arraysDigest(d: DataArrays): string {
  return sha256(Buffer.concat([leBytes(d.xTrain), leBytes(d.yTrain), leBytes(d.xTest), leBytes(d.yTest)].map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
}

/** A failed dataset stage; `reason` lets the executor/report tell "data not available" from a bug. */
export class DataStageError extends Error {
  readonly reason: DataFailureReason;
  readonly file?: string;
  constructor(failure: DataFailure) {
    super(failure.message);
    this.name = 'DataStageError';
    this.reason = failure.reason;
    if (failure.file !== undefined) this.file = failure.file;
  }
}

import { datasetParamsWith, isReal } from './params.js';
export { datasetParamsWith };

/**
 * Params for a dataset instance: the spec plus the expected digests of the
 * files it may read (from checksums.json), so a changed checksum changes the
 * key even if the stage's code hash were not consulted. Never the data root.
 */
export async function datasetParams(spec: DatasetSpec): Promise<JsonValue> {
  return datasetParamsWith(await defaultChecksums(), spec);
}

function leBytes(a: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  a.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function fromLe(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (endianness() === 'LE') new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function describeSynthetic(spec: SyntheticDatasetSpec, d: DataArrays): string {
  return `synthetic '${spec.generator}' (seed ${spec.seed}): ${d.nTrain} train, ${d.nTest} test, input [${d.inputShape.join(', ')}]`;
}

export const datasetStage: StageImpl = {
  kind: 'dataset',
  async run(params, _inputs, ctx) {
    const spec = params as unknown as DatasetSpec;
    let data: DataArrays;
    let description: string;
    let disclosures: string[] = [];
    let sourceFiles: SourceFile[] = [];
    if (isReal(spec)) {
      const r = await loadRealDataset(spec, { root: ctx.dataRoot, offline: ctx.offline, log: ctx.log, progress: ctx.progress, signal: ctx.signal });
      if (!r.ok) throw new DataStageError(r.error);
      ({ data, description, disclosures, files: sourceFiles } = r.value);
    } else {
      const r = await generateSyntheticAsync(spec);
      if (!r.ok) throw new DataStageError(r.error);
      data = r.value;
      description = describeSynthetic(spec, data);
    }
    ctx.log(description);
    const base = { inputShape: data.inputShape, nTrain: data.nTrain, nTest: data.nTest, description, disclosures, sourceFiles };
    if (isReal(spec)) {
      const realSpec = stripParams(spec);
      const result: DatasetArtifact = { ...base, files: [], regenerate: { spec: realSpec, digest: arraysDigest(data) } };
      remember(arraysDigest(data), data);
      return { result: result as unknown as JsonValue };
    }
    const result: DatasetArtifact = { ...base, files: [...DATASET_FILES] };
    return {
      result: result as unknown as JsonValue,
      files: {
        'x_train.f32': leBytes(data.xTrain),
        'y_train.f32': leBytes(data.yTrain),
        'x_test.f32': leBytes(data.xTest),
        'y_test.f32': leBytes(data.yTest),
      },
    };
  },
};

/** The spec without the params-only digest field. */
function stripParams(spec: RealDatasetSpec): RealDatasetSpec {
  const { filesDigest: _drop, ...rest } = spec as RealDatasetSpec & { filesDigest?: string };
  return rest as RealDatasetSpec;
}

/** Regenerated arrays per digest, within one worker (a worker trains many runs of one dataset). */
const regenerated = new Map<string, DataArrays>();
function remember(digest: string, data: DataArrays): void {
  if (regenerated.size > 8) regenerated.delete(regenerated.keys().next().value!);
  regenerated.set(digest, data);
}

/**
 * The arrays of a dataset artifact: read from its side files (synthetic) or
 * regenerated from the data root (real) and checked bit-for-bit against the
 * digest recorded when the dataset stage ran.
 */
export async function loadDatasetArtifact(input: ArtifactInput, ctx: Pick<StageContext, 'dataRoot' | 'offline' | 'log' | 'progress' | 'signal'>): Promise<DataArrays> {
  const r = input.result as unknown as DatasetArtifact;
  if (!r.regenerate) return readDatasetArtifact(input);
  const known = regenerated.get(r.regenerate.digest);
  if (known) return known;
  const got = await loadRealDataset(r.regenerate.spec, { root: ctx.dataRoot, offline: ctx.offline, log: ctx.log, progress: ctx.progress, signal: ctx.signal });
  if (!got.ok) throw new DataStageError(got.error);
  const digest = arraysDigest(got.value.data);
  if (digest !== r.regenerate.digest) {
    throw new Error(`dataset ${input.id}: the features regenerated from the data root differ from those the dataset stage produced (digest ${digest.slice(0, 12)}… vs ${r.regenerate.digest.slice(0, 12)}…); rerun with --force ${input.id}`);
  }
  remember(digest, got.value.data);
  return got.value.data;
}

/** Reads a dataset artifact back into arrays (for init/train); checks sizes against the shapes. */
export function readDatasetArtifact(input: ArtifactInput): DataArrays {
  const r = input.result as unknown as DatasetArtifact;
  if (r.regenerate) throw new Error(`dataset ${input.id} keeps no arrays in the cache; use loadDatasetArtifact`);
  const size = r.inputShape.reduce((a, b) => a * b, 1);
  const read = (name: string, n: number) => {
    const a = fromLe(readFileSync(join(input.dir, name)));
    if (a.length !== n) throw new Error(`dataset artifact ${input.id}: ${name} holds ${a.length} floats, expected ${n}`);
    return a;
  };
  return {
    inputShape: [...r.inputShape],
    nTrain: r.nTrain,
    xTrain: read('x_train.f32', r.nTrain * size),
    yTrain: read('y_train.f32', r.nTrain),
    nTest: r.nTest,
    xTest: read('x_test.f32', r.nTest * size),
    yTest: read('y_test.f32', r.nTest),
  };
}
