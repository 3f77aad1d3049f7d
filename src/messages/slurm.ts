/**
 * User-facing text of `--executor slurm`: the submitting side (run log lines,
 * failures, the unreachable-controller error) and the node side (`catapult exec`).
 */
import type { SlurmCallFailure } from '../executor/slurm/client.js';
import { formatDuration } from './engine.js';

const short = (key: string): string => key.slice(0, 12);

export const slurmMessages = {
  // ---- submitting side
  runFolder: (dir: string): string => `slurm: batch files and job logs in ${dir}`,
  submitted: (jobId: string, count: number, kind: string, first: string, args: readonly string[]): string =>
    `slurm: submitted ${count > 1 ? `array job ${jobId} (${count} ${kind} tasks, first ${first})` : `job ${jobId} (${first})`}: sbatch ${args.join(' ')}`,
  taskSubmitted: (jobId: string): string => `submitted as Slurm job ${jobId}`,
  taskState: (jobId: string, state: string): string => `Slurm job ${jobId}: ${state.toLowerCase()}`,
  submitLimit: (message: string, inflight: number): string =>
    `slurm: the cluster takes no more jobs from you right now (${message}); the rest is submitted, in smaller arrays, as jobs finish (${inflight} of this run's are queued or running)`,
  cancelling: (count: number): string => `slurm: cancelling ${count} job${count === 1 ? '' : 's'} (scancel)`,
  cancelFailed: (message: string): string => `slurm: scancel failed: ${message}; check with squeue --me`,
  pollFailed: (command: string, message: string, waitS: number): string =>
    `slurm: ${command} failed (${message}); retrying for up to ${waitS} s`,
  pollRecovered: (): string => 'slurm: the controller answers again',
  callFailure: (f: SlurmCallFailure): string => {
    switch (f.reason) {
      case 'not-installed':
        return `\`${f.command}\` is not installed or not on PATH: this machine is not a Slurm client (use --executor local, or run from a login node)`;
      case 'unreachable':
        return `the Slurm controller did not answer ${f.command}: ${f.message}`;
      case 'rejected':
        return `${f.command} refused: ${f.message}`;
    }
  },
  controllerGone: (seconds: number, last: string): string =>
    `the Slurm controller has not answered for ${seconds} s (last error: ${last}); giving up. This run's jobs were asked to cancel; cached results are kept, rerun to resume.`,
  notStarted: (detail: string): string => `cannot use --executor slurm: ${detail}`,
  noAnswer: (ms: number): string => `no answer within ${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`,
  vanished: (): string => 'Slurm no longer knows the job and it left no result',
  // ---- node side (catapult exec)
  batchUnreadable: (file: string, why: string): string => `cannot read batch file ${file}: ${why}`,
  batchVersion: (file: string, got: unknown, want: number): string =>
    `batch file ${file} has format version ${JSON.stringify(got)}, this catapult reads ${want} (submitted by another catapult version?)`,
  noSuchTask: (file: string, index: number, count: number): string => `batch file ${file} has ${count} task(s); there is no index ${index}`,
  codeChanged: (kind: string, submitted: string, here: string): string =>
    `the ${kind} stage's source on this node (code hash ${short(here)}) differs from the one the job was submitted for (${short(submitted)}): the checkout changed after submission; rerun catapult to resubmit with the new keys`,
  inputMissing: (id: string, key: string, detail: string): string =>
    `input ${id} (key ${short(key)}) is not readable in the shared cache: ${detail}. Is the cache directory on a filesystem this node shares?`,
  execStart: (id: string, key: string, host: string, jobId: string | null): string =>
    `catapult exec: ${id} (key ${short(key)}) on ${host}${jobId ? `, Slurm job ${jobId}` : ''}`,
  execDone: (id: string, key: string, ms: number, already: boolean): string =>
    already ? `catapult exec: ${id}: already in the cache (key ${short(key)}), nothing to do` : `catapult exec: ${id}: stored ${short(key)} after ${formatDuration(ms)}`,
  execFailed: (id: string, message: string): string => `catapult exec: ${id} FAILED: ${message}`,
  execUsage: (): string => 'usage: catapult exec <batch.json> [--index N]  (run by Slurm jobs; see `catapult run --executor slurm`)',
  badIndex: (text: string): string => `--index must be a non-negative integer, got \`${text}\``,
};
