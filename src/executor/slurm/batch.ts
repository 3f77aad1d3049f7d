/**
 * What the submitting process hands a compute node: a batch file (JSON, one
 * per sbatch call) listing the stage instances of one job or job array, and
 * the job script that runs `catapult exec <batch> --index $SLURM_ARRAY_TASK_ID`.
 *
 * Both live in the run's folder on the shared cache filesystem:
 *
 *   <cache>/slurm/<run id>/batch-<n>.json   the tasks (instance, target key, input keys)
 *   <cache>/slurm/<run id>/batch-<n>.sh     the job script
 *   <cache>/slurm/<run id>/logs/<job>.log   stdout + stderr of each job / array task
 *   <cache>/slurm/<run id>/results/<key>.json  what each task reported (ok, error, host, wall time)
 *
 * The node needs nothing else: no config, no graph. Inputs are read from the
 * shared cache by key and verified; the result is written there with the
 * cache's atomic protocol.
 */
import path from 'node:path';
import type { Fingerprint } from '../../cache/fingerprint.js';
import type { JsonValue } from '../../core/json.js';
import type { StageInstance, StageKind } from '../../core/stage.js';

export const BATCH_VERSION = 1;

/** One stage instance to run on a node. */
export interface TaskSpec {
  readonly instance: StageInstance;
  /** Where to store the result (differs from the instance's own key on partial inputs). */
  readonly key: string;
  readonly fingerprint: Fingerprint;
  readonly replace: boolean;
  /** The inputs, by the keys of the entries the executor read them from. */
  readonly inputs: readonly { readonly id: string; readonly kind: StageKind; readonly key: string }[];
}

export interface BatchFile {
  readonly version: number;
  readonly runId: string;
  readonly cacheDir: string;
  readonly repoRoot: string;
  readonly dataRoot: string;
  readonly offline: boolean;
  /** Handed to the registry's `prepareWorker` (the backend the keys were computed for). */
  readonly workerOptions: JsonValue;
  readonly tasks: readonly TaskSpec[];
}

/** What `catapult exec` leaves in `results/<key>.json` for the submitting process. */
export interface TaskReport {
  readonly ok: boolean;
  readonly id: string;
  readonly key: string;
  readonly host: string;
  readonly jobId: string | null;
  readonly wallMs: number;
  /** The entry was already there (another job or an earlier run wrote it first). */
  readonly alreadyCached?: boolean;
  readonly error?: string;
}

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The job script. Options go on the sbatch command line (visible in the run
 * log), so the script only changes directory and execs catapult; the array
 * index selects the task (0 for a plain job).
 */
export function jobScript(p: { readonly command: readonly string[]; readonly repoRoot: string; readonly batchFile: string; readonly description: string }): string {
  const argv = [...p.command, 'exec', p.batchFile].map(shQuote).join(' ');
  return [
    '#!/bin/sh',
    `# catapult: ${p.description.replace(/\n/g, ' ')}`,
    `cd ${shQuote(p.repoRoot)} || exit 3`,
    '# onnxruntime uses the CPUs Slurm gave the task',
    'export CATAPULT_ORT_THREADS="${CATAPULT_ORT_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"',
    `exec ${argv} --index "\${SLURM_ARRAY_TASK_ID:-0}"`,
    '',
  ].join('\n');
}

/** Result report path of a task. */
export function reportPath(runDir: string, key: string): string {
  return path.join(runDir, 'results', `${key}.json`);
}
