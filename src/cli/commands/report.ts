/** `catapult report`: rebuild reports/ from the cache, running no stage. */
import { cliMessages, EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { writeReport } from '../report.js';
import { openSession } from '../session.js';

export async function cmdReport(args: ParsedArgs, io: Io): Promise<number> {
  const opened = openSession(args.common, io.env);
  if (!opened.ok) {
    io.err(opened.error.message);
    return opened.error.exit;
  }
  const s = opened.value;
  const cache = await s.openCache();
  const written = await writeReport(s, cache, { out: args.flags.out, compare: args.flags.compare });
  io.out(cliMessages.reportWritten(written.path, written.bytes, written.cached));
  return EXIT.ok;
}
