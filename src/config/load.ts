/**
 * pipeline.yaml → validated `PipelineConfig`.
 *
 * Order of operations (each step keeps source locations, see tree.ts):
 *  1. parse the YAML (syntax errors, duplicate keys, tabs → located errors);
 *  2. check every profile's keys against the file (a profile may only override
 *     datasets/experiments/templates/figures that exist);
 *  3. overlay the selected profile onto the *raw* document — before templates
 *     are resolved, so a profile can shrink a template once for every
 *     experiment that uses it;
 *  4. apply the environment (`CATAPULT_DATA_ROOT` → defaults.dataRoot), then
 *     each `--set path=value` (precedence: file < profile < env < --set);
 *  5. validate the overlaid document against schemas/pipeline.schema.json;
 *  6. resolve templates (`use:`, merged in order, then the experiment's own
 *     keys; maps merge deeply, lists replace) and fill defaults;
 *  7. validate the resolved config (`#/$defs/resolved`: required keys), then
 *     run the semantic checks (references, cycles, empty matrices, ...).
 * All errors are collected, deduplicated, sorted by position and returned together.
 *
 * Merging rule for learning-rate axes: `values` and `from`/`to`/`step` are
 * alternatives, so an overlay that sets one drops the other from the base.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';

import { err, ok, type Result } from '../core/result.js';
import * as msg from '../messages/config.js';
import { dedupeFailures, failure, rangeOf, sortFailures, type ConfigFailure, type ConfigFailureReason, type SourceRange } from './failure.js';
import { checkSemantics } from './semantic.js';
import { suggest } from './suggest.js';
import {
  describeValue,
  dotted,
  emptyMap,
  fromJson,
  get,
  getEntry,
  parseYaml,
  toJson,
  walk,
  type LEntry,
  type LMap,
  type LNode,
  type Origin,
  type Path,
  type PathSeg,
  type Source,
  type TreeProblem,
} from './tree.js';
import type { PipelineConfig } from './types.js';
import { errorsToFailures, nodeKey, runValidator } from './validate.js';

export interface LoadOptions {
  /** Profile to overlay (`--profile`); null or absent for the paper-scale default. */
  profile?: string | null;
  /** `--set path=value` arguments, applied in order. */
  sets?: readonly string[];
  /** Environment to read `CATAPULT_DATA_ROOT` from; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** A validated pipeline plus what callers need to report their own located errors. */
export interface LoadedPipeline {
  readonly config: PipelineConfig;
  /** The profile applied, or null. */
  readonly profile: string | null;
  /** Every profile the file defines. */
  readonly profiles: string[];
  /** The file name as shown in messages. */
  readonly file: string;
  readonly text: string;
  /** Where the value at `path` of the resolved config was written (file, profile, template, --set or env). */
  locate(path: Path): SourceRange | undefined;
  /** Where the key holding the value at `path` was written. */
  locateKey(path: Path): SourceRange | undefined;
  /** A failure located at `path` (or its nearest located ancestor), formatted like every config error. */
  failureAt(path: Path, message: string, reason?: ConfigFailureReason): ConfigFailure;
}

/** The documented defaults (`defaults:` keys a file may omit). */
export const DEFAULTS = {
  backend: 'auto',
  dataRoot: './data',
  loss: { reduction: 'mean', half: false },
  divergenceCeiling: 1e8,
} as const;

export const DATA_ROOT_ENV = 'CATAPULT_DATA_ROOT';

const TOP_KEYS = ['version', 'defaults', 'execution', 'templates', 'datasets', 'experiments', 'figures', 'profiles'];
const RECORD_SECTIONS = ['templates', 'datasets', 'experiments', 'figures', 'profiles'];

/** How a file name is shown: as given, but absolute paths inside the cwd become relative. */
export function displayName(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function loadPipeline(file: string, opts: LoadOptions = {}): Result<LoadedPipeline, ConfigFailure[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const detail = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return err([failure('io', msg.cannotRead(displayName(file), detail), displayName(file), undefined)]);
  }
  return loadPipelineText(text, file, opts);
}

export function loadPipelineText(text: string, file: string, opts: LoadOptions = {}): Result<LoadedPipeline, ConfigFailure[]> {
  const name = displayName(file);
  const source: Source = { name, kind: 'file', text, order: 0 };
  const failures: ConfigFailure[] = [];
  const fail = (reason: ConfigFailureReason, message: string, at: Origin | undefined, path?: Path): void => {
    failures.push(failure(reason, message, name, at, path === undefined ? undefined : dotted(path)));
  };
  const done = (): Result<never, ConfigFailure[]> => err(sortFailures(dedupeFailures(failures)));

  // 1. parse
  const parsed = parseYaml(source, text, []);
  // After the first syntax error yaml's further errors are mostly its own confusion; duplicate keys are reliable.
  const firstSyntax = parsed.problems.find((p) => p.code !== 'DUPLICATE_KEY');
  for (const p of parsed.problems) {
    if (p.code === 'DUPLICATE_KEY' || p === firstSyntax) fail('yaml', yamlMessage(p, text), p.code === 'TAB_AS_INDENT' ? p.at : tokenAt(p.at, text));
  }
  if (failures.length > 0) return done();
  const start: Origin = { source, start: 0, end: firstLineEnd(text) };
  if (parsed.node?.t !== 'map') {
    fail('yaml', msg.notAMap(), parsed.node?.at ?? start);
    return done();
  }
  let root: LMap = parsed.node;

  // 2–3. profiles
  const profilesNode = get(root, 'profiles');
  const profiles = profilesNode?.t === 'map' ? [...profilesNode.entries.keys()] : [];
  if (profilesNode?.t === 'map') {
    for (const [pname, e] of profilesNode.entries) checkProfileKeys(pname, e.node, root, fail);
  }
  const profile = opts.profile ?? null;
  let applied: string | null = null;
  if (profile !== null) {
    const p = getEntry(profilesNode, profile);
    if (p === undefined) {
      const at = getEntry(root, 'profiles')?.keyAt ?? root.at ?? start;
      fail('unknown-profile', msg.unknownProfile(profile, profiles, suggest(profile, profiles)), at);
    } else if (p.node.t === 'map') {
      const overlay: LMap = { ...p.node, entries: new Map([...p.node.entries].filter(([k]) => k !== 'profiles' && k !== 'version')) };
      root = overlayNode(root, overlay, true, []) as LMap;
      applied = profile;
    }
  }

  // 4. environment, then --set
  const env = opts.env ?? process.env;
  const dataRoot = env[DATA_ROOT_ENV];
  if (dataRoot !== undefined && dataRoot !== '') {
    const envSource: Source = { name: `${DATA_ROOT_ENV}=${dataRoot}`, kind: 'env', text: `${DATA_ROOT_ENV}=${dataRoot}`, order: 1 };
    const at: Origin = { source: envSource, start: DATA_ROOT_ENV.length + 1, end: envSource.text.length };
    root = setIn(root, ['defaults', 'dataRoot'], { t: 'scalar', v: dataRoot, at, home: ['defaults', 'dataRoot'] }, () => at) as LMap;
  }
  (opts.sets ?? []).forEach((arg, i) => {
    root = applySet(root, arg, i, fail);
  });

  // 5. the document as written (after overlays)
  const suppress = new Set<string>();
  failures.push(...errorsToFailures(root, runValidator('raw', toJson(root)), name, suppress));

  // 6. templates and defaults
  const resolved = resolve(root, fail, suppress);

  // 7. required keys, then meaning
  failures.push(...errorsToFailures(resolved, runValidator('resolved', toJson(resolved)), name, suppress));
  checkSemantics(resolved, fail);
  if (failures.length > 0) return done();

  const config = toJson(resolved) as unknown as PipelineConfig;
  const locate = (path: Path): SourceRange | undefined => {
    const w = walk(resolved, path);
    if (w.depth < path.length) return undefined;
    const at = w.node.at ?? w.entry?.keyAt;
    return at === undefined ? undefined : rangeOf(at);
  };
  const locateKey = (path: Path): SourceRange | undefined => {
    const w = walk(resolved, path);
    if (w.depth < path.length) return undefined;
    const at = w.entry?.keyAt ?? w.node.at;
    return at === undefined ? undefined : rangeOf(at);
  };
  return ok({
    config,
    profile: applied,
    profiles,
    file: name,
    text,
    locate,
    locateKey,
    failureAt(path: Path, message: string, reason: ConfigFailureReason = 'semantic'): ConfigFailure {
      const w = walk(resolved, path);
      return failure(reason, message, name, w.node.at ?? w.entry?.keyAt ?? root.at, dotted(path));
    },
  });
}

/** Moves a range that covers only indentation to the token after it, and widens a duplicate key to the whole key. */
function tokenAt(at: Origin, text: string): Origin {
  let start = at.start;
  while (start < text.length && text[start] === ' ') start++;
  if (start >= text.length || text[start] === '\n') return at;
  let end = Math.max(at.end, start + 1);
  const key = /^[^:\n#]*?(?=\s*:(\s|$))/.exec(text.slice(start, text.indexOf('\n', start) < 0 ? undefined : text.indexOf('\n', start)));
  if (key !== null && key[0].length > 0) end = Math.max(end, start + key[0].length);
  return { ...at, start, end };
}

function firstLineEnd(text: string): number {
  const i = text.indexOf('\n');
  return i < 0 ? text.length : i;
}

function yamlMessage(p: TreeProblem, text: string): string {
  switch (p.code) {
    case 'DUPLICATE_KEY':
      return msg.duplicateKey(text.slice(tokenAt(p.at, text).start, tokenAt(p.at, text).end).trim());
    case 'TAB_AS_INDENT':
      return msg.tabIndent();
    case 'MULTIPLE_DOCS':
      return msg.multipleDocuments();
    case 'COMPLEX_KEY':
      return msg.complexKey();
    default:
      return msg.yamlSyntax(p.message.replace(/\s+/g, ' ').trim());
  }
}

// ---------------------------------------------------------------- merging

const ETA_RANGE = ['from', 'to', 'step'];

function isEtaPath(path: Path): boolean {
  return path.length >= 2 && path[path.length - 1] === 'eta' && path[path.length - 2] === 'matrix';
}

/**
 * Deep-merges `over` onto `base`: maps merge key by key, anything else
 * replaces. With `keepBase`, maps and keys that already exist keep their
 * original location (profiles change leaves, they do not move the structure);
 * without it (template merges) the later map's location wins.
 */
export function overlayNode(base: LNode | undefined, over: LNode, keepBase: boolean, path: Path): LNode {
  if (base?.t !== 'map' || over.t !== 'map') return over;
  const entries = new Map(base.entries);
  if (isEtaPath(path)) {
    if (over.entries.has('values')) for (const k of ETA_RANGE) entries.delete(k);
    if (ETA_RANGE.some((k) => over.entries.has(k))) entries.delete('values');
  }
  for (const [k, e] of over.entries) {
    const b = entries.get(k);
    const node = overlayNode(b?.node, e.node, keepBase, [...path, k]);
    const keep = keepBase && b !== undefined;
    entries.set(k, { keyAt: keep ? b.keyAt : e.keyAt, keyHome: keep ? b.keyHome : e.keyHome, node });
  }
  return { t: 'map', entries, at: keepBase ? base.at : over.at, home: keepBase ? base.home : over.home };
}

/** Sets `path` to `value`, creating maps on the way; `keyAt(i)` locates a key created at depth i. */
function setIn(node: LNode, path: Path, value: LNode, keyAt: (i: number) => Origin, i = 0): LNode {
  const seg = path[i];
  if (seg === undefined) return value;
  if (node.t === 'seq') {
    const items = [...node.items];
    const idx = Number(seg);
    const cur = items[idx];
    if (cur === undefined) return node;
    items[idx] = setIn(cur, path, value, keyAt, i + 1);
    return { ...node, items };
  }
  const map: LMap = node.t === 'map' ? node : emptyMap(node.at, node.home);
  const entries = new Map(map.entries);
  const key = String(seg);
  if (i === path.length - 1 && isEtaPath(path.slice(0, -1))) {
    if (key === 'values') for (const k of ETA_RANGE) entries.delete(k);
    if (ETA_RANGE.includes(key)) entries.delete('values');
  }
  const cur = entries.get(key);
  const child = setIn(cur?.node ?? emptyMap(keyAt(i), path.slice(0, i + 1)), path, value, keyAt, i + 1);
  const entry: LEntry = cur ? { ...cur, node: child } : { keyAt: keyAt(i), keyHome: path.slice(0, i + 1), node: child };
  entries.set(key, entry);
  return { ...map, entries };
}

type Fail = (reason: ConfigFailureReason, message: string, at: Origin | undefined, path?: Path) => void;

/** Applies one `--set path=value`; reports a bad path or value and leaves the tree unchanged then. */
function applySet(root: LMap, arg: string, index: number, fail: Fail): LMap {
  const source: Source = { name: `--set ${arg}`, kind: 'set', text: `--set ${arg}`, order: 2 + index };
  const base = '--set '.length;
  const whole: Origin = { source, start: base, end: source.text.length };
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    fail('set', msg.setSyntax(arg), whole);
    return root;
  }
  const pathText = arg.slice(0, eq);
  const raw = pathText.split('.');
  const offsets: number[] = [];
  let o = base;
  for (const s of raw) {
    offsets.push(o);
    o += s.length + 1;
  }
  const segAt = (i: number): Origin => ({ source, start: offsets[i] ?? base, end: (offsets[i] ?? base) + (raw[i]?.length ?? 0) });
  const emptyIdx = raw.findIndex((s) => s === '');
  if (emptyIdx >= 0) {
    fail('set', msg.setEmptySegment(), segAt(emptyIdx));
    return root;
  }
  // Walk what exists; named entries of record sections must exist.
  const path: PathSeg[] = [];
  let node: LNode | undefined = root;
  for (let i = 0; i < raw.length; i++) {
    const seg = raw[i] as string;
    if (node === undefined) {
      path.push(seg);
      continue;
    }
    if (node.t === 'seq') {
      const idx = Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.items.length) {
        fail('set', msg.setBadIndex(pathText, seg, node.items.length), segAt(i));
        return root;
      }
      path.push(idx);
      node = node.items[idx];
      continue;
    }
    if (node.t === 'scalar') {
      fail('set', msg.setThroughScalar(pathText, dotted(path), describeValue(node.v)), segAt(i - 1));
      return root;
    }
    const e: LEntry | undefined = node.entries.get(seg);
    if (e === undefined) {
      const parent = dotted(path);
      if (i === 0 && !TOP_KEYS.includes(seg)) {
        fail('set', msg.setUnknownPath(pathText, seg, parent, suggest(seg, TOP_KEYS)), segAt(i));
        return root;
      }
      if (i === 1 && RECORD_SECTIONS.includes(String(path[0]))) {
        fail('set', msg.setUnknownPath(pathText, seg, parent, suggest(seg, node.entries.keys())), segAt(i));
        return root;
      }
    }
    path.push(seg);
    node = e?.node;
  }
  const valueText = arg.slice(eq + 1);
  const parsed = parseYaml(source, valueText, path, base + eq + 1);
  if (parsed.problems.length > 0) {
    for (const p of parsed.problems) fail('set', msg.setValueSyntax(p.message.replace(/\s+/g, ' ').trim()), p.at);
    return root;
  }
  const valueAt: Origin = { source, start: base + eq + 1, end: source.text.length };
  const value: LNode = parsed.node ?? { t: 'scalar', v: null, at: valueAt, home: path };
  return setIn(root, path, value, segAt) as LMap;
}

/** Profile keys must name things that exist: record entries, and keys of open maps (dataset params, chart options). */
function checkProfileKeys(profile: string, node: LNode, root: LMap, fail: Fail): void {
  if (node.t !== 'map') return;
  for (const [section, se] of node.entries) {
    if (!RECORD_SECTIONS.includes(section) || se.node.t !== 'map') continue;
    const base = get(root, section);
    const names = base?.t === 'map' ? [...base.entries.keys()] : [];
    for (const [entryName, ee] of se.node.entries) {
      const b = getEntry(base, entryName);
      if (b === undefined) {
        fail('profile-key', msg.profileKeyMissingInBase(profile, dotted([section, entryName]), suggest(entryName, names)), ee.keyAt, ee.keyHome);
        continue;
      }
      const open = section === 'datasets' ? 'params' : section === 'figures' ? 'chart' : undefined;
      if (open === undefined) continue;
      const over = get(ee.node, open);
      const baseOpen = get(b.node, open);
      if (over?.t !== 'map' || baseOpen?.t !== 'map') continue;
      for (const [k, ke] of over.entries) {
        if (!baseOpen.entries.has(k)) {
          fail('profile-key', msg.profileKeyMissingInBase(profile, dotted([section, entryName, open, k]), suggest(k, baseOpen.entries.keys())), ke.keyAt, ke.keyHome);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- templates and defaults

function withoutKey(node: LMap, key: string): LMap {
  const entries = new Map(node.entries);
  entries.delete(key);
  return { ...node, entries };
}

function resolve(root: LMap, fail: Fail, suppress: Set<string>): LMap {
  const templates = get(root, 'templates');
  const names = templates?.t === 'map' ? [...templates.entries.keys()] : [];
  const memo = new Map<string, LNode | undefined>();

  const expand = (node: LNode, stack: readonly string[]): LNode => {
    if (node.t !== 'map') return node;
    const use = get(node, 'use');
    let base: LNode | undefined;
    let broken = false;
    if (use?.t === 'seq') {
      for (const item of use.items) {
        if (item.t !== 'scalar' || typeof item.v !== 'string') continue;
        const name = item.v;
        const t = getEntry(templates, name);
        if (t === undefined) {
          fail('reference', msg.unknownReference('template', name, dotted(item.home), suggest(name, names)), item.at, item.home);
          broken = true;
          continue;
        }
        if (stack.includes(name)) {
          fail('cycle', msg.templateCycle([...stack.slice(stack.indexOf(name)), name]), item.at, item.home);
          broken = true;
          continue;
        }
        const resolved = memo.has(name) ? memo.get(name) : expand(t.node, [...stack, name]);
        memo.set(name, resolved);
        if (resolved !== undefined) base = base === undefined ? resolved : overlayNode(base, resolved, false, []);
      }
    }
    const own = withoutKey(node, 'use');
    const merged = base === undefined ? own : overlayNode(base, own, false, []);
    if (broken) suppress.add(`${nodeKey(merged)}:*`);
    return merged;
  };

  // Templates are expanded on their own too, so cycles among unused templates are reported.
  if (templates?.t === 'map') for (const [n, e] of templates.entries) if (!memo.has(n)) memo.set(n, expand(e.node, [n]));

  const at = root.at;
  const rawDefaults = get(root, 'defaults');
  const defaultsEntry = getEntry(root, 'defaults');
  const defaults = overlayNode(fromJson(DEFAULTS, defaultsEntry?.keyAt ?? at, ['defaults']), rawDefaults ?? emptyMap(at, ['defaults']), true, ['defaults']);

  const entries = new Map<string, LEntry>();
  const copy = (key: string, node: LNode): void => {
    const e = getEntry(root, key);
    entries.set(key, { keyAt: e?.keyAt ?? at, keyHome: e?.keyHome ?? [key], node });
  };
  const version = get(root, 'version');
  if (version !== undefined) copy('version', version);
  copy('defaults', defaults);
  const execution = get(root, 'execution');
  if (execution !== undefined) copy('execution', execution);
  copy('datasets', get(root, 'datasets') ?? emptyMap(at, ['datasets']));

  const experiments = get(root, 'experiments');
  if (experiments?.t === 'map') {
    const out = new Map<string, LEntry>();
    for (const [n, e] of experiments.entries) out.set(n, { ...e, node: fillExperiment(expand(e.node, []), defaults) });
    copy('experiments', { ...experiments, entries: out });
  } else copy('experiments', experiments ?? emptyMap(at, ['experiments']));

  const figures = get(root, 'figures');
  if (figures?.t === 'map') {
    const out = new Map<string, LEntry>();
    for (const [n, e] of figures.entries) {
      const f = e.node;
      out.set(n, f.t === 'map' && !f.entries.has('claims') ? { ...e, node: setDefault(f, 'claims', []) } : e);
    }
    copy('figures', { ...figures, entries: out });
  } else copy('figures', figures ?? emptyMap(at, ['figures']));

  return { t: 'map', entries, at, home: [] };
}

function setDefault(node: LMap, key: string, value: unknown): LMap {
  const entries = new Map(node.entries);
  entries.set(key, { keyAt: node.at, keyHome: [...node.home, key], node: fromJson(value, node.at, [...node.home, key]) });
  return { ...node, entries };
}

function fillExperiment(node: LNode, defaults: LNode): LNode {
  if (node.t !== 'map') return node;
  let out = node;
  const dLoss = get(defaults, 'loss');
  const loss = get(out, 'loss');
  if (dLoss !== undefined) {
    const entries = new Map(out.entries);
    const e = getEntry(out, 'loss');
    entries.set('loss', {
      keyAt: e?.keyAt ?? out.at,
      keyHome: e?.keyHome ?? [...out.home, 'loss'],
      node: loss === undefined ? dLoss : overlayNode(dLoss, loss, false, []),
    });
    out = { ...out, entries };
  }
  const ceiling = get(defaults, 'divergenceCeiling');
  if (!out.entries.has('divergenceCeiling') && ceiling !== undefined) {
    const entries = new Map(out.entries);
    entries.set('divergenceCeiling', { keyAt: out.at, keyHome: [...out.home, 'divergenceCeiling'], node: ceiling });
    out = { ...out, entries };
  }
  const matrix = get(out, 'matrix');
  if (matrix?.t === 'map') {
    let m = matrix;
    if (!m.entries.has('seed')) m = setDefault(m, 'seed', [0]);
    if (!m.entries.has('variant')) m = setDefault(m, 'variant', ['net']);
    if (m !== matrix) {
      const entries = new Map(out.entries);
      const e = getEntry(out, 'matrix') as LEntry;
      entries.set('matrix', { ...e, node: m });
      out = { ...out, entries };
    }
  }
  return out;
}
