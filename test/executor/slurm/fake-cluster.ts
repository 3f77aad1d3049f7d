/**
 * A scripted Slurm for runner tests: sbatch records the call and queues the
 * tasks PENDING; each squeue call moves the cluster one tick — PENDING → RUNNING
 * → (the task really runs `execTask` against the shared cache, like a node) →
 * COMPLETED / FAILED — unless a test holds a task or takes the controller down.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { err, ok, type Result } from '../../../src/core/result.js';
import type { JobRecord, SlurmCallFailure, SlurmClient } from '../../../src/executor/slurm/client.js';
import { execTask } from '../../../src/executor/slurm/exec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FAKE_REGISTRY = pathToFileURL(path.join(here, '..', 'fixtures', 'slurm-registry.mjs'));

interface FakeTask {
  id: string;
  batchFile: string;
  index: number;
  state: string;
  exitCode: string;
  hold: boolean;
}

export class FakeCluster implements SlurmClient {
  readonly submits: string[][] = [];
  readonly cancels: string[][] = [];
  readonly tasks = new Map<string, FakeTask>();
  readonly logs: string[] = [];
  /** When true every call answers like a dead controller. */
  down = false;
  /** Forget finished jobs (as after MinJobAge) so scontrol no longer knows them. */
  purge = false;
  /** Most unfinished tasks the "QOS" accepts; sbatch beyond it is refused like a MaxSubmitJobs limit. */
  submitLimit = Infinity;
  readonly refusals: number[] = [];
  /** Skip running the task: COMPLETED without an entry (a broken node). */
  completeWithoutRunning = new Set<string>();
  private next = 100;

  constructor(private readonly codeHash: string) {}

  private unreachable(command: string): Result<never, SlurmCallFailure> {
    return err({ reason: 'unreachable', command, message: 'Unable to contact slurm controller (connect failure)' });
  }

  async submit(args: readonly string[]): Promise<Result<string, SlurmCallFailure>> {
    if (this.down) return this.unreachable('sbatch');
    if (args.some((a) => a === '--partition=nope')) return err({ reason: 'rejected', command: 'sbatch', message: 'sbatch: error: invalid partition specified: nope' });
    const arr = args.find((a) => a.startsWith('--array='));
    const count = arr ? Number(/^--array=0-(\d+)/.exec(arr)![1]) + 1 : 1;
    const unfinished = [...this.tasks.values()].filter((t) => t.state === 'PENDING' || t.state === 'RUNNING').length;
    if (unfinished + count > this.submitLimit) {
      this.refusals.push(count);
      return err({ reason: 'rejected', command: 'sbatch', message: 'sbatch: error: QOSMaxSubmitJobPerUserLimit' });
    }
    this.submits.push([...args]);
    const id = String(this.next++);
    const script = args[args.length - 1]!;
    const batchFile = script.replace(/\.sh$/, '.json');
    for (let i = 0; i < count; i++) {
      const tid = arr ? `${id}_${i}` : id;
      this.tasks.set(tid, { id: tid, batchFile, index: i, state: 'PENDING', exitCode: '0:0', hold: false });
    }
    return ok(id);
  }

  /** Keeps a task RUNNING until released. */
  hold(id: string): void {
    this.tasks.get(id)!.hold = true;
  }

  async queue(): Promise<Result<Map<string, string>, SlurmCallFailure>> {
    if (this.down) return this.unreachable('squeue');
    const out = new Map<string, string>();
    for (const t of this.tasks.values()) {
      if (t.state === 'PENDING') t.state = 'RUNNING';
      else if (t.state === 'RUNNING' && !t.hold) await this.runTask(t);
      if (t.state === 'PENDING' || t.state === 'RUNNING') out.set(t.id, t.state);
    }
    return ok(out);
  }

  private async runTask(t: FakeTask): Promise<void> {
    if (this.completeWithoutRunning.has(t.id)) {
      t.state = 'COMPLETED';
      return;
    }
    const r = await execTask(t.batchFile, t.index, { registryModule: FAKE_REGISTRY, codeHash: () => this.codeHash, log: (l) => this.logs.push(l) });
    t.state = r.ok ? 'COMPLETED' : 'FAILED';
    t.exitCode = r.ok ? '0:0' : '1:0';
  }

  async show(jobId: string): Promise<Result<JobRecord[], SlurmCallFailure>> {
    if (this.down) return this.unreachable('scontrol');
    if (this.purge) return ok([]);
    return ok(
      [...this.tasks.values()]
        .filter((t) => t.id === jobId || t.id.startsWith(`${jobId}_`))
        .map((t) => ({ id: t.id, state: t.state, exitCode: t.exitCode, reason: 'None', stdout: null })),
    );
  }

  async cancel(ids: readonly string[]): Promise<Result<void, SlurmCallFailure>> {
    if (this.down) return this.unreachable('scancel');
    this.cancels.push([...ids]);
    for (const id of ids) {
      const t = this.tasks.get(id);
      if (t && (t.state === 'PENDING' || t.state === 'RUNNING')) {
        t.state = 'CANCELLED';
        t.exitCode = '0:15';
      }
    }
    return ok(undefined);
  }

  async ping(): Promise<Result<void, SlurmCallFailure>> {
    return this.down ? this.unreachable('scontrol') : ok(undefined);
  }
}
