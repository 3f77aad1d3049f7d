/**
 * `catapult plan`: what `run` would execute and why, without running — the
 * reasons come from diffing each instance's fingerprint against its last run.
 */
import { availableParallelism } from 'node:os';
import { diffFingerprints } from '../../cache/fingerprint.js';
import { loadEstimates } from '../../executor/index.js';
import { cliMessages, EXIT } from '../../messages/cli.js';
import { describeChange, formatDuration } from '../../messages/engine.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { withSession } from '../session.js';
import { selectOrFail } from './select.js';

export async function cmdPlan(args: ParsedArgs, io: Io): Promise<number> {
  return withSession(args.common, io, async (s) => {
    const selected = selectOrFail(s.graph, args.positionals, io);
    if (!selected) return EXIT.config;
    const instances = s.graph.instances.filter((i) => selected.has(i.id));
    const cache = await s.openCache();
    const estimate = await loadEstimates(cache, instances);
    const present = await Promise.all(instances.map((i) => (args.flags.force ? false : cache.has(s.keys.get(i.id)!.key))));
    const lines: string[] = [];
    let totalMs = 0;
    let n = 0;
    for (let k = 0; k < instances.length; k++) {
      const inst = instances[k]!;
      if (present[k]) {
        if (args.flags.all) lines.push(`  ✓ ${inst.id}  up to date`);
        continue;
      }
      n++;
      totalMs += estimate(inst.id);
      const last = await cache.lastRun(inst.id);
      const now = s.keys.get(inst.id)!;
      const changes = args.flags.force && last?.key === now.key ? ['forced (--force)'] : diffFingerprints(last?.fingerprint, now.fingerprint, inst.deps).map(describeChange);
      if (changes.length === 0) changes.push(last?.status === 'failed' ? `failed last time: ${last.error ?? 'unknown error'}` : 'cache entry missing or removed');
      lines.push(`  ▶ ${inst.id}  ${changes.join('; ')}`);
    }
    const jobs = args.flags.jobs ?? availableParallelism();
    io.out(n === 0 ? cliMessages.planUpToDate(instances.length) : cliMessages.planHeader(n, instances.length, formatDuration(totalMs / jobs)));
    for (const l of lines) io.out(l);
    io.out(`profile: ${s.loaded.profile ?? '(default: paper scale)'}; backend: ${s.backend}`);
    return EXIT.ok;
  });
}
