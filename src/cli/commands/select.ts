import type { Graph } from '../../graph/build.js';
import { selectTargets } from '../../graph/select.js';
import { cliMessages } from '../../messages/cli.js';
import type { Io } from '../io.js';

/** Resolves targets or prints why not (returns undefined → exit 2). */
export function selectOrFail(graph: Graph, targets: readonly string[], io: Io): Set<string> | undefined {
  const r = selectTargets(graph, targets);
  if (r.ok) return r.value;
  for (const f of r.error) io.err(cliMessages.unknownTarget(f.target, f.suggestions));
  return undefined;
}
