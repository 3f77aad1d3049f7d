import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { constants as fsConstants, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sha256, type JsonValue } from '../core/json.js';
import { err, ok, type Result } from '../core/result.js';
import type { ArtifactOutput, StageKind } from '../core/stage.js';
import { cacheMessages as M } from '../messages/engine.js';
import type { Fingerprint } from './fingerprint.js';

/** Version of the on-disk manifest format; a manifest of another version reads as corrupt. */
export const MANIFEST_VERSION = 1;

/** Size and checksum of one file of an entry, so a read can prove the entry is whole. */
export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * `manifest.json`, written last into an entry. Its presence (after the atomic
 * rename) is what makes an entry exist; its checksums are what make a read
 * trustworthy; its timing and log are what `explain` and the ETA show.
 */
export interface Manifest {
  readonly version: number;
  readonly key: string;
  readonly id: string;
  readonly kind: StageKind;
  readonly fingerprint: Fingerprint;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly wallMs: number;
  readonly backend: string;
  readonly log: readonly string[];
  /** Every file of the entry except the manifest itself, `result.json` included. */
  readonly files: readonly ManifestFile[];
}

/** What the executor knows about a run besides its output, stored in the manifest. */
export interface EntryMeta {
  readonly id: string;
  readonly kind: StageKind;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly wallMs: number;
  readonly backend: string;
  readonly log: readonly string[];
}

/** A verified entry. */
export interface CacheEntry {
  readonly key: string;
  /** Absolute directory of the entry (side files live here). */
  readonly dir: string;
  readonly manifest: Manifest;
  /** Parsed `result.json`. */
  readonly result: JsonValue;
}

/**
 * Why a read found no usable entry. `missing`: there is none (normal: run the
 * stage). `corrupt`: something is there but does not verify; the caller removes
 * it and rebuilds, with a warning that carries `detail`.
 */
export type CacheFailure =
  | { readonly reason: 'missing'; readonly key: string }
  | { readonly reason: 'corrupt'; readonly key: string; readonly detail: string };

/** A read failure in words for a message: what is wrong with a corrupt entry, or 'missing'. */
export function cacheFailureDetail(f: CacheFailure): string {
  return f.reason === 'corrupt' ? f.detail : 'missing';
}

/** Why a write failed (disk full, permissions, a bad file name from a stage). */
export interface CacheWriteFailure {
  readonly reason: 'write-failed';
  readonly key: string;
  readonly detail: string;
}

/** Summary of an entry for listings and gc, from its manifest alone (not verified). */
export interface EntryInfo {
  readonly key: string;
  readonly id: string;
  readonly kind: StageKind;
  readonly bytes: number;
  readonly endedAt: string;
}

/** Timing of a finished (or failed) run, for the run index. */
export interface RunTiming {
  readonly wallMs: number;
  readonly finishedAt: string;
  readonly status?: 'done' | 'failed';
  readonly error?: string;
}

/**
 * The last run of one instance id, whatever its key was. `plan` and `explain`
 * diff the current fingerprint against it ("why would it run"), `status` uses
 * it for failed/stale, and the progress display uses `wallMs` for the ETA.
 */
export interface RunRecord {
  readonly id: string;
  readonly key: string;
  readonly fingerprint: Fingerprint;
  readonly wallMs: number;
  readonly finishedAt: string;
  readonly status: 'done' | 'failed';
  readonly error?: string;
}

/**
 * The cache as the executor, plan, explain, status and gc see it. A small
 * interface (as in wireit) so the executor can be tested against it and the
 * storage can change without touching the scheduler.
 */
export interface Cache {
  /** Reads and verifies an entry (sizes and SHA-256 of every file). */
  read(key: string): Promise<Result<CacheEntry, CacheFailure>>;
  /** Cheap existence check: a manifest with this key is present. Does not verify checksums. */
  has(key: string): Promise<boolean>;
  /**
   * Writes an entry atomically. If an entry with this key already exists,
   * another writer won and that entry is returned, unless `replace` is set
   * (`--force`), in which case the new one takes its place.
   */
  write(
    key: string,
    fingerprint: Fingerprint,
    output: ArtifactOutput,
    meta: EntryMeta,
    options?: { replace?: boolean },
  ): Promise<Result<CacheEntry, CacheWriteFailure>>;
  /** Removes an entry (atomically: it disappears whole). */
  remove(key: string): Promise<void>;
  /** Lists entries that have a readable manifest. */
  entries(): Promise<EntryInfo[]>;
  recordRun(id: string, key: string, fingerprint: Fingerprint, timing: RunTiming): Promise<void>;
  lastRun(id: string): Promise<RunRecord | undefined>;
  /** Removes every entry whose key is not live (and unreadable debris); `dryRun` only reports. */
  gc(liveKeys: ReadonlySet<string>, options?: { dryRun?: boolean }): Promise<{ removed: string[]; bytes: number }>;
}

const RESERVED = new Set(['manifest.json', 'result.json']);
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEY = /^[0-9a-f]{64}$/;
/**
 * Files up to this size are read synchronously when verifying: a no-op rerun
 * reads thousands of small entries, and a synchronous read is ~8× cheaper than
 * a thread-pool round trip; larger files are read asynchronously so the event
 * loop (worker messages, progress) is not blocked for long.
 */
const SYNC_READ_MAX = 1 << 20;

/** Reads a file, synchronously when small (see {@link SYNC_READ_MAX}). */
async function readSmallFast(file: string, expectedSize: number): Promise<Buffer> {
  return expectedSize <= SYNC_READ_MAX ? readFileSync(file) : fs.readFile(file);
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * This machine's name as it appears in temp names (`<…>.<pid>.<random>.<host>`).
 * Why: with a cache on a filesystem that several machines share (Slurm
 * nodes, the submitting host), a pid only says whether a writer is alive
 * on the machine that started it; another machine must leave it alone.
 */
export const TEMP_HOST = os.hostname().replace(/[^A-Za-z0-9-]/g, '_') || 'host';

/**
 * Whether the temp file or dir whose name splits into `parts` (pid at
 * `pidAt`, host two places after it) may be removed from here: its writer
 * ran on this machine and is gone. Names from before host tags end right
 * after the random part (`…<random>` or `…<random>.tmp`): judged here too.
 */
function staleHere(parts: string[], pidAt: number): boolean {
  const host = parts[pidAt + 2];
  if (host !== undefined && host !== 'tmp' && host !== TEMP_HOST) return false;
  const pid = Number(parts[pidAt]);
  return !(Number.isInteger(pid) && pid > 0 && isAlive(pid));
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function writeFileSynced(file: string, data: Uint8Array | string, fsync: boolean): Promise<void> {
  const h = await fs.open(file, 'wx');
  try {
    await h.writeFile(data);
    if (fsync) await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Writes a file so that a reader sees all of it or nothing: a uniquely named
 * temporary beside it (fsync'd when asked), then a rename. Used for run
 * records and for the Slurm runner's batch files and reports in the cache dir.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, options: { fsync?: boolean } = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.${TEMP_HOST}.tmp`;
  try {
    await writeFileSynced(tmp, data, options.fsync ?? false);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, fsConstants.O_RDONLY);
    await h.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await h?.close();
  }
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const ents = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const ent of ents) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) total += await dirBytes(p);
    else total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

function validManifest(m: unknown, key: string): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return M.manifestNotObject();
  const o = m as Record<string, unknown>;
  if (o.version !== MANIFEST_VERSION) return M.manifestVersion(o.version);
  if (o.key !== key) return M.manifestKeyMismatch(String(o.key), key);
  if (typeof o.id !== 'string' || typeof o.kind !== 'string') return M.manifestField('id/kind');
  if (typeof o.fingerprint !== 'object' || o.fingerprint === null) return M.manifestField('fingerprint');
  if (typeof o.wallMs !== 'number' || typeof o.startedAt !== 'string' || typeof o.endedAt !== 'string')
    return M.manifestField('timing');
  if (typeof o.backend !== 'string' || !Array.isArray(o.log)) return M.manifestField('backend/log');
  if (!Array.isArray(o.files)) return M.manifestField('files');
  for (const f of o.files as unknown[]) {
    const ff = f as Record<string, unknown>;
    if (typeof ff?.name !== 'string' || !(ff.name === 'result.json' || FILE_NAME.test(ff.name)) || ff.name === 'manifest.json')
      return M.manifestField('files[].name');
    if (typeof ff.size !== 'number' || typeof ff.sha256 !== 'string') return M.manifestField(`files[${ff.name}]`);
  }
  if (!(o.files as ManifestFile[]).some((f) => f.name === 'result.json')) return M.manifestField('files (no result.json)');
  return undefined;
}

/**
 * The content-addressed store on disk:
 *
 * ```
 * cache/entries/<key[0:2]>/<key>/{manifest.json, result.json, <files>}
 * cache/tmp/<key>.<pid>.<random>/      entries being written (or removed)
 * cache/runs/<sha256(id)>.json         last run per instance id
 * ```
 *
 * An entry is built in `tmp/`, every file fsynced, `manifest.json` written
 * last, and the directory renamed into place — so a reader (or a run killed at
 * any moment) never sees a half-written entry under `entries/`. Removal also
 * renames out first, so an entry disappears whole.
 */
export class FsCache implements Cache {
  readonly root: string;
  private readonly fsync: boolean;

  constructor(root: string, options: { fsync?: boolean } = {}) {
    this.root = path.resolve(root);
    this.fsync = options.fsync ?? true;
  }

  /** Creates the layout and removes temp dirs left by killed runs (their pid is dead). */
  static async open(root: string, options: { fsync?: boolean } = {}): Promise<FsCache> {
    const cache = new FsCache(root, options);
    await cache.init();
    return cache;
  }

  async init(): Promise<{ cleaned: string[] }> {
    await fs.mkdir(path.join(this.root, 'entries'), { recursive: true });
    await fs.mkdir(path.join(this.root, 'tmp'), { recursive: true });
    await fs.mkdir(path.join(this.root, 'runs'), { recursive: true });
    return { cleaned: await this.cleanStaleTmp() };
  }

  /** Removes `tmp/` dirs whose writer process on this machine is gone (see {@link TEMP_HOST}); returns their names. */
  async cleanStaleTmp(): Promise<string[]> {
    const tmp = path.join(this.root, 'tmp');
    const names = await fs.readdir(tmp).catch(() => [] as string[]);
    const cleaned: string[] = [];
    for (const name of names) {
      // `<label>.<pid>.<random>.<host>`
      if (!staleHere(name.split('.'), 1)) continue;
      await fs.rm(path.join(tmp, name), { recursive: true, force: true });
      cleaned.push(name);
    }
    // Run-index temp files: `<sha>.json.<pid>.<random>.<host>.tmp`.
    const runs = path.join(this.root, 'runs');
    for (const name of await fs.readdir(runs).catch(() => [] as string[])) {
      if (!name.endsWith('.tmp')) continue;
      if (!staleHere(name.split('.'), 2)) continue;
      await fs.rm(path.join(runs, name), { force: true });
      cleaned.push(`runs/${name}`);
    }
    return cleaned;
  }

  entryDir(key: string): string {
    return path.join(this.root, 'entries', key.slice(0, 2), key);
  }

  private tmpDir(label: string): string {
    return path.join(this.root, 'tmp', `${label}.${process.pid}.${randomBytes(6).toString('hex')}.${TEMP_HOST}`);
  }

  async has(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false;
    try {
      const m = JSON.parse(readFileSync(path.join(this.entryDir(key), 'manifest.json'), 'utf8')) as unknown;
      return validManifest(m, key) === undefined;
    } catch {
      return false;
    }
  }

  async read(key: string): Promise<Result<CacheEntry, CacheFailure>> {
    if (!KEY.test(key)) return err({ reason: 'missing', key });
    const dir = this.entryDir(key);
    let text: string;
    try {
      text = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return err({ reason: 'corrupt', key, detail: M.manifestUnreadable(errMessage(e)) });
      const dirExists = await fs.stat(dir).then(() => true, () => false);
      return dirExists ? err({ reason: 'corrupt', key, detail: M.manifestMissing() }) : err({ reason: 'missing', key });
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(text) as Manifest;
    } catch (e) {
      return err({ reason: 'corrupt', key, detail: M.manifestInvalidJson(errMessage(e)) });
    }
    const invalid = validManifest(manifest, key);
    if (invalid !== undefined) return err({ reason: 'corrupt', key, detail: invalid });
    let resultText: string | undefined;
    for (const f of manifest.files) {
      let data: Buffer;
      try {
        data = await readSmallFast(path.join(dir, f.name), f.size);
      } catch (e) {
        return err({ reason: 'corrupt', key, detail: M.fileMissing(f.name, errMessage(e)) });
      }
      if (data.byteLength !== f.size) return err({ reason: 'corrupt', key, detail: M.sizeMismatch(f.name, f.size, data.byteLength) });
      const digest = createHash('sha256').update(data).digest('hex');
      if (digest !== f.sha256) return err({ reason: 'corrupt', key, detail: M.checksumMismatch(f.name, f.sha256, digest) });
      if (f.name === 'result.json') resultText = data.toString('utf8');
    }
    let result: JsonValue;
    try {
      result = JSON.parse(resultText ?? '') as JsonValue;
    } catch (e) {
      return err({ reason: 'corrupt', key, detail: M.resultInvalidJson(errMessage(e)) });
    }
    return ok({ key, dir, manifest, result });
  }

  async write(
    key: string,
    fingerprint: Fingerprint,
    output: ArtifactOutput,
    meta: EntryMeta,
    options: { replace?: boolean } = {},
  ): Promise<Result<CacheEntry, CacheWriteFailure>> {
    if (!KEY.test(key)) return err({ reason: 'write-failed', key, detail: M.badKey(key) });
    const extra = Object.entries(output.files ?? {});
    for (const [name] of extra) {
      if (RESERVED.has(name) || !FILE_NAME.test(name)) return err({ reason: 'write-failed', key, detail: M.badFileName(name) });
    }
    let resultText: string;
    try {
      resultText = JSON.stringify(output.result);
      if (resultText === undefined) throw new TypeError('result is not JSON');
    } catch (e) {
      return err({ reason: 'write-failed', key, detail: M.resultNotJson(errMessage(e)) });
    }
    const tmp = this.tmpDir(key);
    const target = this.entryDir(key);
    try {
      await fs.mkdir(tmp, { recursive: true });
      const files: ManifestFile[] = [];
      const all: [string, Uint8Array | string][] = [['result.json', resultText], ...extra];
      for (const [name, data] of all) {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        await writeFileSynced(path.join(tmp, name), bytes, this.fsync);
        files.push({ name, size: bytes.byteLength, sha256: sha256(bytes) });
      }
      const manifest: Manifest = {
        version: MANIFEST_VERSION,
        key,
        id: meta.id,
        kind: meta.kind,
        fingerprint,
        startedAt: meta.startedAt,
        endedAt: meta.endedAt,
        wallMs: meta.wallMs,
        backend: meta.backend,
        log: [...meta.log],
        files,
      };
      await writeFileSynced(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1), this.fsync);
      if (this.fsync) await syncDir(tmp);
      await fs.mkdir(path.dirname(target), { recursive: true });
      if (options.replace) await this.remove(key);
      try {
        await fs.rename(tmp, target);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        // Another writer won the race; its entry has the same key, so the same content.
        await fs.rm(tmp, { recursive: true, force: true });
        const existing = await this.read(key);
        if (existing.ok) return existing;
        return err({ reason: 'write-failed', key, detail: M.lostRaceToCorrupt(cacheFailureDetail(existing.error)) });
      }
      if (this.fsync) await syncDir(path.dirname(target));
      return ok({ key, dir: target, manifest, result: JSON.parse(resultText) as JsonValue });
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      return err({ reason: 'write-failed', key, detail: errMessage(e) });
    }
  }

  async remove(key: string): Promise<void> {
    if (!KEY.test(key)) return;
    const trash = this.tmpDir(`trash-${key}`);
    try {
      await fs.mkdir(path.dirname(trash), { recursive: true });
      await fs.rename(this.entryDir(key), trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await fs.rm(trash, { recursive: true, force: true });
  }

  private async listKeys(): Promise<string[]> {
    const base = path.join(this.root, 'entries');
    const shards = await fs.readdir(base).catch(() => [] as string[]);
    const keys: string[] = [];
    for (const shard of shards.sort()) {
      const names = await fs.readdir(path.join(base, shard)).catch(() => [] as string[]);
      keys.push(...names.sort());
    }
    return keys;
  }

  async entries(): Promise<EntryInfo[]> {
    const out: EntryInfo[] = [];
    for (const key of await this.listKeys()) {
      try {
        const m = JSON.parse(await fs.readFile(path.join(this.entryDir(key), 'manifest.json'), 'utf8')) as Manifest;
        if (validManifest(m, key) !== undefined) continue;
        const bytes = m.files.reduce((s, f) => s + f.size, 0);
        out.push({ key, id: m.id, kind: m.kind, bytes, endedAt: m.endedAt });
      } catch {
        // No readable manifest: the entry does not exist (gc removes the debris).
      }
    }
    return out;
  }

  async gc(liveKeys: ReadonlySet<string>, options: { dryRun?: boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
    const removed: string[] = [];
    let bytes = 0;
    for (const key of await this.listKeys()) {
      if (liveKeys.has(key) && (await this.has(key))) continue;
      const dir = this.entryDir(key);
      bytes += await dirBytes(dir);
      removed.push(key);
      if (!options.dryRun) {
        if (KEY.test(key)) await this.remove(key);
        else await fs.rm(dir, { recursive: true, force: true });
      }
    }
    if (!options.dryRun) {
      const base = path.join(this.root, 'entries');
      for (const shard of await fs.readdir(base).catch(() => [] as string[])) {
        await fs.rmdir(path.join(base, shard)).catch(() => undefined); // only succeeds when empty
      }
    }
    return { removed, bytes };
  }

  private runFile(id: string): string {
    return path.join(this.root, 'runs', `${sha256(id)}.json`);
  }

  async recordRun(id: string, key: string, fingerprint: Fingerprint, timing: RunTiming): Promise<void> {
    const record: RunRecord = {
      id,
      key,
      fingerprint,
      wallMs: timing.wallMs,
      finishedAt: timing.finishedAt,
      status: timing.status ?? 'done',
      ...(timing.error !== undefined ? { error: timing.error } : {}),
    };
    await writeFileAtomic(this.runFile(id), JSON.stringify(record), { fsync: this.fsync });
  }

  async lastRun(id: string): Promise<RunRecord | undefined> {
    try {
      // Small file, read for every instance by plan/status/ETA: synchronous is much cheaper.
      const r = JSON.parse(readFileSync(this.runFile(id), 'utf8')) as RunRecord;
      return r.id === id && typeof r.key === 'string' && typeof r.wallMs === 'number' ? r : undefined;
    } catch {
      return undefined;
    }
  }
}
