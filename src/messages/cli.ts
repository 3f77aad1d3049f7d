import { formatBytes } from './engine.js';

/**
 * Every message the CLI prints, as functions, so tests can assert exact text.
 */
export const EXIT = {
  ok: 0,
  /** One or more stages failed (a diverged training run is not a failure). */
  stageFailed: 1,
  /** Config or usage error: nothing ran. */
  config: 2,
  /** The environment is broken (e.g. dist/ missing, cache unwritable). */
  environment: 3,
  /** Everything ran except the stages of datasets that are not supplied (their figures say what to put where). */
  missingData: 4,
  /** Interrupted with Ctrl-C; no partial cache entries were left. */
  interrupted: 130,
  /** `exec` stopped by SIGTERM (scancel, a Slurm time limit); nothing partial was stored. */
  terminated: 143,
} as const;

const EXIT_CODES_TEXT = `Exit codes:
  0    success (everything up to date, or built)
  1    one or more stages failed (dependents were skipped; the rest ran)
  2    config or usage error (file:line:col printed); nothing ran
  3    environment error (cache not writable, build missing)
  4    everything ran except the branches of datasets that are not supplied
       (missing data; the report says which file to put where)
  130  interrupted (Ctrl-C); finished entries are kept, partial ones never written`;

const COMMON = `Options shared by run, plan, status, explain, graph, gc, report:
  -c, --config FILE     pipeline file (default: ./pipeline.yaml)
  -p, --profile NAME    overlay a profile from the file (e.g. quick)
  -s, --set PATH=VALUE  override any value, e.g. --set experiments.ml-fig1.model.n=200 (repeatable)
      --backend NAME    numeric backend: auto | wasm | cpu | node (default: from config, auto)
      --cache-dir DIR   cache folder (default: cache/ beside the pipeline file)`;

export const HELP: Record<string, string> = {
  main: `catapult — regenerate every figure of Zhu et al. and Meltzer & Liu from pipeline.yaml

Usage: catapult <command> [targets...] [options]

Commands:
  run [targets...]     build targets (figures, experiments, stage ids or globs) and the report
  plan [targets...]    dry run: what would execute and why, with an estimated time
  explain <stage-id>   the full fingerprint of one stage instance and its diff to the last run
  status               per figure: up to date / stale / failed / never run
  graph                the DAG as Graphviz DOT or Mermaid
  gc                   delete cache entries no config or profile can reach
  report               rebuild reports/ from the cache without running anything
  exec <batch.json>    (internal) run one task of a Slurm batch on a compute node

Run \`catapult <command> --help\` for a command's options.

${EXIT_CODES_TEXT}`,
  run: `Usage: catapult run [targets...] [options]

Builds the targets with their dependencies (everything when none are given),
reusing cached results, then writes the report to reports/index.html.
Targets: figure ids (zhu-fig3), experiment ids (ml-fig1), stage ids
(train:ml-fig1[eta=2.5,seed=0,variant=net]) or globs ('ml-fig*').

  -j, --jobs N          parallel worker threads (default: number of cores); with
                        --executor slurm, most jobs submitted at once (default 1000)
  -f, --force           rerun the selected stages even when cached
      --no-keep-going   start nothing new after the first failure
      --offline         never download datasets
      --no-report       do not rebuild the report at the end
      --executor local|slurm
                        where stages run (default: execution.executor, else local):
                        slurm submits each ready stage as a Slurm job (instances of
                        a sweep as job arrays); the cache must be on a filesystem
                        all nodes share (--cache-dir or execution.cacheDir)
      --partition P     Slurm partition (default: execution.slurm.partition)
      --slurm-opt K=V   extra sbatch option --K=V for every job, e.g. account=lab (repeatable)

${COMMON}

${EXIT_CODES_TEXT}`,
  exec: `Usage: catapult exec <batch.json> [--index N]

Internal: what a Slurm job runs on its compute node. Runs task N (default
$SLURM_ARRAY_TASK_ID, else 0) of a batch file written by
\`catapult run --executor slurm\`: reads its inputs from the shared cache,
runs the stage, stores the result atomically (an entry already there wins).

Exit codes: 0 stored (or already cached), 1 the stage failed, 3 the batch
file, cache or checkout is not usable here, 143 cancelled (SIGTERM).`,
  plan: `Usage: catapult plan [targets...] [options]

Prints what \`run\` would execute and why (new; params changed, with the fields
old → new; input changed; code changed; backend changed), and an estimated time
from recorded durations. Runs nothing.

      --all             list up-to-date stages too

${COMMON}`,
  explain: `Usage: catapult explain <stage-id> [options]

Prints the full fingerprint (everything hashed into the key) of one stage
instance, whether its entry is cached, and the differences to its last run.

${COMMON}`,
  status: `Usage: catapult status [options]

Per figure: up to date, stale (built before, inputs changed since), failed
(with the failing stage) or never run.

${COMMON}`,
  graph: `Usage: catapult graph [targets...] [options]

      --format dot|mermaid   output format (default: dot)
      --full                 one node per stage instance (default: collapsed per experiment)

${COMMON}`,
  gc: `Usage: catapult gc [options]

Deletes cache entries that the current config cannot reach under any of its
profiles (nor the default), and prints the bytes freed.

      --dry-run         only list what would be deleted

${COMMON}`,
  report: `Usage: catapult report [options]

Rebuilds reports/ from the cache without running any stage; figures whose
stages have not run are shown as not built. A rebuild with nothing changed is
a cache hit.

      --out DIR             output folder (default: reports/ beside the pipeline file)
      --compare DIR         overlay the same figures from another cache folder (like dvc plots diff)

${COMMON}`,
};

export const cliMessages = {
  unknownCommand: (cmd: string, suggestion?: string): string =>
    `catapult: unknown command \`${cmd}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}\nRun \`catapult --help\` for the list of commands.`,
  badOption: (detail: string, cmd: string): string => `catapult ${cmd}: ${detail}\nRun \`catapult ${cmd} --help\` for usage.`,
  badJobs: (value: string): string => `--jobs must be a positive integer, got \`${value}\``,
  runHeader: (stages: number, backend: string, executor: string, jobs: number, cacheDir: string): string =>
    executor === 'slurm'
      ? `catapult: ${stages} stages, backend ${backend}, Slurm (at most ${jobs} jobs at once), cache ${cacheDir}`
      : `catapult: ${stages} stages, backend ${backend}, ${jobs} job${jobs === 1 ? '' : 's'}, cache ${cacheDir}`,
  badExecutor: (value: string): string => `--executor must be local or slurm, got \`${value}\``,
  badSlurmOpt: (value: string): string => `--slurm-opt takes an sbatch option as key=value (or key for a flag), e.g. account=my-lab; got \`${value}\``,
  badBackend: (value: string): string => `--backend must be one of auto, wasm, cpu, node; got \`${value}\``,
  unknownTarget: (target: string, suggestions: readonly string[]): string =>
    `catapult: no figure, experiment or stage matches \`${target}\`${suggestions.length ? `; did you mean ${suggestions.map((s) => `\`${s}\``).join(' or ')}?` : ''}`,
  explainNeedsId: (): string => 'catapult explain: give one stage id, e.g. `catapult explain "train:ml-fig1[eta=2.5,seed=0,variant=net]"`',
  unknownStage: (id: string, suggestions: readonly string[]): string =>
    `catapult explain: no stage instance \`${id}\`${suggestions.length ? `; did you mean ${suggestions.map((s) => `\`${s}\``).join(' or ')}?` : ''}`,
  interrupted: (): string => 'interrupted: running stages were stopped; finished results are cached, nothing partial was written',
  reportWritten: (path: string, bytes: number, cached: boolean): string =>
    `report: ${path} (${(bytes / 1024).toFixed(0)} KiB${cached ? ', unchanged — from cache' : ''})`,
  planHeader: (run: number, total: number, estimate: string): string =>
    `${run} of ${total} stages would run (estimated ${estimate} on the configured jobs)`,
  planUpToDate: (total: number): string => `all ${total} stages are up to date; nothing would run`,
  gcResult: (n: number, bytes: number, dryRun: boolean): string =>
    `${dryRun ? 'would delete' : 'deleted'} ${n} unreachable cache entr${n === 1 ? 'y' : 'ies'}, ${formatBytes(bytes)}${dryRun ? ' (dry run)' : ' freed'}`,
  backendMismatch: (wanted: string, got: string): string =>
    `catapult: the ${wanted} backend was requested but workers started ${got}; rerun with --backend ${got} or fix the install`,
};
