import type { StageInstance } from '../core/stage.js';
import type { Graph } from './build.js';

/**
 * The DAG as Graphviz DOT or Mermaid. Collapsed (default): one node per
 * stage kind per group (e.g. `train zhu-fig3 ×48`), which stays readable for
 * thousands of instances; `full`: one node per instance.
 */
export function toDot(graph: Graph, opts: { full?: boolean } = {}): string {
  const { nodes, edges } = opts.full ? fullView(graph) : collapsedView(graph);
  const lines = ['digraph catapult {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica", fontsize=10];'];
  for (const n of nodes) lines.push(`  ${quote(n.id)} [label=${quote(n.label)}];`);
  for (const [a, b] of edges) lines.push(`  ${quote(a)} -> ${quote(b)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toMermaid(graph: Graph, opts: { full?: boolean } = {}): string {
  const { nodes, edges } = opts.full ? fullView(graph) : collapsedView(graph);
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of nodes) lines.push(`  ${ids.get(n.id)}["${n.label.replace(/"/g, '#quot;')}"]`);
  for (const [a, b] of edges) lines.push(`  ${ids.get(a)} --> ${ids.get(b)}`);
  return lines.join('\n') + '\n';
}

interface View {
  nodes: { id: string; label: string }[];
  edges: [string, string][];
}

function fullView(graph: Graph): View {
  return {
    nodes: graph.instances.map((i) => ({ id: i.id, label: i.id })),
    edges: graph.instances.flatMap((i) => i.deps.map((d): [string, string] => [d, i.id])),
  };
}

function collapsedView(graph: Graph): View {
  const groupOf = (i: StageInstance): string => `${i.kind}:${i.group}`;
  const counts = new Map<string, number>();
  for (const i of graph.instances) counts.set(groupOf(i), (counts.get(groupOf(i)) ?? 0) + 1);
  const edgeSet = new Set<string>();
  const edges: [string, string][] = [];
  for (const i of graph.instances) {
    for (const d of i.deps) {
      const dep = graph.byId.get(d);
      if (!dep) continue;
      const e: [string, string] = [groupOf(dep), groupOf(i)];
      const k = e.join('\u0000');
      if (!edgeSet.has(k)) {
        edgeSet.add(k);
        edges.push(e);
      }
    }
  }
  return {
    nodes: [...counts].map(([id, n]) => ({ id, label: n > 1 ? `${id} ×${n}` : id })),
    edges,
  };
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
