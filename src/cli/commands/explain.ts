/** `catapult explain <id>`: the full fingerprint of one instance and its diff to the last run. */
import { diffFingerprints } from '../../cache/fingerprint.js';
import { levenshtein } from '../../config/suggest.js';
import { cliMessages, EXIT } from '../../messages/cli.js';
import { describeChange } from '../../messages/engine.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { withSession } from '../session.js';

export async function cmdExplain(args: ParsedArgs, io: Io): Promise<number> {
  const id = args.positionals[0];
  if (id === undefined || args.positionals.length > 1) {
    io.err(cliMessages.explainNeedsId());
    return EXIT.config;
  }
  return withSession(args.common, io, async (s) => {
    const inst = s.graph.byId.get(id);
    if (!inst) {
      const near = s.graph.instances
        .map((i) => ({ id: i.id, d: levenshtein(id, i.id) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 3)
        .map((x) => x.id);
      io.err(cliMessages.unknownStage(id, near));
      return EXIT.config;
    }
    const cache = await s.openCache();
    const now = s.keys.get(id)!;
    const cached = await cache.has(now.key);
    const last = await cache.lastRun(id);
    io.out(`stage:    ${id}`);
    io.out(`kind:     ${inst.kind}`);
    io.out(`key:      ${now.key}`);
    io.out(`cached:   ${cached ? 'yes' : 'no'}`);
    io.out(`deps:     ${inst.deps.length ? inst.deps.join(', ') : '(none)'}`);
    io.out(`figures:  ${inst.figures?.join(', ') || '(none)'}`);
    io.out('fingerprint:');
    io.out(JSON.stringify(now.fingerprint, null, 2).replace(/^/gm, '  '));
    if (!last) {
      io.out('last run: never');
    } else {
      io.out(`last run: ${last.finishedAt}, ${last.status}, ${last.wallMs} ms, key ${last.key.slice(0, 12)}…`);
      const changes = diffFingerprints(last.fingerprint, now.fingerprint, inst.deps);
      io.out(changes.length ? 'changed since the last run:' : 'unchanged since the last run');
      for (const c of changes) io.out(`  - ${describeChange(c)}`);
    }
    return EXIT.ok;
  });
}
