import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseCifar } from '../../src/data/formats/cifar.js';
import { parseNewsCsv } from '../../src/data/formats/csv.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from '../../src/data/formats/idx.js';
import { parseMat } from '../../src/data/formats/mat.js';
import { parseWav } from '../../src/data/formats/wav.js';
import { svhnPool } from '../../src/data/real.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url));

function idx(magic: number, dims: number[], data: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(data)]);
}

describe('IDX', () => {
  const images = idx(IDX_IMAGES_MAGIC, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  it('parses raw and gzipped image files', () => {
    for (const bytes of [images, gzipSync(images)]) {
      const r = parseIdx(bytes, 'img', IDX_IMAGES_MAGIC);
      expect(r.ok && r.value.dims).toEqual([2, 2, 3]);
      expect(r.ok && Array.from(r.value.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    }
  });
  it('parses labels', () => {
    const r = parseIdx(gzipSync(idx(IDX_LABELS_MAGIC, [3], [7, 0, 9])), 'lbl', IDX_LABELS_MAGIC);
    expect(r.ok && Array.from(r.value.data)).toEqual([7, 0, 9]);
  });
  it('rejects a bad magic, a truncated payload, a short header and broken gzip', () => {
    expect(parseIdx(images, 'mnist/x.gz', IDX_LABELS_MAGIC)).toEqual({
      ok: false,
      error: { reason: 'malformed', message: 'mnist/x.gz: bad IDX magic 0x00000803, expected 0x00000801', file: 'mnist/x.gz' },
    });
    const t = parseIdx(images.subarray(0, images.length - 5), 'f', IDX_IMAGES_MAGIC);
    expect(!t.ok && t.error.message).toBe('f: truncated IDX file: header promises 12 data bytes, found 7');
    const s = parseIdx(Buffer.from([0, 0, 8, 3, 0]), 'f', IDX_IMAGES_MAGIC);
    expect(!s.ok && s.error.message).toBe('f: not an IDX file: 5 bytes is shorter than an IDX header');
    const g = parseIdx(gzipSync(images).subarray(0, 20), 'f', IDX_IMAGES_MAGIC);
    expect(!g.ok && g.error.message).toMatch(/^f: cannot gunzip: /);
  });
});

describe('CIFAR-10 binary records', () => {
  const record = (label: number, r: number, g: number, b: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(1024, r), Buffer.alloc(1024, g), Buffer.alloc(1024, b)]);
  it('reads labels and converts CHW planes to HWC', () => {
    const bytes = Buffer.concat([record(0, 10, 20, 30), record(9, 1, 2, 3)]);
    bytes[1 + 5] = 99; // red channel, pixel 5 of record 0
    const r = parseCifar(bytes, 'c');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Array.from(r.value.labels)).toEqual([0, 9]);
    expect(Array.from(r.value.pixels.subarray(0, 6))).toEqual([10, 20, 30, 10, 20, 30]);
    expect(Array.from(r.value.pixels.subarray(15, 18))).toEqual([99, 20, 30]);
    expect(Array.from(r.value.pixels.subarray(3072, 3075))).toEqual([1, 2, 3]);
  });
  it('rejects a wrong record size and a bad label', () => {
    const r = parseCifar(Buffer.alloc(3073 * 2 + 5), 'cifar10/x.bin');
    expect(!r.ok && r.error.message).toBe('cifar10/x.bin: 6151 bytes is not a whole number of 3073-byte CIFAR-10 records (remainder 5)');
    const l = parseCifar(record(12, 0, 0, 0), 'c');
    expect(!l.ok && l.error.message).toBe('c: record 0 has label 12, outside 0–9');
  });
});

describe('MAT-file v5 (fixtures written by scipy.io.savemat)', () => {
  for (const name of ['svhn-tiny.mat', 'svhn-tiny-compressed.mat']) {
    it(`reads X and y from ${name} and maps SVHN to HWC with 10 → 0`, () => {
      const r = parseMat(fixture(name), name);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const X = r.value.get('X')!;
      expect(X.dims).toEqual([32, 32, 3, 4]);
      expect(X.mxClass).toBe(9);
      expect(Array.from(r.value.get('y')!.data)).toEqual([10, 2, 1, 10]);
      const pool = svhnPool(r.value, name);
      expect(pool.ok).toBe(true);
      if (!pool.ok) return;
      expect(Array.from(pool.value.labels)).toEqual([0, 2, 1, 0]);
      // X[r, c, ch, n] = (7r + 3c + 50ch + 11n) mod 256, written by the fixture script
      for (const [row, col, ch, n] of [[0, 0, 0, 0], [5, 9, 2, 3], [31, 1, 1, 2], [2, 31, 0, 1]] as const)
        expect(pool.value.pixels[n * 3072 + (row * 32 + col) * 3 + ch]).toBe((7 * row + 3 * col + 50 * ch + 11 * n) % 256);
    });
  }
  it('reads doubles and skips char arrays in the compressed file', () => {
    const r = parseMat(fixture('svhn-tiny-compressed.mat'), 'm');
    expect(r.ok && Array.from(r.value.get('d')!.data)).toEqual([1.5, -2]);
    expect(r.ok && r.value.has('note')).toBe(false);
  });
  it('rejects a non-MAT file, a truncated file and a missing variable', () => {
    const bytes = fixture('svhn-tiny.mat');
    const bad = Buffer.from(bytes);
    bad.write('MATLAB 4.0', 0, 'latin1');
    expect(parseMat(bad, 'svhn/train_32x32.mat')).toEqual({
      ok: false,
      error: { reason: 'malformed', message: 'svhn/train_32x32.mat: not a MATLAB v5 MAT-file: header text starts with "MATLAB 4.0"', file: 'svhn/train_32x32.mat' },
    });
    const t = parseMat(bytes.subarray(0, 600), 'm');
    expect(!t.ok && t.error.message).toBe('m: truncated MAT-file: an element at byte 128 runs past the end of the file');
    const r = parseMat(bytes, 'm');
    if (!r.ok) throw new Error('fixture');
    r.value.delete('y');
    const p = svhnPool(r.value, 'm');
    expect(!p.ok && p.error.message).toBe("m: variable 'y' not found (variables: X)");
  });
});

describe('WAV', () => {
  it('reads the 16-bit PCM fixture written by Python’s wave module', () => {
    const r = parseWav(fixture('tone.wav'), 'tone.wav');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.sampleRate).toBe(8000);
    expect(r.value.samples.length).toBe(1000);
    for (const i of [0, 1, 2, 3, 517]) expect(r.value.samples[i]).toBeCloseTo(Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / 8000)) / 32768, 6);
  });
  it('rejects a bad header, a truncated data chunk and a non-PCM encoding', () => {
    const bytes = fixture('tone.wav');
    const bad = Buffer.from(bytes);
    bad.write('RIFX', 0, 'latin1');
    expect(parseWav(bad, 'fsdd/recordings/x.wav')).toEqual({
      ok: false,
      error: { reason: 'malformed', message: "fsdd/recordings/x.wav: not a WAV file: missing 'RIFF'/'WAVE' header", file: 'fsdd/recordings/x.wav' },
    });
    const t = parseWav(bytes.subarray(0, 100), 'w');
    expect(!t.ok && t.error.message).toBe("w: truncated WAV file: chunk 'data' declares 2000 bytes, only 56 present");
    const f = Buffer.from(bytes);
    f.writeUInt16LE(3, 20); // IEEE float
    const u = parseWav(f, 'w');
    expect(!u.ok && u.error.message).toBe('w: unsupported WAV encoding (format 3, 1 channel(s), 16 bits); expected PCM, 8- or 16-bit');
    const n = parseWav(bytes.subarray(0, 36), 'w');
    expect(!n.ok && n.error.message).toBe("w: WAV file has no 'data' chunk");
  });
});

describe('AG NEWS CSV', () => {
  it('handles RFC-4180 quoting: doubled quotes, commas and newlines inside fields', () => {
    const csv = '"3","Wall St. ""Bears""","Stocks, bonds\nand \\$ #36;"\n"1","Title","Desc"\n';
    const r = parseNewsCsv(Buffer.from(csv), 'ag');
    expect(r.ok && Array.from(r.value.labels)).toEqual([3, 1]);
    expect(r.ok && r.value.texts).toEqual(['Wall St. "Bears" Stocks, bonds\nand \\$ #36;', 'Title Desc']);
  });
  it('rejects an unclosed quote, a short row and a bad class index', () => {
    const q = parseNewsCsv(Buffer.from('"1","a","b\n'), 'ag_news/test.csv');
    expect(!q.ok && q.error.message).toBe('ag_news/test.csv: malformed CSV: Quote Not Closed: the parsing is finished with an opening quote at line 1');
    const s = parseNewsCsv(Buffer.from('"1","a","b"\n"2","x"\n'), 'f');
    expect(!s.ok && s.error.message).toBe('f: malformed CSV: Invalid Record Length: expect 3, got 2 on line 2');
    const c = parseNewsCsv(Buffer.from('"7","a","b"\n'), 'f');
    expect(!c.ok && c.error.message).toBe('f: line 1: class index "7" is not 1–4');
  });
});
