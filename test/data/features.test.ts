import { describe, expect, it } from 'vitest';
import { audioFeatures, standardiseFrames, FRAME, HOP } from '../../src/data/features/audio.js';
import { fnv1a, tfidf, tokenize } from '../../src/data/features/text.js';

describe('hashed TF-IDF', () => {
  it('tokenises the AG NEWS escapes away', () => {
    expect(tokenize('Wall St. \\$5 #36; Bears\\Claw')).toEqual(['wall', 'st', '5', 'bears', 'law']);
  });
  it('matches the closed form: smooth idf from train, raw tf, L2 rows', () => {
    const B = 1 << 20; // large enough that these few tokens do not collide
    const { xTrain, xTest } = tfidf(['a a b', 'b c'], ['a z'], B);
    const idf = (df: number) => Math.log(3 / (1 + df)) + 1;
    const h = (t: string) => fnv1a(t) % B;
    const r0 = [2 * idf(1), idf(2)];
    const n0 = Math.hypot(...r0);
    expect(xTrain[h('a')]).toBeCloseTo(r0[0]! / n0, 6);
    expect(xTrain[h('b')]).toBeCloseTo(r0[1]! / n0, 6);
    // unseen 'z' gets idf ln(3/1)+1
    const t = [idf(1), idf(0)];
    expect(xTest[h('z')]).toBeCloseTo(t[1]! / Math.hypot(...t), 6);
  });
  it('norm sqrt-d scales every row to ‖x‖² = d', () => {
    const B = 64;
    const l2 = tfidf(['a a b', 'b c d e'], ['a z'], B);
    const sd = tfidf(['a a b', 'b c d e'], ['a z'], B, 'sqrt-d');
    for (const [x, n] of [[sd.xTrain, 2], [sd.xTest, 1]] as const) {
      for (let i = 0; i < n; i++) {
        const row = x.subarray(i * B, (i + 1) * B);
        expect(row.reduce((a, v) => a + v * v, 0)).toBeCloseTo(B, 3);
      }
    }
    const c = B + (fnv1a('c') % B); // row 1
    expect(sd.xTrain[c]! / l2.xTrain[c]!).toBeCloseTo(Math.sqrt(B), 4);
  });
});

describe('audio features (meyda)', () => {
  const tone = (hz: number, n: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 8000));
  it('pads short and truncates long recordings to the frame count', () => {
    const short = audioFeatures(tone(500, FRAME + 2 * HOP), 8000, { kind: 'mfcc', frames: 10, coefficients: 13 });
    expect(short.validFrames).toBe(3);
    expect(Array.from(short.values.subarray(3 * 13)).every((v) => v === 0)).toBe(true);
    const long = audioFeatures(tone(500, 8000), 8000, { kind: 'log-mel', frames: 10, bands: 20 });
    expect(long.validFrames).toBe(10);
    expect(long.values.length).toBe(200);
  });
  it('log-mel energy peaks in a higher band for a higher tone', () => {
    const peak = (hz: number) => {
      const f = audioFeatures(tone(hz, 2048), 8000, { kind: 'log-mel', frames: 4, bands: 20 });
      const row = Array.from(f.values.subarray(20, 40));
      return row.indexOf(Math.max(...row));
    };
    expect(peak(300)).toBeLessThan(peak(1000));
    expect(peak(1000)).toBeLessThan(peak(3000));
  });
  it('standardises with training statistics only, leaving padding at 0', () => {
    const a = { values: Float32Array.from([1, 10, 3, 30, 0, 0]), width: 2, validFrames: 2 };
    const b = { values: Float32Array.from([5, 50, 0, 0, 0, 0]), width: 2, validFrames: 1 };
    const { mean, std } = standardiseFrames([a], [a, b]);
    expect(Array.from(mean)).toEqual([2, 20]);
    expect(Array.from(std)).toEqual([1, 10]);
    expect(Array.from(a.values)).toEqual([-1, -1, 1, 1, 0, 0]);
    expect(Array.from(b.values)).toEqual([3, 3, 0, 0, 0, 0]);
  });
});
