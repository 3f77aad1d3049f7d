/**
 * `catapult run`: bring the selected targets up to date — cache hits are
 * verified and reused, everything else runs in a pool of worker threads or,
 * with `--executor slurm`, as Slurm jobs on a shared cache — then rebuild the
 * report (always here, on the submitting machine).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { execute, loadEstimates, ProgressDisplay, summaryExitCode, WorkerPoolRunner, type StageRunner } from '../../executor/index.js';
import { CommandSlurmClient, resolveSlurmSettings, SlurmRunner } from '../../executor/slurm/index.js';
import { slurmMessages } from '../../messages/slurm.js';
import { cliMessages, EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { isMissingData } from '../figure-status.js';
import { writeReport } from '../report.js';
import { withSession, type Session } from '../session.js';
import { selectOrFail } from './select.js';
import type { FsCache } from '../../cache/store.js';
import type { ExecutorName } from '../../config/types.js';
import { err, ok, type Result } from '../../core/result.js';

/** The compiled stage registry beside this module (dist/stages/index.js), or the TS source under tsx. */
export function registryModule(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../../../stages/index.${ext}`, import.meta.url);
}

export async function cmdRun(args: ParsedArgs, io: Io): Promise<number> {
  return withSession(args.common, io, async (s) => {
    const selected = selectOrFail(s.graph, args.positionals, io);
    if (!selected) return EXIT.config;
    const instances = s.graph.instances.filter((i) => selected.has(i.id));
    const cache = await s.openCache();
    const executor = args.flags.executor ?? s.config.execution?.executor ?? 'local';
    const controller = new AbortController();
    let fatal: string | undefined;
    let display: ProgressDisplay | undefined;
    const made = await createRunner(executor, s, cache, args, io, {
      notice: (line) => (display ? display.note(line) : io.err(line)),
      onFatal: (message) => {
        fatal = message;
        controller.abort();
      },
    });
    if (!made.ok) return made.error;
    const { runner, jobs } = made.value;
    // Estimates are read from the run index only for stages that are not cached (a no-op rerun
    // of thousands of instances should not read thousands of run records it does not need).
    const present = await Promise.all(instances.map((i) => (args.flags.force ? false : cache.has(s.keys.get(i.id)!.key))));
    const toRun = instances.filter((_, k) => !present[k]);
    display = new ProgressDisplay({
      stream: io.stderr,
      total: instances.length,
      jobs,
      estimateMs: await loadEstimates(cache, toRun),
      eta: executor !== 'slurm',
    });
    const onSigint = (): void => {
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    io.err(cliMessages.runHeader(instances.length, s.backend, executor, jobs, s.cacheDir));
    display.startTicker();
    let summary;
    try {
      summary = await execute(
        { instances, keys: s.keys },
        {
          cache,
          runner,
          jobs,
          force: args.flags.force,
          keepGoing: args.flags.keepGoing,
          signal: controller.signal,
          onEvent: (e) => display.onEvent(e),
        },
      );
    } finally {
      await runner.close?.();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
    display.finish(summary);
    if (fatal !== undefined) {
      io.err(fatal);
      return EXIT.environment;
    }
    if (summary.aborted) {
      io.err(cliMessages.interrupted());
      return EXIT.interrupted;
    }
    if (args.flags.report) {
      const written = await writeReport(s, cache, { out: args.flags.out, compare: null });
      io.out(cliMessages.reportWritten(written.path, written.bytes, written.cached));
    }
    // Only missing datasets (not bugs) failed: a distinct, documented exit code.
    if (summary.failed.length > 0 && summary.failed.every((f) => isMissingData(f.message))) return EXIT.missingData;
    return summaryExitCode(summary);
  });
}

/**
 * The runner `--executor` (or `execution.executor`) asks for, with how many
 * stages may run at once; the exit code when it cannot start (Slurm's
 * controller unreachable or Slurm not installed: nothing was submitted).
 */
async function createRunner(
  executor: ExecutorName,
  s: Session,
  cache: FsCache,
  args: ParsedArgs,
  io: Io,
  hooks: { notice: (line: string) => void; onFatal: (message: string) => void },
): Promise<Result<{ runner: StageRunner; jobs: number }, number>> {
  const offline = args.flags.offline || io.env.CATAPULT_OFFLINE === '1';
  // Workers and nodes must compute with exactly what the keys name (see stages/index.ts prepareWorker).
  const workerOptions = { backend: s.backend, ort: s.numericPackages['onnxruntime-node'] ?? null };
  if (executor === 'slurm') {
    const client = new CommandSlurmClient({ timeoutMs: 30_000 });
    const up = await client.ping();
    if (!up.ok) {
      io.err(slurmMessages.notStarted(slurmMessages.callFailure(up.error)));
      return err(EXIT.environment);
    }
    const runner = new SlurmRunner({
      client,
      settings: resolveSlurmSettings(
        s.config.execution?.slurm,
        { partition: args.flags.partition, slurmOpts: args.flags.slurmOpts },
        [process.execPath, join(s.repoRoot, 'bin', 'catapult.js')],
      ),
      cache,
      cacheDir: s.cacheDir,
      repoRoot: s.repoRoot,
      dataRoot: s.dataRoot,
      offline,
      workerOptions,
      ...hooks,
    });
    return ok({ runner, jobs: args.flags.jobs ?? s.config.execution?.jobs ?? 1000 });
  }
  const jobs = args.flags.jobs ?? s.config.execution?.jobs ?? availableParallelism();
  const runner = new WorkerPoolRunner({
    size: jobs,
    registryModule: registryModule(),
    workerOptions,
    dataRoot: s.dataRoot,
    repoRoot: s.repoRoot,
    offline,
    // onnxruntime threads per worker: the cores shared among the workers (unless set by the user)
    nodeWorkerOptions: { env: { ...io.env, CATAPULT_ORT_THREADS: io.env.CATAPULT_ORT_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / jobs))) } },
  });
  return ok({ runner, jobs });
}
