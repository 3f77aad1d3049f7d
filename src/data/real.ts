/**
 * Real datasets: verified files → two-class subsets → features.
 *
 * What each source reads (paths relative to the data root):
 *  - mnist, fashion-mnist: `<dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`;
 *  - cifar10: train `cifar10/train_batch_jpeg.bin` (decoded from JPEG: lossy);
 *    test `cifar10/test_batch_png_airplane_automobile.bin` (lossless) when both
 *    classes are in {0 airplane, 1 automobile}, else `cifar10/test_batch_jpeg.bin`;
 *  - svhn: `svhn/{train,test}_32x32.mat` (format 2; label 10 is digit 0);
 *  - fsdd: `fsdd/recordings/{digit}_{speaker}_{index}.wav`, official split
 *    (index 0–4 test, 5–49 train); only the recordings drawn are read;
 *  - ag-news: `ag_news/test.csv` only — train and test subsets are drawn,
 *    disjoint, from it (the training CSV is not available), and disclosed.
 * Class ids are the dataset's own: digits 0–9, Fashion-MNIST/CIFAR-10 ids
 * 0–9, AG NEWS class index 1–4 (1 World, 2 Sports, 3 Business, 4 Sci/Tech).
 */
import { err, ok, type Result } from '../core/result.js';
import type { FeatureSpec, RealDatasetSpec } from '../config/types.js';
import * as msg from '../messages/data.js';
import type { DataArrays } from '../numerics/types.js';
import { audioFeatures, standardiseFrames, type AudioFeatures } from './features/audio.js';
import { tfidf } from './features/text.js';
import { defaultChecksums, loadVerified } from './files.js';
import { parseCifar } from './formats/cifar.js';
import { parseNewsCsv } from './formats/csv.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './formats/idx.js';
import { parseMat } from './formats/mat.js';
import { parseWav } from './formats/wav.js';
import { selectSubset } from './subset.js';
import type { DataFailure, LoadEnv, RealDataset, SourceFile } from './types.js';

/** Zhu et al.'s CIFAR-10 channel statistics (of pixels / 255), for `scale: channel-standardise`. */
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR_STD = [0.2023, 0.1994, 0.201];

const CLASS_NAMES: Record<RealDatasetSpec['source'], (c: number) => string> = {
  mnist: (c) => `digit ${c}`,
  'fashion-mnist': (c) => ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'][c] ?? `class ${c}`,
  cifar10: (c) => ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'][c] ?? `class ${c}`,
  svhn: (c) => `digit ${c}`,
  fsdd: (c) => `spoken ${c}`,
  'ag-news': (c) => ['', 'World', 'Sports', 'Business', 'Sci/Tech'][c] ?? `class ${c}`,
};
const TITLES: Record<RealDatasetSpec['source'], string> = {
  mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST', cifar10: 'CIFAR-10', svhn: 'SVHN', fsdd: 'FSDD', 'ag-news': 'AG NEWS',
};
const VALID_CLASSES = (s: RealDatasetSpec['source']): number[] => (s === 'ag-news' ? [1, 2, 3, 4] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const FEATURE_KINDS = (s: RealDatasetSpec['source']): string[] => (s === 'fsdd' ? ['mfcc', 'log-mel'] : s === 'ag-news' ? ['tfidf'] : ['pixels']);
const COPY_NOTES: Partial<Record<RealDatasetSpec['source'], string>> = {
  'fashion-mnist': 'The shared copy keeps only 0 T-shirt/top and 1 Trouser; put the canonical 10-class files in the data root for other classes.',
  cifar10: 'The shared copy keeps only 0 airplane, 1 automobile and 2 bird.',
};

type Fail = { ok: false; error: DataFailure };
const bad = (message: string): Fail => err({ reason: 'bad-spec', message });

function validate(spec: RealDatasetSpec): Fail | undefined {
  const valid = VALID_CLASSES(spec.source);
  const [a, b] = spec.classes ?? [];
  if (!Array.isArray(spec.classes) || spec.classes.length !== 2 || a === b || !valid.includes(a!) || !valid.includes(b!))
    return bad(msg.badClasses(spec.source, spec.classes ?? [], valid));
  if (!Number.isInteger(spec.train) || spec.train < 1) return bad(msg.badSize('train', spec.train));
  if (spec.test !== 'all' && (!Number.isInteger(spec.test) || spec.test < 1)) return bad(msg.badSize('test', spec.test));
  if (!Number.isSafeInteger(spec.seed)) return bad(msg.badSize('seed', spec.seed));
  if (!FEATURE_KINDS(spec.source).includes(spec.features?.kind)) return bad(msg.badFeatures(spec.source, spec.features?.kind ?? 'none', FEATURE_KINDS(spec.source)));
  return undefined;
}

/** Loads, verifies, subsets and featurises one real dataset. */
export async function loadRealDataset(spec: RealDatasetSpec, env: LoadEnv): Promise<Result<RealDataset, DataFailure>> {
  const invalid = validate(spec);
  if (invalid) return invalid;
  if (env.signal?.aborted) return err({ reason: 'aborted', message: msg.aborted() });
  switch (spec.source) {
    case 'fsdd':
      return loadFsdd(spec, env);
    case 'ag-news':
      return loadAgNews(spec, env);
    default:
      return loadImages(spec, env);
  }
}

// ---------------------------------------------------------------- images

interface ImagePool {
  labels: Uint8Array;
  /** HWC uint8 pixels, `size` per image. */
  pixels: Uint8Array;
}

interface ImageSource {
  shape: [number, number, number];
  train: ImagePool;
  test: ImagePool;
  files: SourceFile[];
  disclosures: string[];
}

async function loadIdxPair(dir: string, prefix: string, env: LoadEnv): Promise<Result<{ pool: ImagePool; files: SourceFile[] }, DataFailure>> {
  const imgPath = `${dir}/${prefix}-images-idx3-ubyte.gz`;
  const lblPath = `${dir}/${prefix}-labels-idx1-ubyte.gz`;
  const img = await loadVerified(imgPath, env, 'idx3', (b, f) => parseIdx(b, f, IDX_IMAGES_MAGIC));
  if (!img.ok) return img;
  const lbl = await loadVerified(lblPath, env, 'idx1', (b, f) => parseIdx(b, f, IDX_LABELS_MAGIC));
  if (!lbl.ok) return lbl;
  const [ni, rows, cols] = img.value.value.dims as [number, number, number];
  const nl = lbl.value.value.dims[0]!;
  if (ni !== nl) return err({ reason: 'malformed', message: msg.idxCountMismatch(imgPath, lblPath, ni, nl), file: imgPath });
  if (rows !== 28 || cols !== 28) return err({ reason: 'malformed', message: msg.matUnsupported(imgPath, `images are ${rows}×${cols}, expected 28×28`), file: imgPath });
  return ok({ pool: { labels: lbl.value.value.data, pixels: img.value.value.data }, files: [img.value.file, lbl.value.file] });
}

async function imageSource(spec: RealDatasetSpec, env: LoadEnv): Promise<Result<ImageSource, DataFailure>> {
  if (spec.source === 'mnist' || spec.source === 'fashion-mnist') {
    const tr = await loadIdxPair(spec.source, 'train', env);
    if (!tr.ok) return tr;
    const te = await loadIdxPair(spec.source, 't10k', env);
    if (!te.ok) return te;
    return ok({ shape: [28, 28, 1], train: tr.value.pool, test: te.value.pool, files: [...tr.value.files, ...te.value.files], disclosures: [] });
  }
  if (spec.source === 'cifar10') {
    const lossless = spec.classes.every((c) => c === 0 || c === 1);
    const trainPath = 'cifar10/train_batch_jpeg.bin';
    const testPath = lossless ? 'cifar10/test_batch_png_airplane_automobile.bin' : 'cifar10/test_batch_jpeg.bin';
    const tr = await loadVerified(trainPath, env, 'cifar', parseCifar);
    if (!tr.ok) return tr;
    const te = await loadVerified(testPath, env, 'cifar', parseCifar);
    if (!te.ok) return te;
    const disclosures = [
      'CIFAR-10 training images were decoded from re-encoded JPEGs (lossy: mean absolute error about 5–6 grey levels of 255 against the originals); the canonical lossless training batches are not available here.',
      lossless
        ? 'CIFAR-10 test images come from a lossless PNG export of the original test batch (airplane and automobile only).'
        : 'CIFAR-10 test images were decoded from re-encoded JPEGs (lossy), because no lossless copy of these classes is available here.',
    ];
    return ok({ shape: [32, 32, 3], train: { labels: tr.value.value.labels, pixels: tr.value.value.pixels }, test: { labels: te.value.value.labels, pixels: te.value.value.pixels }, files: [tr.value.file, te.value.file], disclosures });
  }
  // svhn
  const pools: ImagePool[] = [];
  const files: SourceFile[] = [];
  for (const split of ['train', 'test']) {
    const path = `svhn/${split}_32x32.mat`;
    const r = await loadVerified(path, env, 'svhn', (bytes, f) => {
      const m = parseMat(bytes, f);
      if (!m.ok) return m;
      return svhnPool(m.value, f);
    });
    if (!r.ok) return r;
    pools.push(r.value.value);
    files.push(r.value.file);
  }
  return ok({ shape: [32, 32, 3], train: pools[0]!, test: pools[1]!, files, disclosures: [] });
}

/** SVHN format 2: X uint8 [32, 32, 3, N] column-major → HWC per image; y with 10 → 0. */
export function svhnPool(vars: Map<string, import('./formats/mat.js').MatVariable>, file: string): Result<ImagePool, DataFailure> {
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X) return err({ reason: 'malformed', message: msg.matMissingVar(file, 'X', [...vars.keys()]), file });
  if (!y) return err({ reason: 'malformed', message: msg.matMissingVar(file, 'y', [...vars.keys()]), file });
  const [h, w, ch, n] = X.dims;
  if (X.dims.length !== 4 || h !== 32 || w !== 32 || ch !== 3) return err({ reason: 'malformed', message: msg.svhnShape(file, X.dims), file });
  if (y.data.length !== n) return err({ reason: 'malformed', message: msg.matUnsupported(file, `y has ${y.data.length} labels for ${n} images`), file });
  const pixels = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      for (let col = 0; col < 32; col++)
        for (let row = 0; row < 32; row++) pixels[i * 3072 + (row * 32 + col) * 3 + c] = X.data[row + 32 * col + 1024 * c + 3072 * i]!;
  const labels = Uint8Array.from(y.data as ArrayLike<number>, (v) => (v === 10 ? 0 : v));
  return ok({ labels, pixels });
}

function scalePixels(pool: ImagePool, indices: number[], size: number, channels: number, features: FeatureSpec): Float32Array {
  const out = new Float32Array(indices.length * size);
  const cs = features.kind === 'pixels' && features.scale === 'channel-standardise';
  const mean = cs ? features.mean : [];
  const std = cs ? features.std : [];
  indices.forEach((src, i) => {
    for (let p = 0; p < size; p++) {
      const v = pool.pixels[src * size + p]! / 255;
      out[i * size + p] = cs ? (v - mean[p % channels]!) / std[p % channels]! : v;
    }
  });
  return out;
}

async function loadImages(spec: RealDatasetSpec, env: LoadEnv): Promise<Result<RealDataset, DataFailure>> {
  const f = spec.features;
  const src = await imageSource(spec, env);
  if (!src.ok) return src;
  const { shape, train, test, files, disclosures } = src.value;
  const channels = shape[2];
  if (f.kind === 'pixels' && f.scale === 'channel-standardise' && (f.mean?.length !== channels || f.std?.length !== channels || f.std.some((s) => !(s > 0))))
    return bad(msg.badChannelStats(channels));
  const missingClass = spec.classes.find((c) => !train.labels.includes(c) || !test.labels.includes(c));
  if (missingClass !== undefined) {
    const have = [...new Set(train.labels)].sort((a, b) => a - b);
    return err({ reason: 'not-enough-data', message: msg.classesNotInCopy(spec.source, spec.classes, have, COPY_NOTES[spec.source] ?? '') });
  }
  const trS = selectSubset(spec.source, 'train', train.labels, spec.classes, spec.train, spec.seed);
  if (!trS.ok) return trS;
  const teS = selectSubset(spec.source, 'test', test.labels, spec.classes, spec.test, spec.seed);
  if (!teS.ok) return teS;
  const size = shape[0] * shape[1] * shape[2];
  const data: DataArrays = {
    inputShape: [...shape],
    nTrain: trS.value.indices.length,
    xTrain: scalePixels(train, trS.value.indices, size, channels, f),
    yTrain: trS.value.labels,
    nTest: teS.value.indices.length,
    xTest: scalePixels(test, teS.value.indices, size, channels, f),
    yTest: teS.value.labels,
  };
  const scale =
    f.kind === 'pixels' && f.scale === 'channel-standardise'
      ? `pixels/255 standardised per channel (mean ${f.mean.join(', ')}; std ${f.std.join(', ')})`
      : 'pixels/255 in [0, 1]';
  return ok({ data, description: describe(spec, data, `${scale}, HWC [${shape.join(', ')}]`), disclosures, files });
}

function describe(spec: RealDatasetSpec, data: DataArrays, features: string, testNote = ''): string {
  const name = CLASS_NAMES[spec.source];
  const [a, b] = spec.classes;
  return (
    `${TITLES[spec.source]} ${name(a)} (−1) vs ${name(b)} (+1): ${data.nTrain} train (balanced, seed ${spec.seed}), ` +
    `${data.nTest} test (${spec.test === 'all' ? `all${testNote}` : 'balanced'}); ${features}`
  );
}

// ---------------------------------------------------------------- FSDD

async function loadFsdd(spec: RealDatasetSpec, env: LoadEnv): Promise<Result<RealDataset, DataFailure>> {
  const f = spec.features;
  if (f.kind !== 'mfcc' && f.kind !== 'log-mel') return bad(msg.badFeatures('fsdd', f.kind, ['mfcc', 'log-mel']));
  if (!(Number.isInteger(f.frames) && f.frames > 0)) return bad(msg.badSize('features.frames', f.frames));
  const width = f.kind === 'mfcc' ? f.coefficients : f.bands;
  if (!(Number.isInteger(width) && width > 0 && (f.kind === 'log-mel' || width <= 40)))
    return bad(msg.badSize(f.kind === 'mfcc' ? 'features.coefficients (≤ 40)' : 'features.bands', width));
  const table = env.checksums ?? (await defaultChecksums());
  const train: { path: string; digit: number }[] = [];
  const test: { path: string; digit: number }[] = [];
  for (const path of Object.keys(table.files).sort()) {
    const m = /^fsdd\/recordings\/(\d)_([a-z]+)_(\d+)\.wav$/.exec(path);
    if (!m) continue;
    (Number(m[3]) <= 4 ? test : train).push({ path, digit: Number(m[1]) });
  }
  const trS = selectSubset('fsdd', 'train', train.map((r) => r.digit), spec.classes, spec.train, spec.seed);
  if (!trS.ok) return trS;
  const teS = selectSubset('fsdd', 'test', test.map((r) => r.digit), spec.classes, spec.test, spec.seed);
  if (!teS.ok) return teS;
  const wanted = [...trS.value.indices.map((i) => train[i]!.path), ...teS.value.indices.map((i) => test[i]!.path)];
  const feats: AudioFeatures[] = [];
  const files: SourceFile[] = [];
  for (let k = 0; k < wanted.length; k++) {
    if (env.signal?.aborted) return err({ reason: 'aborted', message: msg.aborted() });
    const r = await loadVerified(wanted[k]!, env, 'wav', parseWav);
    if (!r.ok) return r;
    files.push(r.value.file);
    feats.push(audioFeatures(r.value.value.samples, r.value.value.sampleRate, f));
    if (k % 50 === 0) env.progress(k / wanted.length, `fsdd: ${k}/${wanted.length} recordings`);
  }
  const nTr = trS.value.indices.length;
  standardiseFrames(feats.slice(0, nTr), feats);
  const size = f.frames * width;
  const pack = (xs: AudioFeatures[]) => {
    const out = new Float32Array(xs.length * size);
    xs.forEach((a, i) => out.set(a.values, i * size));
    return out;
  };
  const data: DataArrays = {
    inputShape: [f.frames, width, 1],
    nTrain: nTr,
    xTrain: pack(feats.slice(0, nTr)),
    yTrain: trS.value.labels,
    nTest: teS.value.indices.length,
    xTest: pack(feats.slice(nTr)),
    yTest: teS.value.labels,
  };
  const kind = f.kind === 'mfcc' ? `${width} MFCCs (meyda, 26 mel bands)` : `${width} log-mel bands (meyda)`;
  const truncated = feats.filter((a) => a.validFrames === f.frames).length;
  const description = describe(
    spec,
    data,
    `${kind} × ${f.frames} frames of 32 ms (hop 16 ms, Hann), standardised per coefficient with training statistics; shorter recordings zero-padded, longer truncated (${truncated} of ${feats.length} filled all frames)`,
    ' of the official test split',
  );
  return ok({ data, description, disclosures: [], files });
}

// ---------------------------------------------------------------- AG NEWS

async function loadAgNews(spec: RealDatasetSpec, env: LoadEnv): Promise<Result<RealDataset, DataFailure>> {
  const f = spec.features;
  if (f.kind !== 'tfidf') return bad(msg.badFeatures('ag-news', f.kind, ['tfidf']));
  if (!(Number.isInteger(f.buckets) && f.buckets > 0)) return bad(msg.badSize('features.buckets', f.buckets));
  const r = await loadVerified('ag_news/test.csv', env, 'csv', parseNewsCsv);
  if (!r.ok) return r;
  const rows = r.value.value;
  const trS = selectSubset('ag-news', 'train', rows.labels, spec.classes, spec.train, spec.seed);
  if (!trS.ok) return trS;
  const teS = selectSubset('ag-news', 'test', rows.labels, spec.classes, spec.test, spec.seed, new Set(trS.value.indices));
  if (!teS.ok) return teS;
  const { xTrain, xTest } = tfidf(trS.value.indices.map((i) => rows.texts[i]!), teS.value.indices.map((i) => rows.texts[i]!), f.buckets, f.norm ?? 'l2');
  const data: DataArrays = {
    inputShape: [f.buckets],
    nTrain: trS.value.indices.length,
    xTrain,
    yTrain: trS.value.labels,
    nTest: teS.value.indices.length,
    xTest,
    yTest: teS.value.labels,
  };
  const name = CLASS_NAMES['ag-news'];
  const disclosure =
    `AG NEWS: the original train.csv is not available here, so both the ${data.nTrain} training and the ${data.nTest} test examples ` +
    `(${name(spec.classes[0])} vs ${name(spec.classes[1])}) were drawn, disjoint and deterministically (seed ${spec.seed}), from the original test.csv (1,900 articles per class).`;
  const description = describe(
    spec,
    data,
    `hashed TF-IDF over title + description, ${f.buckets} buckets (FNV-1a, smooth idf from the training subset, rows L2-normalised)`,
    ' remaining after the training draw',
  );
  return ok({ data, description, disclosures: [disclosure], files: [r.value.file] });
}
