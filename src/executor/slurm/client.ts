/**
 * The Slurm commands catapult uses — sbatch, squeue, scontrol, scancel —
 * behind a small interface, so the runner can be tested against a scripted
 * fake and every call has a timeout (a dead controller must never hang a run).
 *
 * Job state comes from `squeue` while a job is queued or running and from
 * `scontrol show job` once it has left the queue (state and exit code);
 * `sacct` is not used because clusters without accounting do not have it.
 */
import { execFile } from 'node:child_process';
import { err, ok, type Result } from '../../core/result.js';
import { slurmMessages } from '../../messages/slurm.js';

/** Why a Slurm command did not give an answer. */
export type SlurmCallFailure =
  /** The command is not on PATH: this machine is not a Slurm client. */
  | { readonly reason: 'not-installed'; readonly command: string }
  /** The controller did not answer (connection refused, timed out). */
  | { readonly reason: 'unreachable'; readonly command: string; readonly message: string }
  /** The controller answered no (bad partition, bad option, unknown job). */
  | { readonly reason: 'rejected'; readonly command: string; readonly message: string };

/** One job (or array task) as `scontrol show job` reports it. */
export interface JobRecord {
  /** `123_4` for array task 4 of array job 123, else `123`. */
  readonly id: string;
  readonly state: string;
  /** `code:signal`, e.g. `0:0`, `1:0`, `0:15`. */
  readonly exitCode: string;
  readonly reason: string;
  readonly stdout: string | null;
}

export interface SlurmClient {
  /** `sbatch --parsable ARGS`; the job id. */
  submit(args: readonly string[]): Promise<Result<string, SlurmCallFailure>>;
  /** States of this user's queued and running jobs, array tasks one per id (`squeue --me -r`). */
  queue(): Promise<Result<Map<string, string>, SlurmCallFailure>>;
  /** Every task of a job (`scontrol -o show job ID`); empty when Slurm no longer knows it. */
  show(jobId: string): Promise<Result<JobRecord[], SlurmCallFailure>>;
  cancel(ids: readonly string[]): Promise<Result<void, SlurmCallFailure>>;
  /** Is the controller up? (`scontrol ping`) */
  ping(): Promise<Result<void, SlurmCallFailure>>;
}

/** Texts Slurm prints when it cannot reach slurmctld (22.05–24.x). */
const UNREACHABLE = /Unable to contact slurm controller|Socket timed out|Connection refused|Zero Bytes were transmitted|Communication connection failure|Slurmctld\(primary\) at \S+ is DOWN|slurm_persist_conn_open|Unable to establish connection|munge|Invalid authentication credential/i;

const INVALID_JOB = /Invalid job id specified/i;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
  readonly timedOut: boolean;
}

function run(cmd: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (Omit<NodeJS.ErrnoException, 'code'> & { code?: number | string; killed?: boolean; signal?: string | null }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        missing: e?.code === 'ENOENT',
        timedOut: e?.killed === true && e.signal === 'SIGTERM',
      });
    });
  });
}

/** A `KEY=value` field of `scontrol -o` output (values have no spaces except in a few fields we do not read). */
function field(line: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line);
  return m ? m[1]! : null;
}

/** Parses `scontrol -o show job` output; lines of still-unsplit pending array ranges (`ArrayTaskId=2-5`) are skipped. */
export function parseScontrol(text: string): JobRecord[] {
  const out: JobRecord[] = [];
  for (const line of text.split('\n')) {
    const jobId = field(line, 'JobId');
    if (!jobId) continue;
    const arrayJob = field(line, 'ArrayJobId');
    const task = field(line, 'ArrayTaskId');
    if (task !== null && !/^\d+$/.test(task)) continue;
    out.push({
      id: arrayJob !== null && task !== null ? `${arrayJob}_${task}` : jobId,
      state: field(line, 'JobState') ?? 'UNKNOWN',
      exitCode: field(line, 'ExitCode') ?? '?',
      reason: field(line, 'Reason') ?? '',
      stdout: field(line, 'StdOut'),
    });
  }
  return out;
}

/** Parses `squeue -h -r -o %i|%T` output into id → state. */
export function parseSqueue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) out.set(id, state);
  }
  return out;
}

/** The real commands, found on PATH, each call bounded by `timeoutMs`. */
export class CommandSlurmClient implements SlurmClient {
  constructor(
    private readonly options: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {},
  ) {}

  private async call(cmd: string, args: readonly string[]): Promise<Result<string, SlurmCallFailure>> {
    const r = await run(cmd, args, this.options.timeoutMs ?? 60_000, this.options.env ?? process.env);
    if (r.missing) return err({ reason: 'not-installed', command: cmd });
    const text = `${r.stderr}\n${r.stdout}`.trim();
    if (r.timedOut) return err({ reason: 'unreachable', command: cmd, message: slurmMessages.noAnswer(this.options.timeoutMs ?? 60_000) });
    if (r.code !== 0) {
      const message = r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`;
      return err({ reason: UNREACHABLE.test(text) ? 'unreachable' : 'rejected', command: cmd, message });
    }
    return ok(r.stdout);
  }

  async submit(args: readonly string[]): Promise<Result<string, SlurmCallFailure>> {
    const r = await this.call('sbatch', ['--parsable', ...args]);
    if (!r.ok) return r;
    const id = r.value.trim().split(';')[0]!; // `id` or `id;cluster`
    if (!/^\d+$/.test(id)) return err({ reason: 'rejected', command: 'sbatch', message: `unexpected output: ${r.value.trim()}` });
    return ok(id);
  }

  async queue(): Promise<Result<Map<string, string>, SlurmCallFailure>> {
    const r = await this.call('squeue', ['--me', '-h', '-r', '-o', '%i|%T']);
    return r.ok ? ok(parseSqueue(r.value)) : r;
  }

  async show(jobId: string): Promise<Result<JobRecord[], SlurmCallFailure>> {
    const r = await this.call('scontrol', ['-o', 'show', 'job', jobId]);
    if (!r.ok) return r.error.reason === 'rejected' && INVALID_JOB.test(r.error.message) ? ok([]) : r;
    return ok(parseScontrol(r.value));
  }

  async cancel(ids: readonly string[]): Promise<Result<void, SlurmCallFailure>> {
    if (ids.length === 0) return ok(undefined);
    const r = await this.call('scancel', [...ids]);
    return r.ok ? ok(undefined) : r;
  }

  async ping(): Promise<Result<void, SlurmCallFailure>> {
    const r = await this.call('scontrol', ['ping']);
    if (!r.ok) return r;
    const down = /^.*is DOWN.*$/m.exec(r.value);
    if (down) return err({ reason: 'unreachable', command: 'scontrol', message: down[0].trim() });
    return ok(undefined);
  }
}
