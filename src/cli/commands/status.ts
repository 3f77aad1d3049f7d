/** `catapult status`: per figure, up to date / stale / failed / never run. */
import { closure } from '../../graph/select.js';
import { EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { figureStatuses } from '../figure-status.js';
import { withSession } from '../session.js';

export async function cmdStatus(args: ParsedArgs, io: Io): Promise<number> {
  return withSession(args.common, io, async (s) => {
    const cache = await s.openCache();
    const statuses = await figureStatuses(s, cache);
    const width = Math.max(...[...statuses.keys()].map((k) => k.length), 6);
    for (const [fig, st] of statuses) {
      const total = closure(s.graph, [`plot:${fig}`, `claims:${fig}`]).size;
      const detail =
        st.state === 'failed' || st.state === 'missing-data'
          ? ` — ${st.failedStage}: ${st.message}`
          : st.state === 'up-to-date'
            ? ''
            : ` (${st.cachedStages}/${total} stages cached)`;
      io.out(`${fig.padEnd(width)}  ${st.state}${detail}`);
    }
    return EXIT.ok;
  });
}
