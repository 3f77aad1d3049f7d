/**
 * `catapult gc`: deletes cache entries that no profile of the current config
 * (nor the default) can reach. Reports live in the cache too; the current
 * report's entry is kept.
 */
import { formatConfigFailures, loadPipeline } from '../../config/index.js';
import { buildGraph } from '../../graph/build.js';
import { computeKeys } from '../../graph/keys.js';
import { cliMessages, EXIT } from '../../messages/cli.js';
import { STAGE_META } from '../../../stages/manifest.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { liveReportKeys } from '../report.js';
import { withSession } from '../session.js';

export async function cmdGc(args: ParsedArgs, io: Io): Promise<number> {
  return withSession(args.common, io, async (s) => {
    const live = new Set<string>();
    for (const k of s.keys.values()) live.add(k.key);
    for (const profile of s.loaded.profiles) {
      const loaded = loadPipeline(args.common.config, { profile, sets: args.common.sets, env: io.env });
      if (!loaded.ok) {
        io.err(formatConfigFailures(loaded.error));
        return EXIT.config;
      }
      const keys = computeKeys(buildGraph(loaded.value.config), {
        repoRoot: s.repoRoot,
        backend: s.backend,
        numericPackages: s.numericPackages,
        meta: STAGE_META,
      });
      for (const k of keys.values()) live.add(k.key);
    }
    const cache = await s.openCache();
    for (const k of await liveReportKeys(s)) live.add(k);
    const result = await cache.gc(live, { dryRun: args.flags.dryRun });
    if (args.flags.dryRun) for (const k of result.removed) io.out(`  ${k}`);
    io.out(cliMessages.gcResult(result.removed.length, result.bytes, args.flags.dryRun));
    return EXIT.ok;
  });
}
