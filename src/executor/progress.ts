import type { Cache } from '../cache/store.js';
import type { StageInstance } from '../core/stage.js';
import { formatDuration, progressMessages as M } from '../messages/engine.js';
import type { ExecutorEvent, RunSummary } from './types.js';

/** Used for a stage never run before and with no recorded run of its kind. */
export const DEFAULT_ESTIMATE_MS = 1000;

/** The part of a writable stream the display uses (a fake in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** Number of instances in the plan. */
  readonly total: number;
  readonly jobs: number;
  /** Expected wall time of one instance (see {@link loadEstimates}). */
  readonly estimateMs?: (id: string) => number;
  /** Live status line (default: `stream.isTTY`); otherwise one plain line per finished stage. */
  readonly tty?: boolean;
  /** Clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
  /** Minimum time between two redraws of the status line (default 100 ms). */
  readonly minRedrawMs?: number;
  /**
   * Show an ETA (default true). Off for Slurm runs: how many jobs the
   * cluster runs at once, and how fast its nodes are, is unknown here.
   */
  readonly eta?: boolean;
}

/**
 * A rough measure of a stage's work from its params — steps × model size ×
 * examples — so a duration recorded under one profile can be rescaled to
 * another (the same stage id under `--profile quick` and at paper scale
 * differs by orders of magnitude). A heuristic, not a cost model: linear in
 * each factor, 1 where a factor is absent.
 */
export function workProxy(params: unknown): number {
  const p = (params ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
  const model = (typeof p['model'] === 'object' && p['model'] !== null ? p['model'] : {}) as Record<string, unknown>;
  const psi = (num(model['nPsi']) ?? 0) + (num(model['nPhi']) ?? 0);
  const size = num(model['width']) ?? num(model['channels']) ?? num(model['n']) ?? (psi || undefined) ?? num(model['d']) ?? 1;
  // a train stage's `train` is its TrainSpec (steps); a real dataset's `train` is its size
  const train = p['train'];
  const steps = typeof train === 'object' && train !== null ? (num((train as Record<string, unknown>)['steps']) ?? 1) : 1;
  const examples = num(train) ?? 1;
  return size * steps * examples;
}

/**
 * Expected duration per instance id from the run index: its last recorded
 * wall time — rescaled by {@link workProxy} when its params changed since
 * (e.g. recorded under `--profile quick`, planned at paper scale) — else the
 * mean of recorded runs of the same kind in this plan, else
 * {@link DEFAULT_ESTIMATE_MS}. Feeds the ETA and `plan`'s estimate.
 */
export async function loadEstimates(
  cache: Cache,
  instances: readonly StageInstance[],
): Promise<(id: string) => number> {
  const known = new Map<string, number>();
  const byKind = new Map<string, { sum: number; n: number }>();
  const kindOf = new Map(instances.map((i) => [i.id, i.kind] as const));
  const records = await Promise.all(instances.map((i) => cache.lastRun(i.id)));
  instances.forEach((inst, idx) => {
    const r = records[idx];
    if (!r) return;
    const ratio = workProxy(inst.params) / workProxy(r.fingerprint.params);
    const ms = r.wallMs * Math.min(Math.max(ratio, 1e-3), 1e4);
    known.set(inst.id, ms);
    const k = byKind.get(inst.kind) ?? { sum: 0, n: 0 };
    byKind.set(inst.kind, { sum: k.sum + ms, n: k.n + 1 });
  });
  return (id) => {
    const ms = known.get(id);
    if (ms !== undefined) return ms;
    const k = byKind.get(kindOf.get(id) ?? '');
    return k && k.n > 0 ? k.sum / k.n : DEFAULT_ESTIMATE_MS;
  };
}

/**
 * The run display. On a TTY: one status line redrawn in place (done/total,
 * cache hits, elapsed, ETA, running stage ids), with failures and warnings
 * printed above it. Otherwise: a plain line per finished, failed or skipped
 * stage (`[12/40] train:… done in 1.2s`), suitable for CI logs.
 */
export class ProgressDisplay {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private readonly running = new Map<string, number>();
  private readonly pending = new Set<string>();
  private done = 0;
  private hits = 0;
  private lastDraw = -Infinity;
  private lineShown = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Redraws the TTY line periodically so elapsed/ETA tick while stages run (unref'd). */
  startTicker(intervalMs = 500): void {
    if (!this.tty || this.timer) return;
    this.timer = setInterval(() => this.render(true), intervalMs);
    this.timer.unref?.();
  }

  private estimate(id: string): number {
    return this.options.estimateMs?.(id) ?? DEFAULT_ESTIMATE_MS;
  }

  /** Remaining wall time: queued work plus the rest of running work, spread over `jobs`. */
  etaMs(): number {
    const t = this.now();
    let work = 0;
    for (const id of this.pending) work += this.estimate(id);
    for (const [id, start] of this.running) work += Math.max(0, this.estimate(id) - (t - start));
    return work / Math.max(1, this.options.jobs);
  }

  statusLine(): string {
    const line = M.statusLine({
      done: this.done,
      total: this.options.total,
      hits: this.hits,
      running: [...this.running.keys()],
      elapsedMs: this.now() - this.started,
      etaMs: this.done === this.options.total || this.options.eta === false ? undefined : this.etaMs(),
    });
    const cols = this.options.stream.columns ?? 0;
    return cols > 1 && line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line;
  }

  /** Draws the status line (TTY only), at most every `minRedrawMs` unless `force`. */
  render(force = false): void {
    if (!this.tty) return;
    const t = this.now();
    if (!force && t - this.lastDraw < (this.options.minRedrawMs ?? 100)) return;
    this.lastDraw = t;
    this.options.stream.write(`\r\x1b[2K${this.statusLine()}`);
    this.lineShown = true;
  }

  /** A line from the runner (e.g. Slurm job ids), printed above the status line. */
  note(line: string): void {
    this.print(line);
  }

  /** Prints a permanent line (above the status line on a TTY). */
  private print(line: string): void {
    if (this.tty && this.lineShown) this.options.stream.write('\r\x1b[2K');
    this.options.stream.write(`${line}\n`);
    this.lineShown = false;
    if (this.tty) this.render(true);
  }

  onEvent(e: ExecutorEvent): void {
    const total = this.options.total;
    switch (e.type) {
      case 'queued':
        this.pending.add(e.id);
        return;
      case 'cache-hit':
        this.pending.delete(e.id);
        this.done++;
        this.hits++;
        this.render();
        return;
      case 'corrupt-rebuilt':
        this.print(M.corrupt(e.id, e.detail));
        return;
      case 'start':
        this.pending.delete(e.id);
        this.running.set(e.id, this.now());
        this.render();
        return;
      case 'progress':
      case 'log':
        this.render();
        return;
      case 'done':
        this.running.delete(e.id);
        this.done++;
        if (this.tty) this.render(true);
        else this.print(M.done(this.done, total, e.id, e.wallMs));
        return;
      case 'failed':
        this.running.delete(e.id);
        this.done++;
        this.print(M.failed(this.done, total, e.id, e.message));
        return;
      case 'skipped':
        this.pending.delete(e.id);
        this.done++;
        if (!this.tty) this.print(M.skipped(this.done, total, e.id, e.failedAncestor));
        else this.render();
        return;
      case 'cancelled':
        this.pending.delete(e.id);
        this.running.delete(e.id);
        this.done++;
        if (!this.tty) this.print(M.cancelled(this.done, total, e.id));
        else this.render();
        return;
    }
  }

  /** Stops the ticker, clears the status line, prints the summary and the failures. */
  finish(summary: RunSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.lineShown) this.options.stream.write('\r\x1b[2K');
    this.lineShown = false;
    for (const line of summaryLines(summary)) this.options.stream.write(`${line}\n`);
  }
}

/** The end-of-run summary: one counts line, then each failure and each group of skipped stages. */
export function summaryLines(s: RunSummary): string[] {
  const lines = [
    M.summary({
      executed: s.executed.length,
      hits: s.hits.length,
      failed: s.failed.length,
      skipped: s.skipped.length,
      cancelled: s.cancelled.length,
      rebuilt: s.rebuilt.length,
      wallMs: s.wallMs,
      aborted: s.aborted,
    }),
  ];
  for (const f of s.failed) lines.push(M.failureDetail(f.id, f.message));
  const byAncestor = new Map<string, number>();
  for (const k of s.skipped) byAncestor.set(k.failedAncestor, (byAncestor.get(k.failedAncestor) ?? 0) + 1);
  for (const [anc, n] of byAncestor) lines.push(M.skippedDetail(n, anc));
  return lines;
}

export { formatDuration };
