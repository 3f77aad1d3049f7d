import { describe, expect, it } from 'vitest';
import { computeFingerprint } from '../../src/cache/fingerprint.js';
import type { Cache, RunRecord } from '../../src/cache/store.js';
import { DEFAULT_ESTIMATE_MS, ProgressDisplay, loadEstimates, summaryLines } from '../../src/executor/progress.js';
import type { RunSummary } from '../../src/executor/types.js';
import { formatDuration } from '../../src/messages/engine.js';
import { instances } from './helpers.js';

class FakeStream {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(s: string) {
    this.chunks.push(s);
    return true;
  }
  get text() {
    return this.chunks.join('');
  }
}

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  total: 4, executed: [], hits: [], failed: [], skipped: [], cancelled: [], rebuilt: [], aborted: false, wallMs: 1500, ok: true, ...over,
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [1234, '1.2s'],
    [59_940, '59.9s'],
    [65_000, '1m05s'],
    [3_720_000, '1h02m'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('ProgressDisplay (not a TTY)', () => {
  it('prints one plain line per finished, failed, skipped or cancelled stage, none per cache hit', () => {
    const stream = new FakeStream(false);
    const p = new ProgressDisplay({ stream, total: 40, jobs: 2 });
    const id = 'train:zhu-fig3[eta=1.5,seed=0,variant=quad]';
    for (let i = 0; i < 11; i++) p.onEvent({ type: 'cache-hit', id: `h${i}`, key: 'k' });
    p.onEvent({ type: 'start', id, key: 'k' });
    p.onEvent({ type: 'log', id, line: 'step 1' });
    p.onEvent({ type: 'done', id, key: 'k', wallMs: 1200 });
    p.onEvent({ type: 'failed', id: 'metrics:m', error: { reason: 'threw', message: 'boom' }, message: 'boom' });
    p.onEvent({ type: 'skipped', id: 'plot:p', failedAncestor: 'metrics:m' });
    p.onEvent({ type: 'corrupt-rebuilt', id: 'init:i', key: 'k', detail: 'manifest.json is missing' });
    p.onEvent({ type: 'cancelled', id: 'train:late' });
    expect(stream.text.split('\n')).toEqual([
      `[12/40] ${id} done in 1.2s`,
      '[13/40] metrics:m FAILED: boom',
      '[14/40] plot:p skipped (depends on failed metrics:m)',
      'warning: cache entry of init:i is corrupt (manifest.json is missing); discarded, rebuilding',
      '[15/40] train:late cancelled',
      '',
    ]);
    expect(stream.text).not.toContain('\x1b');
  });
});

describe('ProgressDisplay (TTY)', () => {
  it('redraws one status line with done/total, hits, elapsed, ETA and running ids', () => {
    let t = 0;
    const stream = new FakeStream(true);
    const est: Record<string, number> = { a: 4000, b: 2000, c: 6000 };
    const p = new ProgressDisplay({ stream, total: 4, jobs: 2, now: () => t, estimateMs: (id) => est[id] ?? 1000 });
    for (const id of ['a', 'b', 'c', 'h']) p.onEvent({ type: 'queued', id });
    p.onEvent({ type: 'cache-hit', id: 'h', key: 'k' });
    p.onEvent({ type: 'start', id: 'a', key: 'k' });
    p.onEvent({ type: 'start', id: 'b', key: 'k' });
    t = 1000;
    // pending c (6 s) + rest of a (3 s) + rest of b (1 s) = 10 s over 2 jobs.
    expect(p.etaMs()).toBe(5000);
    p.render(true);
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K[1/4] · 1 cached · 1.0s elapsed · ETA 5.0s · running 2: a, b');
    t = 3000;
    p.onEvent({ type: 'done', id: 'b', key: 'k', wallMs: 3000 });
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K[2/4] · 1 cached · 3.0s elapsed · ETA 3.5s · running 1: a');
  });

  it('shows no ETA when told the parallelism is unknown (Slurm), and prints runner notes above the line', () => {
    let t = 0;
    const stream = new FakeStream(true);
    const p = new ProgressDisplay({ stream, total: 2, jobs: 1000, now: () => t, eta: false });
    t = 1000;
    p.onEvent({ type: 'queued', id: 'b' });
    p.onEvent({ type: 'start', id: 'a', key: 'k' });
    p.render(true);
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K[0/2] · 1.0s elapsed · running 1: a');
    p.note('slurm: submitted job 7 (a)');
    expect(stream.chunks.slice(-3)).toEqual(['\r\x1b[2K', 'slurm: submitted job 7 (a)\n', '\r\x1b[2K[0/2] · 1.0s elapsed · running 1: a']);
  });

  it('throttles redraws, prints failures above the line, and clears it for the summary', () => {
    let t = 0;
    const stream = new FakeStream(true);
    const p = new ProgressDisplay({ stream, total: 3, jobs: 1, now: () => t, minRedrawMs: 100 });
    p.onEvent({ type: 'start', id: 'a', key: 'k' });
    const n = stream.chunks.length;
    t = 50;
    p.onEvent({ type: 'progress', id: 'a', fraction: 0.5 });
    expect(stream.chunks.length).toBe(n); // throttled
    t = 200;
    p.onEvent({ type: 'progress', id: 'a', fraction: 0.6 });
    expect(stream.chunks.length).toBe(n + 1);
    p.onEvent({ type: 'failed', id: 'a', error: { reason: 'threw', message: 'x' }, message: 'x' });
    expect(stream.chunks.slice(-3)).toEqual(['\r\x1b[2K', '[1/3] a FAILED: x\n', '\r\x1b[2K[1/3] · 0.2s elapsed · ETA 0.0s']);
    p.finish(summary({ total: 3, failed: [{ id: 'a', error: { reason: 'threw', message: 'x' }, message: 'x' }], ok: false }));
    expect(stream.chunks.slice(-3)).toEqual(['\r\x1b[2K', 'Finished: 0 executed, 0 cached, 1 failed in 1.5s\n', '  ✗ a: x\n']);
  });

  it('truncates the status line to the terminal width', () => {
    const stream = new FakeStream(true, 30);
    const p = new ProgressDisplay({ stream, total: 1, jobs: 1, now: () => 0 });
    p.onEvent({ type: 'start', id: 'train:a-very-long-instance-id[eta=1]', key: 'k' });
    expect(p.statusLine()).toHaveLength(29);
    expect(p.statusLine().endsWith('…')).toBe(true);
  });
});

describe('summaryLines', () => {
  it('counts, lists failures and groups skipped stages by failed ancestor', () => {
    expect(
      summaryLines(
        summary({
          total: 10,
          executed: ['a', 'b'],
          hits: ['c', 'd', 'e'],
          failed: [{ id: 'f', error: { reason: 'worker-crashed', message: 'oom' }, message: 'worker crashed: oom' }],
          skipped: [
            { id: 'g', failedAncestor: 'f' },
            { id: 'h', failedAncestor: 'f' },
          ],
          rebuilt: [{ id: 'a', detail: 'x' }],
          cancelled: ['i', 'j'],
          aborted: true,
          ok: false,
          wallMs: 65_000,
        }),
      ),
    ).toEqual([
      'Interrupted: 2 executed, 3 cached, 1 rebuilt after corruption, 1 failed, 2 skipped, 2 cancelled in 1m05s',
      '  ✗ f: worker crashed: oom',
      '  ↷ 2 skipped because f failed',
    ]);
  });
});

describe('loadEstimates', () => {
  it('uses the last recorded wall time, else the mean of the kind, else the default', async () => {
    const insts = [...instances({ t1: [], t2: [], t3: [] }, 'train'), ...instances({ p1: [] }, 'plot')];
    const fp = computeFingerprint({ kind: 'train', params: {}, codeHash: '', depKeys: [], runtime: { backend: null, packages: {} } });
    const records: Record<string, number> = { t1: 1000, t2: 3000 };
    const cache = {
      lastRun: async (id: string): Promise<RunRecord | undefined> =>
        records[id] === undefined ? undefined : { id, key: fp.key, fingerprint: fp.fingerprint, wallMs: records[id], finishedAt: '', status: 'done' },
    } as unknown as Cache;
    const est = await loadEstimates(cache, insts);
    expect([est('t1'), est('t2'), est('t3'), est('p1')]).toEqual([1000, 3000, 2000, DEFAULT_ESTIMATE_MS]);
  });
});

describe('workProxy (rescaling recorded durations across profiles)', () => {
  it('is linear in steps, model size and dataset size, 1 where absent', async () => {
    const { workProxy } = await import('../../src/executor/progress.js');
    const quick = { model: { arch: 'fc2', width: 256 }, train: { steps: 150 } };
    const paper = { model: { arch: 'fc2', width: 5000 }, train: { steps: 1000 } };
    expect(workProxy(paper) / workProxy(quick)).toBeCloseTo((5000 * 1000) / (256 * 150), 9);
    expect(workProxy({ model: { arch: 'quadratic-bias', nPsi: 100, nPhi: 10 }, train: { steps: 10 } })).toBe(1100);
    expect(workProxy({ source: 'mnist', train: 128 })).toBe(128);
    expect(workProxy({ figure: 'x' })).toBe(1);
  });
});
