/** User-facing messages of the data layer (tested verbatim). */

const list = (xs: readonly (string | number)[]): string => xs.join(', ');

export const checksumMismatch = (file: string, expected: string, actual: string): string =>
  `checksum mismatch for ${file}: expected ${expected}, got ${actual}. The file is corrupt or a different version; replace it (or delete it to download it again).`;

export const noChecksum = (file: string): string =>
  `no checksum is listed for ${file} in stages/dataset/checksums.json; refusing to use an unverified file`;

export const missingFile = (file: string, root: string, origin: string, url: string | undefined, why: string): string =>
  `data not available: ${file} is missing (${why}). Put it at ${root}/${file}` +
  (url ? ` — download it from ${url}` : '') +
  ` (source: ${origin}), or point the data root elsewhere with CATAPULT_DATA_ROOT or --set defaults.dataRoot=DIR.`;

export const whyOffline = (): string => 'offline mode: downloads are disabled';
export const whyNoUrl = (): string => 'no download URL is known for it';
export const whyHttp = (url: string, status: number): string => `download of ${url} failed with HTTP ${status}`;
export const whyNetwork = (url: string, cause: string): string => `download of ${url} failed: ${cause}`;

export const downloadCorrupt = (file: string, url: string, expected: string, actual: string): string =>
  `downloaded ${file} from ${url} but its checksum does not match: expected ${expected}, got ${actual}. The partial file was deleted; try again later or fetch it by hand.`;

export const downloading = (file: string, url: string): string => `downloading ${file} from ${url}`;
export const downloaded = (file: string, bytes: number): string => `downloaded ${file} (${bytes} bytes, checksum ok)`;

// ---------------------------------------------------------------- formats

export const idxTooShort = (file: string, bytes: number): string =>
  `${file}: not an IDX file: ${bytes} bytes is shorter than an IDX header`;
export const idxBadMagic = (file: string, magic: number, expected: number): string =>
  `${file}: bad IDX magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${expected.toString(16).padStart(8, '0')}`;
export const idxTruncated = (file: string, expected: number, actual: number): string =>
  `${file}: truncated IDX file: header promises ${expected} data bytes, found ${actual}`;
export const gzipFailed = (file: string, cause: string): string => `${file}: cannot gunzip: ${cause}`;
export const idxCountMismatch = (images: string, labels: string, ni: number, nl: number): string =>
  `${images} holds ${ni} images but ${labels} holds ${nl} labels`;

export const cifarRecordSize = (file: string, bytes: number): string =>
  `${file}: ${bytes} bytes is not a whole number of 3073-byte CIFAR-10 records (remainder ${bytes % 3073})`;
export const cifarBadLabel = (file: string, record: number, label: number): string =>
  `${file}: record ${record} has label ${label}, outside 0–9`;

export const matNotV5 = (file: string, detail: string): string => `${file}: not a MATLAB v5 MAT-file: ${detail}`;
export const matTruncated = (file: string, offset: number): string =>
  `${file}: truncated MAT-file: an element at byte ${offset} runs past the end of the file`;
export const matUnsupported = (file: string, detail: string): string => `${file}: unsupported MAT-file content: ${detail}`;
export const matMissingVar = (file: string, name: string, found: readonly string[]): string =>
  `${file}: variable '${name}' not found (variables: ${found.length ? list(found) : 'none'})`;
export const svhnShape = (file: string, dims: readonly number[]): string =>
  `${file}: SVHN variable X has dimensions [${list(dims)}], expected [32, 32, 3, N]`;

export const wavNotRiff = (file: string): string => `${file}: not a WAV file: missing 'RIFF'/'WAVE' header`;
export const wavTruncated = (file: string, chunk: string, declared: number, available: number): string =>
  `${file}: truncated WAV file: chunk '${chunk}' declares ${declared} bytes, only ${available} present`;
export const wavMissingChunk = (file: string, chunk: string): string => `${file}: WAV file has no '${chunk}' chunk`;
export const wavUnsupported = (file: string, detail: string): string =>
  `${file}: unsupported WAV encoding (${detail}); expected PCM, 8- or 16-bit`;

export const csvMalformed = (file: string, cause: string): string => `${file}: malformed CSV: ${cause}`;
export const csvBadRow = (file: string, line: number, detail: string): string => `${file}: line ${line}: ${detail}`;

// ---------------------------------------------------------------- specs

export const badClasses = (source: string, classes: readonly number[], valid: readonly number[]): string =>
  `dataset '${source}': classes [${list(classes)}] must be two different ids from {${list(valid)}}`;
export const classesNotInCopy = (source: string, classes: readonly number[], have: readonly number[], note: string): string =>
  `dataset '${source}': classes [${list(classes)}] are not all in the files at hand (they hold ${list(have)}). ${note}`;
export const badSize = (what: string, value: unknown): string =>
  `${what} must be a positive integer, got ${JSON.stringify(value)}`;
export const notEnough = (source: string, split: string, cls: number, wanted: number, available: number): string =>
  `dataset '${source}': asked for ${wanted} ${split} examples of class ${cls}, only ${available} available` +
  (split === 'test' ? ` (use test: 'all' to take every one)` : '');
export const badFeatures = (source: string, kind: string, allowed: readonly string[]): string =>
  `dataset '${source}': features '${kind}' do not apply; use ${list(allowed)}`;
export const badChannelStats = (channels: number): string =>
  `features 'channel-standardise' need ${channels} means and ${channels} positive stds`;
export const aborted = (): string => 'dataset loading was cancelled';

export const unknownGenerator = (name: string): string => `unknown synthetic generator '${name}'`;
export const badParam = (generator: string, param: string, expected: string, got: unknown): string =>
  `generator '${generator}': param '${param}' must be ${expected}, got ${JSON.stringify(got)}`;
export const teacherUnavailable = (detail: string): string =>
  `generator 'teacher' needs teacherPredict from src/numerics/quadratic/index.ts, which is not available (${detail})`;
