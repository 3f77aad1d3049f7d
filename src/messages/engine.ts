/**
 * User-facing text of the engine (cache, fingerprints, executor, progress).
 * Kept as functions so tests can assert exact wording and the CLI, plan and
 * explain all say the same thing the same way.
 */
import type { FieldChange, FingerprintChange } from '../cache/fingerprint.js';

/** `1.2s`, `59.9s`, `1m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

/** `12 B`, `3.4 KiB`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

const short = (hash: string | null | undefined): string => (hash == null ? 'none' : hash.slice(0, 12));
const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** Details of a cache entry that failed verification (the `detail` of a `corrupt` read). */
export const cacheMessages = {
  manifestMissing: (): string => 'manifest.json is missing (the entry was never completed)',
  manifestUnreadable: (why: string): string => `manifest.json cannot be read: ${why}`,
  manifestInvalidJson: (why: string): string => `manifest.json is not valid JSON: ${why}`,
  manifestNotObject: (): string => 'manifest.json is not a JSON object',
  manifestVersion: (v: unknown): string => `manifest.json has unsupported version ${JSON.stringify(v)}`,
  manifestKeyMismatch: (found: string, expected: string): string =>
    `manifest.json names key ${short(found)}…, expected ${short(expected)}…`,
  manifestField: (field: string): string => `manifest.json has a missing or malformed field: ${field}`,
  fileMissing: (name: string, why: string): string => `${name} listed in the manifest cannot be read: ${why}`,
  sizeMismatch: (name: string, expected: number, actual: number): string =>
    `${name} has ${actual} bytes, the manifest says ${expected}`,
  checksumMismatch: (name: string, expected: string, actual: string): string =>
    `${name} has SHA-256 ${short(actual)}…, the manifest says ${short(expected)}…`,
  resultInvalidJson: (why: string): string => `result.json is not valid JSON: ${why}`,
  badKey: (key: string): string => `not a cache key: ${JSON.stringify(key)}`,
  badFileName: (name: string): string =>
    `stage output file name ${JSON.stringify(name)} is not allowed (use letters, digits, '.', '_', '-'; not manifest.json or result.json)`,
  resultNotJson: (why: string): string => `stage result cannot be written as JSON: ${why}`,
  lostRaceToCorrupt: (detail: string): string => `another writer created this entry but it does not verify: ${detail}`,
};

function describeField(f: FieldChange): string {
  return `${f.path === '' ? '(params)' : f.path}: ${show(f.old)} → ${show(f.now)}`;
}

/** One line per reason, as `plan` prints after an instance id ("why would it run"). */
export function describeChange(change: FingerprintChange): string {
  switch (change.reason) {
    case 'new':
      return 'new (never run)';
    case 'scheme':
      return `hashing scheme changed: v${change.old} → v${change.now}`;
    case 'kind':
      return `stage kind changed: ${change.old} → ${change.now}`;
    case 'params':
      return `params changed: ${change.fields.map(describeField).join(', ')}`;
    case 'inputs': {
      // A metrics stage reads hundreds of runs: name a few, count the rest.
      const shown = change.inputs.slice(0, 3).map((i) => `${i.id ?? `#${i.index}`} (${short(i.old)} → ${short(i.now)})`);
      const more = change.inputs.length - shown.length;
      return `input changed: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    }
    case 'code':
      return `code changed: ${short(change.old)} → ${short(change.now)}`;
    case 'backend':
      return `backend changed: ${change.old ?? 'none'} → ${change.now ?? 'none'}`;
    case 'packages':
      return `package versions changed: ${change.packages
        .map((p) => `${p.name} ${p.old ?? '(absent)'} → ${p.now ?? '(absent)'}`)
        .join(', ')}`;
  }
}

/** Text of a stage failure for the summary and the progress log. */
export const executorMessages = {
  threw: (message: string): string => message,
  aborted: (): string => 'aborted',
  workerCrashed: (message: string): string => `worker crashed: ${message}`,
  workerInitFailed: (message: string): string => `worker failed to start: ${message}`,
  unknownKind: (kind: string): string => `no implementation registered for stage kind "${kind}"`,
  cacheWrite: (detail: string): string => `could not write the cache entry: ${detail}`,
  remoteEntryUnreadable: (detail: string): string => `the entry the job stored in the shared cache does not verify: ${detail}`,
  submitFailed: (message: string): string => `could not submit the job: ${message}`,
  remoteFailed: (f: { jobId: string; state: string; exitCode: string; log: string; message?: string }): string =>
    `Slurm job ${f.jobId} ${f.state} (exit code ${f.exitCode})${f.message !== undefined ? `: ${f.message}` : ''}; log: ${f.log}`,
  remoteMissing: (jobId: string, detail: string, log: string): string =>
    `Slurm job ${jobId} completed but left no cache entry (${detail}); log: ${log}`,
  missingKey: (id: string): string => `execution plan has no key for instance ${id}`,
  missingDep: (id: string, dep: string): string => `instance ${id} depends on ${dep}, which is not in the execution plan`,
  duplicateId: (id: string): string => `instance id ${id} appears twice in the execution plan`,
  cycle: (ids: readonly string[]): string => `dependency cycle: ${ids.join(' → ')}`,
};

/** Lines of the progress display and the end-of-run summary. */
export const progressMessages = {
  done: (n: number, total: number, id: string, ms: number): string => `[${n}/${total}] ${id} done in ${formatDuration(ms)}`,
  failed: (n: number, total: number, id: string, error: string): string => `[${n}/${total}] ${id} FAILED: ${error}`,
  skipped: (n: number, total: number, id: string, ancestor: string): string =>
    `[${n}/${total}] ${id} skipped (depends on failed ${ancestor})`,
  cancelled: (n: number, total: number, id: string): string => `[${n}/${total}] ${id} cancelled`,
  corrupt: (id: string, detail: string): string => `warning: cache entry of ${id} is corrupt (${detail}); discarded, rebuilding`,
  statusLine: (p: {
    done: number;
    total: number;
    hits: number;
    running: readonly string[];
    elapsedMs: number;
    etaMs: number | undefined;
  }): string => {
    const parts = [`[${p.done}/${p.total}]`];
    if (p.hits > 0) parts.push(`${p.hits} cached`);
    parts.push(`${formatDuration(p.elapsedMs)} elapsed`);
    if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
    if (p.running.length > 0) parts.push(`running ${p.running.length}: ${p.running.join(', ')}`);
    return parts.join(' · ');
  },
  summary: (s: {
    executed: number;
    hits: number;
    failed: number;
    skipped: number;
    cancelled: number;
    rebuilt: number;
    wallMs: number;
    aborted: boolean;
  }): string => {
    const parts = [`${s.executed} executed`, `${s.hits} cached`];
    if (s.rebuilt > 0) parts.push(`${s.rebuilt} rebuilt after corruption`);
    if (s.failed > 0) parts.push(`${s.failed} failed`);
    if (s.skipped > 0) parts.push(`${s.skipped} skipped`);
    if (s.cancelled > 0) parts.push(`${s.cancelled} cancelled`);
    return `${s.aborted ? 'Interrupted' : 'Finished'}: ${parts.join(', ')} in ${formatDuration(s.wallMs)}`;
  },
  failureDetail: (id: string, error: string): string => `  ✗ ${id}: ${error}`,
  skippedDetail: (count: number, ancestor: string): string =>
    `  ↷ ${count} skipped because ${ancestor} failed`,
};
