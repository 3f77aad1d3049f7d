/**
 * `catapult run`: bring the selected targets up to date — cache hits are
 * verified and reused, everything else runs in a pool of worker threads —
 * then rebuild the report.
 */
import { availableParallelism } from 'node:os';
import { execute, loadEstimates, ProgressDisplay, summaryExitCode, WorkerPoolRunner } from '../../executor/index.js';
import { cliMessages, EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { isMissingData } from '../figure-status.js';
import { writeReport } from '../report.js';
import { withSession } from '../session.js';
import { selectOrFail } from './select.js';

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
    const jobs = args.flags.jobs ?? availableParallelism();
    const runner = new WorkerPoolRunner({
      size: jobs,
      registryModule: registryModule(),
      workerOptions: { backend: s.backend },
      dataRoot: s.dataRoot,
      repoRoot: s.repoRoot,
      offline: args.flags.offline || io.env.CATAPULT_OFFLINE === '1',
    });
    // Estimates are read from the run index only for stages that are not cached (a no-op rerun
    // of thousands of instances should not read thousands of run records it does not need).
    const present = await Promise.all(instances.map((i) => (args.flags.force ? false : cache.has(s.keys.get(i.id)!.key))));
    const toRun = instances.filter((_, k) => !present[k]);
    const display = new ProgressDisplay({
      stream: io.stderr,
      total: instances.length,
      jobs,
      estimateMs: await loadEstimates(cache, toRun),
    });
    const controller = new AbortController();
    const onSigint = (): void => {
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    io.err(`catapult: ${instances.length} stages, backend ${s.backend}, ${jobs} job${jobs === 1 ? '' : 's'}, cache ${s.cacheDir}`);
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
