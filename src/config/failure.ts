/**
 * Located config errors and their rendering:
 *
 *     pipeline.yaml:12:5 error: unknown key `dropuot` in experiments.zhu-fig3.train; did you mean `dropout`?
 *       12 |     dropuot: 0.1
 *          |     ^^^^^^^
 *
 * A failure carries its own `SourceRange` (including the text of the first
 * line), so it can be formatted — or sent across a worker boundary — without
 * the source it came from.
 */
import * as msg from '../messages/config.js';
import type { Origin, Source } from './tree.js';

/** Exit code of `catapult` when the configuration is invalid. */
export const CONFIG_ERROR_EXIT = 2;

/** Why a config failed, for callers that branch on the kind of problem. */
export type ConfigFailureReason =
  | 'io'
  | 'yaml'
  | 'schema'
  | 'reference'
  | 'cycle'
  | 'empty-matrix'
  | 'grid-too-large'
  | 'duplicate-claim'
  | 'no-experiments'
  | 'unknown-profile'
  | 'profile-key'
  | 'set'
  | 'semantic';

/**
 * A span of source text, 1-based lines and columns (`endCol` exclusive).
 * `origin` says whether the text is the pipeline file, a `--set` argument
 * (shown as `--set a.b=1`) or an environment variable (`NAME=value`).
 */
export interface SourceRange {
  readonly file: string;
  readonly origin: 'file' | 'set' | 'env';
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  /** The full text of `line`, for the squiggle. */
  readonly lineText: string;
  /** Character offset of the start, for sorting. */
  readonly offset: number;
  /** Sources sort file first, then env, then --set arguments in order. */
  readonly order: number;
}

/** One config error. `range` is absent only for failures with no source (an unreadable file). */
export interface ConfigFailure {
  readonly reason: ConfigFailureReason;
  readonly message: string;
  /** The pipeline file as given (for the summary line). */
  readonly file: string;
  /** The dotted config path the error is about, when there is one. */
  readonly path?: string;
  readonly range?: SourceRange;
}

function lineStarts(source: Source): number[] {
  if (source.lineStarts === undefined) {
    const starts = [0];
    const t = source.text;
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) starts.push(i + 1);
    source.lineStarts = starts;
  }
  return source.lineStarts;
}

/** 1-based line and column of an offset. */
function position(source: Source, offset: number): { line: number; col: number } {
  const starts = lineStarts(source);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
}

export function rangeOf(at: Origin): SourceRange {
  const source = at.source;
  const start = Math.min(at.start, source.text.length);
  const end = Math.max(start, Math.min(at.end, source.text.length));
  const s = position(source, start);
  const e = position(source, end);
  const starts = lineStarts(source);
  const ls = starts[s.line - 1] ?? 0;
  const next = starts[s.line];
  let lineText = source.text.slice(ls, next === undefined ? undefined : next - 1);
  if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
  return {
    file: source.name,
    origin: source.kind,
    line: s.line,
    col: s.col,
    endLine: e.line,
    endCol: e.col,
    lineText,
    offset: start,
    order: source.order,
  };
}

export function failure(
  reason: ConfigFailureReason,
  message: string,
  file: string,
  at: Origin | undefined,
  path?: string,
): ConfigFailure {
  return {
    reason,
    message,
    file,
    ...(path === undefined ? {} : { path }),
    ...(at === undefined ? {} : { range: rangeOf(at) }),
  };
}

/** Sorts by source (file, env, --set) then position; stable for equal positions. */
export function sortFailures(failures: readonly ConfigFailure[]): ConfigFailure[] {
  return failures
    .map((f, i) => ({ f, i }))
    .sort((a, b) => {
      const ra = a.f.range;
      const rb = b.f.range;
      if (ra === undefined || rb === undefined) return ra === rb ? a.i - b.i : ra === undefined ? 1 : -1;
      return ra.order - rb.order || ra.offset - rb.offset || a.i - b.i;
    })
    .map((x) => x.f);
}

/** Removes failures with the same location and message (a template error seen through several experiments). */
export function dedupeFailures(failures: readonly ConfigFailure[]): ConfigFailure[] {
  const seen = new Set<string>();
  const out: ConfigFailure[] = [];
  for (const f of failures) {
    const r = f.range;
    const key = `${r?.order ?? -1}:${r?.offset ?? -1}:${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function formatOne(f: ConfigFailure, color: boolean): string {
  const r = f.range;
  const label = paint(color, '1;31', 'error:');
  const message = paint(color, '1', f.message);
  if (r === undefined) return `${f.file}: ${label} ${message}`;
  const width = r.endLine > r.line ? Math.max(1, r.lineText.length - (r.col - 1)) : Math.max(1, r.endCol - r.col);
  // Never underline past the end of the line (trailing whitespace and the newline are not the node).
  const visible = r.lineText.slice(r.col - 1).replace(/\s+$/, '').length;
  const carets = '^'.repeat(Math.max(1, Math.min(width, visible)));
  const pad = r.lineText.slice(0, r.col - 1).replace(/[^\t]/g, ' ');
  if (r.origin === 'file') {
    const num = String(r.line);
    const gutter = ' '.repeat(num.length);
    return [
      `${r.file}:${r.line}:${r.col} ${label} ${message}`,
      paint(color, '36', `  ${num} |`) + ` ${r.lineText}`,
      paint(color, '36', `  ${gutter} |`) + ` ${pad}${paint(color, '31', carets)}`,
    ].join('\n');
  }
  return [`${r.file}: ${message}`, `  ${r.lineText}`, `  ${pad}${paint(color, '31', carets)}`].join('\n');
}

/**
 * Renders failures (in the order given) followed by `N errors in FILE`.
 * With `color`, uses ANSI bold/red/cyan; the text is otherwise identical.
 */
export function formatConfigFailures(failures: readonly ConfigFailure[], opts: { color?: boolean } = {}): string {
  const color = opts.color ?? false;
  if (failures.length === 0) return '';
  const blocks = failures.map((f) => formatOne(f, color));
  const file = failures[0]?.file ?? 'pipeline.yaml';
  return `${blocks.join('\n\n')}\n\n${msg.errorSummary(failures.length, file)}\n`;
}
