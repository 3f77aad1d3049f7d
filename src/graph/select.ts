import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { Graph } from './build.js';
import { claimsId, metricsId, plotId } from './build.js';

/** A target the user named that matches nothing; reported with suggestions. */
export interface UnknownTarget {
  readonly reason: 'unknown-target';
  readonly target: string;
  readonly suggestions: readonly string[];
}

/** `*` matches any run of characters (ids contain `:[]=,.`), `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * Resolves CLI targets — figure names, experiment names, stage ids, or globs
 * over any of them — to the set of instance ids to bring up to date,
 * including every dependency. No targets means everything.
 */
export function selectTargets(graph: Graph, targets: readonly string[]): Result<Set<string>, UnknownTarget[]> {
  if (targets.length === 0) return ok(new Set(graph.instances.map((i) => i.id)));
  const roots = new Set<string>();
  const failures: UnknownTarget[] = [];
  const groups = new Set(graph.instances.map((i) => i.group));
  for (const t of targets) {
    const re = globToRegExp(t);
    let matched = false;
    for (const [fig] of graph.figureOutputs) {
      if (re.test(fig)) {
        roots.add(plotId(fig));
        roots.add(claimsId(fig));
        matched = true;
      }
    }
    for (const g of groups) {
      if (re.test(g) && graph.byId.has(metricsId(g))) {
        roots.add(metricsId(g));
        matched = true;
      }
    }
    for (const inst of graph.instances) {
      if (re.test(inst.id)) {
        roots.add(inst.id);
        matched = true;
      }
    }
    if (!matched) failures.push({ reason: 'unknown-target', target: t, suggestions: suggest(t, [...graph.figureOutputs.keys(), ...groups]) });
  }
  if (failures.length) return err(failures);
  return ok(closure(graph, roots));
}

/** All ids reachable from `roots` through deps (roots included). */
export function closure(graph: Graph, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const d of graph.byId.get(id)?.deps ?? []) stack.push(d);
  }
  return out;
}

function suggest(word: string, candidates: readonly string[]): string[] {
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: levenshtein(word.toLowerCase(), c.toLowerCase()) }))
    .filter((s) => s.d <= Math.max(2, Math.floor(word.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, 3).map((s) => s.c);
}

export function levenshtein(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
