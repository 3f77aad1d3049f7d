/**
 * Getting a data file into memory safely: locate it under the data root,
 * download it when it is missing and a URL is known, verify it against
 * stages/dataset/checksums.json, parse it — and remember the verification and
 * the parse per (path, size, mtime) within the process, because one pipeline
 * run builds many dataset instances over the same few files.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../core/result.js';
import * as msg from '../messages/data.js';
import type { ChecksumEntry, ChecksumTable, DataFailure, LoadEnv, SourceFile } from './types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** stages/dataset/checksums.json, found from src/data (source) or dist/src/data (build). */
export const CHECKSUMS_CANDIDATES = [
  join(HERE, '../../stages/dataset/checksums.json'),
  join(HERE, '../../../stages/dataset/checksums.json'),
];

let defaultTable: ChecksumTable | undefined;

/** The repo's checksum table (read once). */
export async function defaultChecksums(): Promise<ChecksumTable> {
  if (defaultTable) return defaultTable;
  for (const p of CHECKSUMS_CANDIDATES) {
    try {
      defaultTable = JSON.parse(await readFile(p, 'utf8')) as ChecksumTable;
      return defaultTable;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`checksums.json not found (looked in ${CHECKSUMS_CANDIDATES.join(', ')})`);
}

/** The source (URL prefix, origin) of a relative path: the longest folder prefix listed. */
export function sourceOf(table: ChecksumTable, rel: string): { url?: string; origin: string } {
  let dir = posix.dirname(rel);
  while (dir !== '.' && dir !== '/') {
    const s = table.sources[dir];
    if (s) return s.baseUrl ? { url: s.baseUrl + posix.basename(rel), origin: s.origin } : { origin: s.origin };
    dir = posix.dirname(dir);
  }
  return { origin: 'unknown' };
}

export interface Digests {
  sha256: string;
  md5?: string;
  size: number;
}

/** Whether the digests satisfy the entry, and if not, the two sides of the message. */
export function checkDigests(entry: ChecksumEntry, d: Digests): { ok: true } | { ok: false; expected: string; actual: string } {
  if (entry.sha256 && entry.sha256 === d.sha256 && (entry.size === undefined || entry.size === d.size)) return { ok: true };
  for (const a of entry.alt ?? []) {
    const sizeOk = a.size === undefined || a.size === d.size;
    if (sizeOk && ((a.sha256 && a.sha256 === d.sha256) || (a.md5 && a.md5 === d.md5))) return { ok: true };
  }
  const expected = [
    ...(entry.sha256 ? [`sha256 ${entry.sha256}`] : []),
    ...(entry.alt ?? []).map((a) => (a.sha256 ? `sha256 ${a.sha256}` : `md5 ${a.md5 ?? '?'}`) + ` (${a.note})`),
  ].join(' or ');
  const needMd5 = (entry.alt ?? []).some((a) => a.md5);
  const actual = `sha256 ${d.sha256}` + (needMd5 && d.md5 ? `, md5 ${d.md5}` : '');
  return { ok: false, expected, actual };
}

function digestsOf(bytes: Uint8Array, wantMd5: boolean): Digests {
  const d: Digests = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  if (wantMd5) d.md5 = createHash('md5').update(bytes).digest('hex');
  return d;
}

const verified = new Map<string, string>(); // cacheKey → sha256
const parsed = new Map<string, unknown>(); // cacheKey|parser → value

/** Forget every cached verification and parse (tests use this to re-read changed files). */
export function clearFileCaches(): void {
  verified.clear();
  parsed.clear();
}

const fail = (reason: DataFailure['reason'], message: string, file?: string): { ok: false; error: DataFailure } =>
  err(file === undefined ? { reason, message } : { reason, message, file });

/**
 * Reads `rel` (relative to env.root), downloading it first when missing and
 * allowed, verifies it, and parses it with `parse` (cached under `parserId`).
 */
export async function loadVerified<T>(
  rel: string,
  env: LoadEnv,
  parserId: string,
  parse: (bytes: Buffer, rel: string) => Result<T, DataFailure>,
): Promise<Result<{ value: T; file: SourceFile }, DataFailure>> {
  const table = env.checksums ?? (await defaultChecksums());
  const entry = table.files[rel];
  if (!entry) return fail('bad-spec', msg.noChecksum(rel), rel);
  const abs = join(env.root, ...rel.split('/'));
  let st = await stat(abs).catch(() => undefined);
  if (!st) {
    const got = await download(rel, abs, entry, table, env);
    if (!got.ok) return got;
    st = await stat(abs);
  }
  const key = `${abs}|${st.size}|${st.mtimeMs}`;
  const pkey = `${key}|${parserId}`;
  const known = verified.get(key);
  if (known !== undefined && parsed.has(pkey)) return ok({ value: parsed.get(pkey) as T, file: { path: rel, sha256: known } });
  const bytes = await readFile(abs);
  let sha = known;
  if (sha === undefined) {
    const d = digestsOf(bytes, (entry.alt ?? []).some((a) => a.md5));
    const c = checkDigests(entry, d);
    if (!c.ok) {
      return fail('checksum-mismatch', msg.checksumMismatch(rel, c.expected, c.actual), rel);
    }
    sha = d.sha256;
    verified.set(key, sha);
  }
  const value = parse(bytes, rel);
  if (!value.ok) return value;
  parsed.set(pkey, value.value);
  return ok({ value: value.value, file: { path: rel, sha256: sha } });
}

/** Downloads `rel` into a temp file beside `abs`, verifies it, then renames it into place. */
async function download(
  rel: string,
  abs: string,
  entry: ChecksumEntry,
  table: ChecksumTable,
  env: LoadEnv,
): Promise<Result<void, DataFailure>> {
  const src = sourceOf(table, rel);
  const missing = (why: string) => fail('missing-data', msg.missingFile(rel, env.root, src.origin, src.url, why), rel);
  if (env.offline) return missing(msg.whyOffline());
  if (!src.url) return missing(msg.whyNoUrl());
  const url = src.url;
  env.log(msg.downloading(rel, url));
  let res: Response;
  try {
    res = await fetch(url, env.signal ? { signal: env.signal } : {});
  } catch (e) {
    if (env.signal?.aborted) return fail('aborted', msg.aborted(), rel);
    const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    return missing(msg.whyNetwork(url, cause));
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return missing(msg.whyHttp(url, res.status));
  }
  const total = Number(res.headers.get('content-length')) || entry.size || entry.alt?.find((a) => a.size)?.size || 0;
  await mkdir(dirname(abs), { recursive: true });
  const tmp = `${abs}.part-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const out = createWriteStream(tmp);
  let bytes = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sha.update(value);
      md5.update(value);
      bytes += value.length;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      env.progress(total ? Math.min(1, bytes / total) : 0, `${rel}: ${bytes}${total ? `/${total}` : ''} bytes`);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    if (env.signal?.aborted) return fail('aborted', msg.aborted(), rel);
    return missing(msg.whyNetwork(url, e instanceof Error ? e.message : String(e)));
  }
  const c = checkDigests(entry, { sha256: sha.digest('hex'), md5: md5.digest('hex'), size: bytes });
  if (!c.ok) {
    await unlink(tmp).catch(() => undefined);
    return fail('download-corrupt', msg.downloadCorrupt(rel, url, c.expected, c.actual), rel);
  }
  await rename(tmp, abs);
  env.log(msg.downloaded(rel, bytes));
  return ok(undefined);
}
