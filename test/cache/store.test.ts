import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeFingerprint } from '../../src/cache/fingerprint.js';
import { FsCache, TEMP_HOST, type EntryMeta } from '../../src/cache/store.js';
import { cacheMessages } from '../../src/messages/engine.js';

const fp = (n: number) =>
  computeFingerprint({ kind: 'train', params: { n }, codeHash: 'c', depKeys: [], runtime: { backend: null, packages: {} } });
const meta: EntryMeta = {
  id: 'train:x',
  kind: 'train',
  startedAt: '2024-01-01T00:00:00.000Z',
  endedAt: '2024-01-01T00:00:01.000Z',
  wallMs: 1000,
  backend: 'cpu',
  log: ['hello'],
};

let root: string;
let cache: FsCache;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'catapult-cache-'));
  cache = await FsCache.open(root, { fsync: false });
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

describe('FsCache', () => {
  it('writes an entry in the documented layout and reads it back verified', async () => {
    const { key, fingerprint } = fp(1);
    const w = await cache.write(key, fingerprint, { result: { loss: 0.5 }, files: { 'x.f32': new Uint8Array([1, 2, 3]), 'a.svg': '<svg/>' } }, meta);
    expect(w.ok).toBe(true);
    const dir = path.join(root, 'entries', key.slice(0, 2), key);
    expect((await fs.readdir(dir)).sort()).toEqual(['a.svg', 'manifest.json', 'result.json', 'x.f32']);
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
    const r = await cache.read(key);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.result).toEqual({ loss: 0.5 });
    expect(r.value.dir).toBe(dir);
    expect(r.value.manifest).toMatchObject({ id: 'train:x', kind: 'train', wallMs: 1000, backend: 'cpu', log: ['hello'], fingerprint });
    expect(r.value.manifest.files.find((f) => f.name === 'x.f32')).toMatchObject({ size: 3 });
    expect(await cache.has(key)).toBe(true);
  });

  it('reports missing for an absent key', async () => {
    const { key } = fp(2);
    expect(await cache.read(key)).toEqual({ ok: false, error: { reason: 'missing', key } });
    expect(await cache.has(key)).toBe(false);
  });

  describe('detects corruption precisely', () => {
    const setup = async () => {
      const { key, fingerprint } = fp(3);
      await cache.write(key, fingerprint, { result: { v: [1, 2, 3] }, files: { 'w.bin': new Uint8Array(64).fill(7) } }, meta);
      return { key, dir: cache.entryDir(key) };
    };

    it('a flipped byte in result.json', async () => {
      const { key, dir } = await setup();
      const file = path.join(dir, 'result.json');
      const buf = await fs.readFile(file);
      buf[3] = buf[3]! ^ 0x01;
      await fs.writeFile(file, buf);
      const r = await cache.read(key);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.reason).toBe('corrupt');
      expect(r.error.reason === 'corrupt' && r.error.detail).toMatch(/^result\.json has SHA-256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…$/);
    });

    it('a deleted manifest', async () => {
      const { key, dir } = await setup();
      await fs.rm(path.join(dir, 'manifest.json'));
      expect(await cache.read(key)).toEqual({ ok: false, error: { reason: 'corrupt', key, detail: cacheMessages.manifestMissing() } });
      expect(await cache.has(key)).toBe(false);
      expect(await cache.entries()).toEqual([]);
    });

    it('a truncated side file', async () => {
      const { key, dir } = await setup();
      await fs.truncate(path.join(dir, 'w.bin'), 10);
      expect(await cache.read(key)).toEqual({
        ok: false,
        error: { reason: 'corrupt', key, detail: 'w.bin has 10 bytes, the manifest says 64' },
      });
    });

    it('a missing side file and a garbled manifest', async () => {
      const { key, dir } = await setup();
      await fs.rm(path.join(dir, 'w.bin'));
      const r1 = await cache.read(key);
      expect(!r1.ok && r1.error.reason === 'corrupt' && r1.error.detail).toMatch(/^w\.bin listed in the manifest cannot be read: ENOENT/);
      await fs.writeFile(path.join(dir, 'manifest.json'), '{"version":1,');
      const r2 = await cache.read(key);
      expect(!r2.ok && r2.error.reason === 'corrupt' && r2.error.detail).toMatch(/^manifest\.json is not valid JSON/);
    });

    it('a manifest copied from another entry', async () => {
      const { key, dir } = await setup();
      const other = fp(4);
      await cache.write(other.key, other.fingerprint, { result: 1 }, meta);
      await fs.copyFile(path.join(cache.entryDir(other.key), 'manifest.json'), path.join(dir, 'manifest.json'));
      const r = await cache.read(key);
      expect(!r.ok && r.error.reason === 'corrupt' && r.error.detail).toMatch(/^manifest\.json names key/);
    });
  });

  it('keeps the first writer when two write the same key, and replaces with replace: true', async () => {
    const { key, fingerprint } = fp(5);
    await cache.write(key, fingerprint, { result: 'first' }, meta);
    const second = await cache.write(key, fingerprint, { result: 'second' }, meta);
    expect(second.ok && second.value.result).toBe('first');
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
    const forced = await cache.write(key, fingerprint, { result: 'third' }, meta, { replace: true });
    expect(forced.ok && forced.value.result).toBe('third');
    const r = await cache.read(key);
    expect(r.ok && r.value.result).toBe('third');
  });

  it('rejects reserved or path-like output file names without writing anything', async () => {
    const { key, fingerprint } = fp(6);
    for (const name of ['manifest.json', '../escape', 'a/b', '.hidden']) {
      const w = await cache.write(key, fingerprint, { result: 1, files: { [name]: 'x' } }, meta);
      expect(w).toEqual({ ok: false, error: { reason: 'write-failed', key, detail: cacheMessages.badFileName(name) } });
    }
    expect(await cache.read(key)).toMatchObject({ ok: false, error: { reason: 'missing' } });
  });

  it('removes entries whole', async () => {
    const { key, fingerprint } = fp(7);
    await cache.write(key, fingerprint, { result: 1 }, meta);
    await cache.remove(key);
    expect(await cache.read(key)).toMatchObject({ ok: false, error: { reason: 'missing' } });
    await cache.remove(key); // idempotent
  });

  it('gc removes unreachable entries and debris, reports bytes, honours dry-run', async () => {
    const a = fp(10);
    const b = fp(11);
    await cache.write(a.key, a.fingerprint, { result: 'keep' }, meta);
    await cache.write(b.key, b.fingerprint, { result: 'drop', files: { 'big.bin': new Uint8Array(1000) } }, meta);
    const debris = path.join(root, 'entries', 'ff', 'f'.repeat(64));
    await fs.mkdir(debris, { recursive: true });
    await fs.writeFile(path.join(debris, 'result.json'), '1');
    const live = new Set([a.key]);
    const dry = await cache.gc(live, { dryRun: true });
    expect(dry.removed.sort()).toEqual([b.key, 'f'.repeat(64)].sort());
    expect(dry.bytes).toBeGreaterThan(1000);
    expect(await cache.has(b.key)).toBe(true);
    const real = await cache.gc(live);
    expect(real).toEqual(dry);
    expect(await cache.has(b.key)).toBe(false);
    expect((await cache.entries()).map((e) => e.key)).toEqual([a.key]);
    expect(await cache.gc(live)).toEqual({ removed: [], bytes: 0 });
  });

  it('records the last run per instance id atomically', async () => {
    const { key, fingerprint } = fp(20);
    expect(await cache.lastRun('train:x')).toBeUndefined();
    await cache.recordRun('train:x', key, fingerprint, { wallMs: 1234, finishedAt: '2024-01-01T00:00:00.000Z' });
    expect(await cache.lastRun('train:x')).toEqual({
      id: 'train:x', key, fingerprint, wallMs: 1234, finishedAt: '2024-01-01T00:00:00.000Z', status: 'done',
    });
    await cache.recordRun('train:x', key, fingerprint, { wallMs: 5, finishedAt: 'later', status: 'failed', error: 'boom' });
    expect(await cache.lastRun('train:x')).toMatchObject({ status: 'failed', error: 'boom', wallMs: 5 });
    expect((await fs.readdir(path.join(root, 'runs'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('cleans temp dirs of dead processes at open, keeps those of live ones', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const deadDir = path.join(root, 'tmp', `${'a'.repeat(64)}.${dead}.abc`);
    const liveDir = path.join(root, 'tmp', `${'b'.repeat(64)}.${process.pid}.abc`);
    const deadRun = path.join(root, 'runs', `${'c'.repeat(64)}.json.${dead}.abcd.tmp`);
    await fs.mkdir(deadDir, { recursive: true });
    await fs.mkdir(liveDir, { recursive: true });
    await fs.writeFile(deadRun, '{');
    const reopened = new FsCache(root);
    const { cleaned } = await reopened.init();
    expect(cleaned.sort()).toEqual([path.basename(deadDir), `runs/${path.basename(deadRun)}`].sort());
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([path.basename(liveDir)]);
  });

  it('on a shared cache, judges only the temp names of this machine (a pid says nothing about another host)', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const mineDir = path.join(root, 'tmp', `${'a'.repeat(64)}.${dead}.abc.${TEMP_HOST}`);
    const otherDir = path.join(root, 'tmp', `${'b'.repeat(64)}.${dead}.abc.node-17`);
    const mineRun = path.join(root, 'runs', `${'c'.repeat(64)}.json.${dead}.abcd.${TEMP_HOST}.tmp`);
    const otherRun = path.join(root, 'runs', `${'d'.repeat(64)}.json.${dead}.abcd.node-17.tmp`);
    for (const d of [mineDir, otherDir]) await fs.mkdir(d, { recursive: true });
    for (const f of [mineRun, otherRun]) await fs.writeFile(f, '{');
    const { cleaned } = await new FsCache(root).init();
    expect(cleaned.sort()).toEqual([path.basename(mineDir), `runs/${path.basename(mineRun)}`].sort());
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([path.basename(otherDir)]);
    expect((await fs.readdir(path.join(root, 'runs'))).filter((n) => n.endsWith('.tmp'))).toEqual([path.basename(otherRun)]);
  });
});
