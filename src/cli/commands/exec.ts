/**
 * `catapult exec <batch.json> [--index N]`: the command a Slurm job runs on its
 * compute node (see src/executor/slurm/exec.ts). It reads no config: the batch
 * file carries the instance, its key and its inputs' keys.
 */
import { hashCode } from '../../cache/fingerprint.js';
import { execTask } from '../../executor/slurm/exec.js';
import { EXIT } from '../../messages/cli.js';
import { slurmMessages as M } from '../../messages/slurm.js';
import { STAGE_META } from '../../../stages/manifest.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { repoRoot } from '../runtime.js';
import { registryModule } from './run.js';

export async function cmdExec(args: ParsedArgs, io: Io): Promise<number> {
  const [batch, ...extra] = args.positionals;
  if (batch === undefined || extra.length > 0) {
    io.err(M.execUsage());
    return EXIT.config;
  }
  const fromEnv = io.env.SLURM_ARRAY_TASK_ID;
  const index = args.flags.index ?? (fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : 0);
  const root = repoRoot();
  // scancel and time limits send SIGTERM: stop at once. Nothing reads as stored
  // until the cache's final rename, so dying here leaves no complete-looking entry.
  const onTerm = (): void => process.exit(EXIT.terminated);
  process.on('SIGTERM', onTerm);
  try {
    const r = await execTask(batch, index, {
      registryModule: registryModule(),
      codeHash: (kind) => hashCode(root, STAGE_META[kind].code),
      log: (line) => io.out(`${new Date().toISOString()} ${line}`),
    });
    if (r.ok) return EXIT.ok;
    io.err(r.error.message);
    return r.error.reason === 'stage-failed' ? EXIT.stageFailed : EXIT.environment;
  } finally {
    process.off('SIGTERM', onTerm);
  }
}
