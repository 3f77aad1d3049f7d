/**
 * catapult's command line. The pipeline, in the order a run goes through it:
 *
 *  1. config/    pipeline.yaml → profiles, templates, --set → schema + semantic
 *                validation → PipelineConfig (errors: file:line:col, exit 2)
 *  2. graph/     matrix expansion → StageInstance DAG → static keys (SHA-256 of
 *                params, stage source, dep keys, backend, package versions)
 *  3. executor/  cache hits are verified and reused; the rest runs in worker
 *                threads (one tfjs backend each) or as Slurm jobs writing to a
 *                shared cache (`exec` is the node side), keep-going, Ctrl-C safe
 *  4. stages/    dataset → init → train → metrics → plot / claims
 *  5. report/    Vega-Lite charts, claims and provenance → reports/index.html
 */
import { levenshtein } from '../config/suggest.js';
import { cliMessages, EXIT, HELP } from '../messages/cli.js';
import { parseCommandArgs, type ParsedArgs } from './args.js';
import { cmdExec } from './commands/exec.js';
import { cmdExplain } from './commands/explain.js';
import { cmdGc } from './commands/gc.js';
import { cmdGraph } from './commands/graph.js';
import { cmdPlan } from './commands/plan.js';
import { cmdReport } from './commands/report.js';
import { cmdRun } from './commands/run.js';
import { cmdStatus } from './commands/status.js';
import { processIo, type Io } from './io.js';
import { catapultVersion } from './runtime.js';

const COMMANDS: Record<string, (args: ParsedArgs, io: Io) => Promise<number>> = {
  run: cmdRun,
  plan: cmdPlan,
  explain: cmdExplain,
  status: cmdStatus,
  graph: cmdGraph,
  gc: cmdGc,
  report: cmdReport,
  exec: cmdExec,
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main!);
    return command === undefined ? EXIT.config : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.out(`catapult ${catapultVersion()}`);
    return EXIT.ok;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    const near = Object.keys(COMMANDS)
      .map((c) => ({ c, d: levenshtein(command, c) }))
      .filter((x) => x.d <= 2)
      .sort((a, b) => a.d - b.d)[0]?.c;
    io.err(cliMessages.unknownCommand(command, near));
    return EXIT.config;
  }
  const parsed = parseCommandArgs(command, rest);
  if (!parsed.ok) {
    io.err(parsed.error);
    return EXIT.config;
  }
  if (parsed.value.common.help) {
    io.out(HELP[command]!);
    return EXIT.ok;
  }
  try {
    return await handler(parsed.value, io);
  } catch (e) {
    // A bug, not a user error: say so plainly, with the stack for the issue report.
    io.err(`catapult ${command}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.environment;
  }
}
