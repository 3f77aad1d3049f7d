/** `catapult graph`: the DAG as DOT or Mermaid, collapsed per experiment unless --full. */
import { toDot, toMermaid } from '../../graph/render.js';
import { EXIT } from '../../messages/cli.js';
import type { ParsedArgs } from '../args.js';
import type { Io } from '../io.js';
import { openSession } from '../session.js';
import { selectOrFail } from './select.js';

export async function cmdGraph(args: ParsedArgs, io: Io): Promise<number> {
  const opened = openSession(args.common, io.env);
  if (!opened.ok) {
    io.err(opened.error.message);
    return opened.error.exit;
  }
  let graph = opened.value.graph;
  if (args.positionals.length) {
    const selected = selectOrFail(graph, args.positionals, io);
    if (!selected) return EXIT.config;
    const instances = graph.instances.filter((i) => selected.has(i.id));
    graph = { instances, byId: new Map(instances.map((i) => [i.id, i])), figureOutputs: graph.figureOutputs };
  }
  const render = args.flags.format === 'mermaid' ? toMermaid : toDot;
  io.out(render(graph, { full: args.flags.full }).trimEnd());
  return EXIT.ok;
}
