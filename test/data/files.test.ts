import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ok } from '../../src/core/result.js';
import { clearFileCaches, loadVerified } from '../../src/data/files.js';
import type { ChecksumTable, LoadEnv } from '../../src/data/types.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest('hex');
const GOOD = Buffer.from('the right bytes, repeated '.repeat(2000));
const BAD = Buffer.from('the wrong bytes, repeated '.repeat(2000));

let server: Server;
let base = '';
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/good.bin' || req.url === '/alt.bin') {
      res.writeHead(200, { 'content-length': GOOD.length });
      res.end(GOOD);
    } else if (req.url === '/corrupt.bin') {
      res.writeHead(200, { 'content-length': BAD.length });
      res.end(BAD);
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => clearFileCaches());

function setup(offline = false) {
  const root = mkdtempSync(join(tmpdir(), 'catapult-data-'));
  const table: ChecksumTable = {
    sources: { dl: { baseUrl: base, origin: 'the test server' }, local: { origin: 'a colleague' } },
    files: {
      'dl/good.bin': { size: GOOD.length, sha256: sha(GOOD) },
      'dl/corrupt.bin': { size: GOOD.length, sha256: sha(GOOD) },
      'dl/missing.bin': { sha256: sha(GOOD) },
      'dl/alt.bin': { sha256: sha('shared-copy bytes'), alt: [{ md5: md5(GOOD), note: 'canonical mirror' }] },
      'local/x.bin': { sha256: sha(GOOD) },
    },
  };
  const logs: string[] = [];
  const progress: number[] = [];
  const env: LoadEnv = { root, offline, checksums: table, log: (m) => logs.push(m), progress: (f) => progress.push(f), signal: AbortSignal.timeout(10_000) };
  return { root, env, logs, progress };
}
const raw = (b: Buffer) => ok(b.length);

describe('download', () => {
  it('downloads a missing file with progress, verifies it and renames it into place', async () => {
    const { root, env, logs, progress } = setup();
    const r = await loadVerified('dl/good.bin', env, 'len', raw);
    expect(r).toEqual({ ok: true, value: { value: GOOD.length, file: { path: 'dl/good.bin', sha256: sha(GOOD) } } });
    expect(readFileSync(join(root, 'dl/good.bin')).equals(GOOD)).toBe(true);
    expect(readdirSync(join(root, 'dl'))).toEqual(['good.bin']);
    expect(progress.at(-1)).toBe(1);
    expect(logs).toEqual([`downloading dl/good.bin from ${base}good.bin`, `downloaded dl/good.bin (${GOOD.length} bytes, checksum ok)`]);
  });
  it('accepts a canonical mirror’s alternative digest', async () => {
    const { env } = setup();
    const r = await loadVerified('dl/alt.bin', env, 'len', raw);
    expect(r.ok).toBe(true);
  });
  it('deletes a corrupted download and reports both hashes', async () => {
    const { root, env } = setup();
    const r = await loadVerified('dl/corrupt.bin', env, 'len', raw);
    expect(r).toEqual({
      ok: false,
      error: {
        reason: 'download-corrupt',
        file: 'dl/corrupt.bin',
        message: `downloaded dl/corrupt.bin from ${base}corrupt.bin but its checksum does not match: expected sha256 ${sha(GOOD)}, got sha256 ${sha(BAD)}. The partial file was deleted; try again later or fetch it by hand.`,
      },
    });
    expect(readdirSync(join(root, 'dl'))).toEqual([]);
  });
  it('turns a 404 into missing-data naming the file, where to put it and where to get it', async () => {
    const { root, env } = setup();
    const r = await loadVerified('dl/missing.bin', env, 'len', raw);
    expect(r).toEqual({
      ok: false,
      error: {
        reason: 'missing-data',
        file: 'dl/missing.bin',
        message: `data not available: dl/missing.bin is missing (download of ${base}missing.bin failed with HTTP 404). Put it at ${root}/dl/missing.bin — download it from ${base}missing.bin (source: the test server), or point the data root elsewhere with CATAPULT_DATA_ROOT or --set defaults.dataRoot=DIR.`,
      },
    });
  });
  it('never touches the network when offline, and says so', async () => {
    const { root, env } = setup(true);
    const before = requests;
    const r = await loadVerified('dl/good.bin', env, 'len', raw);
    expect(requests).toBe(before);
    expect(!r.ok && r.error.reason).toBe('missing-data');
    expect(!r.ok && r.error.message).toBe(
      `data not available: dl/good.bin is missing (offline mode: downloads are disabled). Put it at ${root}/dl/good.bin — download it from ${base}good.bin (source: the test server), or point the data root elsewhere with CATAPULT_DATA_ROOT or --set defaults.dataRoot=DIR.`,
    );
  });
  it('reports a file without URL', async () => {
    const { root, env } = setup();
    const r = await loadVerified('local/x.bin', env, 'len', raw);
    expect(!r.ok && r.error.message).toBe(
      `data not available: local/x.bin is missing (no download URL is known for it). Put it at ${root}/local/x.bin (source: a colleague), or point the data root elsewhere with CATAPULT_DATA_ROOT or --set defaults.dataRoot=DIR.`,
    );
  });
  it('reports an unreachable server as missing-data', async () => {
    const { env } = setup();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    env.checksums!.sources.dl!.baseUrl = `http://127.0.0.1:${port}/`;
    const r = await loadVerified('dl/good.bin', env, 'len', raw);
    expect(!r.ok && r.error.reason).toBe('missing-data');
    expect(!r.ok && r.error.message).toMatch(/^data not available: dl\/good\.bin is missing \(download of .* failed: .*ECONNREFUSED/);
    expect(!r.ok && r.error.message).toContain(`download of http://127.0.0.1:${port}/good.bin failed`);
  });
});

describe('verification', () => {
  it('refuses a local file whose checksum differs, naming the file and both hashes', async () => {
    const { root, env } = setup(true);
    mkdirSync(join(root, 'local'));
    writeFileSync(join(root, 'local/x.bin'), BAD);
    const r = await loadVerified('local/x.bin', env, 'len', raw);
    expect(r).toEqual({
      ok: false,
      error: {
        reason: 'checksum-mismatch',
        file: 'local/x.bin',
        message: `checksum mismatch for local/x.bin: expected sha256 ${sha(GOOD)}, got sha256 ${sha(BAD)}. The file is corrupt or a different version; replace it (or delete it to download it again).`,
      },
    });
  });
  it('refuses files that have no checksum entry', async () => {
    const { env } = setup(true);
    const r = await loadVerified('elsewhere/y.bin', env, 'len', raw);
    expect(!r.ok && r.error.message).toBe('no checksum is listed for elsewhere/y.bin in stages/dataset/checksums.json; refusing to use an unverified file');
  });
  it('caches per (path, size, mtime) and re-verifies a changed file', async () => {
    const { root, env } = setup(true);
    mkdirSync(join(root, 'local'));
    const p = join(root, 'local/x.bin');
    writeFileSync(p, GOOD);
    let parses = 0;
    const parse = (b: Buffer) => (parses++, ok(b.length));
    expect((await loadVerified('local/x.bin', env, 'count', parse)).ok).toBe(true);
    expect((await loadVerified('local/x.bin', env, 'count', parse)).ok).toBe(true);
    expect(parses).toBe(1);
    writeFileSync(p, BAD);
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const r = await loadVerified('local/x.bin', env, 'count', parse);
    expect(!r.ok && r.error.reason).toBe('checksum-mismatch');
    expect(existsSync(p)).toBe(true);
  });
});
