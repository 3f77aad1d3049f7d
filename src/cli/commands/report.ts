/** `catapult report`: rebuild reports/ from the cache, running no stage. */
import { cliMessages, EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { writeReport } from '../report.js';
import { withSession } from '../session.js';

export async function cmdReport(args: ParsedArgs, io: Io): Promise<number> {
  return withSession(args.common, io, async (s) => {
    const cache = await s.openCache();
    const written = await writeReport(s, cache, { out: args.flags.out, compare: args.flags.compare });
    io.out(cliMessages.reportWritten(written.path, written.bytes, written.cached));
    return EXIT.ok;
  });
}
