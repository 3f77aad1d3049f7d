/**
 * Command-line parsing (node:util parseArgs) shared by every command, with
 * usage errors returned as values so `main` can print them and exit 2.
 */
import { parseArgs } from 'node:util';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { BackendName, ExecutorName } from '../config/types.js';
import { parseSlurmOpt } from '../executor/slurm/settings.js';
import { cliMessages } from '../messages/cli.js';
import { slurmMessages } from '../messages/slurm.js';

export interface CommonOptions {
  config: string;
  profile: string | null;
  sets: string[];
  backend: BackendName | null;
  cacheDir: string | null;
  help: boolean;
}

export interface ParsedArgs {
  common: CommonOptions;
  positionals: string[];
  flags: {
    jobs?: number;
    force: boolean;
    keepGoing: boolean;
    offline: boolean;
    report: boolean;
    dryRun: boolean;
    full: boolean;
    all: boolean;
    format: 'dot' | 'mermaid';
    out: string | null;
    compare: string | null;
    executor: ExecutorName | null;
    partition: string | null;
    slurmOpts: string[];
    /** `exec --index N` (default: $SLURM_ARRAY_TASK_ID, else 0). */
    index: number | null;
  };
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  profile: { type: 'string', short: 'p' },
  set: { type: 'string', short: 's', multiple: true },
  backend: { type: 'string' },
  'cache-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  jobs: { type: 'string', short: 'j' },
  force: { type: 'boolean', short: 'f' },
  'no-keep-going': { type: 'boolean' },
  offline: { type: 'boolean' },
  'no-report': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  full: { type: 'boolean' },
  all: { type: 'boolean' },
  format: { type: 'string' },
  out: { type: 'string' },
  compare: { type: 'string' },
  executor: { type: 'string' },
  partition: { type: 'string' },
  'slurm-opt': { type: 'string', multiple: true },
  index: { type: 'string' },
} as const;

export function parseCommandArgs(command: string, argv: readonly string[]): Result<ParsedArgs, string> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return err(cliMessages.badOption((e as Error).message, command));
  }
  const v = parsed.values;
  let jobs: number | undefined;
  if (v.jobs !== undefined) {
    jobs = Number(v.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) return err(cliMessages.badOption(cliMessages.badJobs(v.jobs), command));
  }
  if (v.backend !== undefined && !['auto', 'wasm', 'cpu', 'node'].includes(v.backend)) {
    return err(cliMessages.badOption(cliMessages.badBackend(v.backend), command));
  }
  if (v.executor !== undefined && v.executor !== 'local' && v.executor !== 'slurm') {
    return err(cliMessages.badOption(cliMessages.badExecutor(v.executor), command));
  }
  for (const o of v['slurm-opt'] ?? []) {
    if (!parseSlurmOpt(o)) return err(cliMessages.badOption(cliMessages.badSlurmOpt(o), command));
  }
  let index: number | null = null;
  if (v.index !== undefined) {
    index = Number(v.index);
    if (!Number.isInteger(index) || index < 0) return err(cliMessages.badOption(slurmMessages.badIndex(v.index), command));
  }
  if (v.format !== undefined && v.format !== 'dot' && v.format !== 'mermaid') {
    return err(cliMessages.badOption(`--format must be dot or mermaid, got \`${v.format}\``, command));
  }
  return ok({
    common: {
      config: v.config ?? 'pipeline.yaml',
      profile: v.profile ?? null,
      sets: v.set ?? [],
      backend: (v.backend as BackendName | undefined) ?? null,
      cacheDir: v['cache-dir'] ?? null,
      help: v.help ?? false,
    },
    positionals: parsed.positionals,
    flags: {
      ...(jobs !== undefined ? { jobs } : {}),
      force: v.force ?? false,
      keepGoing: !(v['no-keep-going'] ?? false),
      offline: v.offline ?? false,
      report: !(v['no-report'] ?? false),
      dryRun: v['dry-run'] ?? false,
      full: v.full ?? false,
      all: v.all ?? false,
      format: (v.format as 'dot' | 'mermaid' | undefined) ?? 'dot',
      out: v.out ?? null,
      compare: v.compare ?? null,
      executor: (v.executor as ExecutorName | undefined) ?? null,
      partition: v.partition ?? null,
      slurmOpts: v['slurm-opt'] ?? [],
      index,
    },
  });
}
