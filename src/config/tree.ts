/**
 * Located values: a JSON-like tree in which every node remembers the source
 * text it was written in (the pipeline file, a `--set` argument, or an
 * environment variable) and the dotted path it was written at.
 *
 * Why a tree of our own rather than yaml's `Document`: profiles, `--set`,
 * environment overrides and template (`use:`) merges produce a resolved config
 * whose values come from many places. Merging located nodes keeps every value's
 * origin, so an error found in the *resolved* config (by ajv or a semantic
 * check) points at the line where that value was actually written — the
 * template, the profile, or the command-line argument.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

import type { JsonValue } from '../core/json.js';

export type PathSeg = string | number;
export type Path = readonly PathSeg[];

/** A text that values come from. */
export interface Source {
  /** How the text is shown: the file name as given, `--set a.b=1`, or `CATAPULT_DATA_ROOT=/x`. */
  readonly name: string;
  readonly kind: 'file' | 'set' | 'env';
  /** The whole text offsets refer to (for `set`/`env`, the argument as displayed). */
  readonly text: string;
  /** Order of sources for sorting errors: the file first, then env, then --set in argument order. */
  readonly order: number;
  /** Offsets of line starts, computed lazily. */
  lineStarts?: number[];
}

/** A half-open character range [start, end) in a source. */
export interface Origin {
  readonly source: Source;
  readonly start: number;
  readonly end: number;
}

/** Where a located value came from and where it was written. */
interface NodeBase {
  /** Undefined for values the loader synthesised (defaults). */
  readonly at: Origin | undefined;
  /** The dotted path the node was written at, e.g. ['templates', 'base', 'train']. */
  readonly home: Path;
}

export interface LScalar extends NodeBase {
  readonly t: 'scalar';
  readonly v: string | number | boolean | null;
}
export interface LEntry {
  readonly keyAt: Origin | undefined;
  readonly keyHome: Path;
  readonly node: LNode;
}
export interface LMap extends NodeBase {
  readonly t: 'map';
  readonly entries: Map<string, LEntry>;
}
export interface LSeq extends NodeBase {
  readonly t: 'seq';
  readonly items: LNode[];
}
export type LNode = LScalar | LMap | LSeq;

/** A problem found while building the tree (YAML syntax and friends). */
export interface TreeProblem {
  readonly code: string;
  readonly message: string;
  readonly at: Origin;
}

// ---------------------------------------------------------------- building from YAML

export interface ParsedYaml {
  readonly node: LNode | undefined;
  readonly problems: TreeProblem[];
}

/**
 * Parses `source.text` as one YAML document into a located tree. `shift` is
 * added to every offset (a `--set` value sits after `--set path=` in its
 * displayed source); `home` is the path the root is written at.
 */
export function parseYaml(source: Source, text: string, home: Path, shift = 0): ParsedYaml {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: new LineCounter() });
  const problems: TreeProblem[] = [];
  const at = (start: number, end: number): Origin => ({ source, start: start + shift, end: end + shift });
  for (const e of doc.errors) problems.push({ code: e.code, message: e.message, at: at(e.pos[0], e.pos[1]) });
  if (problems.length > 0) return { node: undefined, problems };
  const node = doc.contents === null ? undefined : build(doc, doc.contents as YamlNode, home, at, problems, 0);
  return { node, problems };
}

function build(
  doc: Document,
  y: YamlNode,
  home: Path,
  at: (s: number, e: number) => Origin,
  problems: TreeProblem[],
  depth: number,
): LNode {
  const range = y.range ?? [0, 0, 0];
  const here = at(range[0], range[1]);
  if (isAlias(y)) {
    const target = depth > 64 ? undefined : y.resolve(doc);
    if (target === undefined) {
      problems.push({ code: 'BAD_ALIAS', message: `unresolved alias *${y.source}`, at: here });
      return { t: 'scalar', v: null, at: here, home };
    }
    return build(doc, target as YamlNode, home, at, problems, depth + 1);
  }
  if (isMap(y)) {
    const entries = new Map<string, LEntry>();
    for (const pair of y.items) {
      if (!isPair(pair)) continue;
      const k = pair.key;
      let key: string;
      let keyAt: Origin;
      if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) {
        key = String(k.value);
        keyAt = at((k.range ?? range)[0], (k.range ?? range)[1]);
      } else {
        const r = (k as YamlNode | null)?.range ?? range;
        problems.push({ code: 'COMPLEX_KEY', message: 'complex key', at: at(r[0], r[1]) });
        continue;
      }
      const keyHome = [...home, key];
      const v = pair.value as YamlNode | null;
      const node: LNode =
        v === null || v === undefined
          ? { t: 'scalar', v: null, at: keyAt, home: keyHome }
          : build(doc, v, keyHome, at, problems, depth + 1);
      // `key:` with nothing after it: yaml gives an empty range; point at the key instead.
      const fixed = node.at !== undefined && node.at.start === node.at.end ? { ...node, at: keyAt } : node;
      entries.set(key, { keyAt, keyHome, node: fixed as LNode });
    }
    return { t: 'map', entries, at: here, home };
  }
  if (isSeq(y)) {
    const items = y.items.map((item, i) =>
      item === null || item === undefined
        ? ({ t: 'scalar', v: null, at: here, home: [...home, i] } as LNode)
        : build(doc, item as YamlNode, [...home, i], at, problems, depth + 1),
    );
    return { t: 'seq', items, at: here, home };
  }
  if (isScalar(y)) {
    const v = y.value;
    const value: LScalar['v'] =
      v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
    return { t: 'scalar', v: value, at: here, home };
  }
  return { t: 'scalar', v: null, at: here, home };
}

// ---------------------------------------------------------------- helpers

export function scalar(v: LScalar['v'], at: Origin | undefined, home: Path): LScalar {
  return { t: 'scalar', v, at, home };
}

export function emptyMap(at: Origin | undefined, home: Path): LMap {
  return { t: 'map', entries: new Map(), at, home };
}

/** Converts a plain JSON value into a tree located entirely at `at` (used for synthesised defaults). */
export function fromJson(value: unknown, at: Origin | undefined, home: Path): LNode {
  if (Array.isArray(value)) return { t: 'seq', items: value.map((x, i) => fromJson(x, at, [...home, i])), at, home };
  if (value !== null && typeof value === 'object') {
    const entries = new Map<string, LEntry>();
    for (const [k, x] of Object.entries(value)) entries.set(k, { keyAt: at, keyHome: [...home, k], node: fromJson(x, at, [...home, k]) });
    return { t: 'map', entries, at, home };
  }
  return scalar(value as LScalar['v'], at, home);
}

export function toJson(node: LNode): JsonValue {
  switch (node.t) {
    case 'scalar':
      return node.v;
    case 'seq':
      return node.items.map(toJson);
    case 'map': {
      const out: { [k: string]: JsonValue } = {};
      for (const [k, e] of node.entries) out[k] = toJson(e.node);
      return out;
    }
  }
}

export function getEntry(node: LNode | undefined, key: string): LEntry | undefined {
  return node?.t === 'map' ? node.entries.get(key) : undefined;
}

export function get(node: LNode | undefined, key: string): LNode | undefined {
  return getEntry(node, key)?.node;
}

/** A node plus the map entry (key) that holds it, if any. */
export interface Located {
  readonly node: LNode;
  readonly entry: LEntry | undefined;
  /** How many path segments were followed; less than the path length when the path leaves the tree. */
  readonly depth: number;
}

/** Follows `path` as far as it goes; returns the deepest node reached. */
export function walk(root: LNode, path: Path): Located {
  let node = root;
  let entry: LEntry | undefined;
  let depth = 0;
  for (const seg of path) {
    if (node.t === 'map') {
      const e = node.entries.get(String(seg));
      if (e === undefined) break;
      entry = e;
      node = e.node;
    } else if (node.t === 'seq') {
      const i = typeof seg === 'number' ? seg : Number(seg);
      const item = Number.isInteger(i) ? node.items[i] : undefined;
      if (item === undefined) break;
      entry = undefined;
      node = item;
    } else break;
    depth++;
  }
  return { node, entry, depth };
}

export const dotted = (path: Path): string => path.map(String).join('.');

/** A short description of a value's type for messages: "the string `ten`", "a map". */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the string \`${v}\``;
  if (typeof v === 'boolean') return `\`${v}\``;
  if (typeof v === 'number') return Number.isFinite(v) ? `\`${v}\`` : `\`${v}\` (not a finite number)`;
  return String(v);
}
