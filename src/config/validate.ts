/**
 * Runs the pre-generated ajv validators on a located tree and turns ajv's
 * errors into plain-English, located `ConfigFailure`s.
 *
 * ajv reports a JSON-pointer `instancePath`; we walk the located tree along it
 * to find the YAML node (or, for an unknown key, the key itself). Branch noise
 * is collapsed: `if` errors are dropped (their `then`/`else` errors say what is
 * wrong), and an `anyOf` whose value matches the type of exactly one branch
 * reports that branch's errors, otherwise one "must be X or Y" message.
 */
import type { ErrorObject } from 'ajv';

import * as msg from '../messages/config.js';
import { failure, type ConfigFailure } from './failure.js';
import { suggest } from './suggest.js';
import { describeValue, dotted, walk, type LNode, type Path, type PathSeg } from './tree.js';
import * as generated from './validators.generated.js';

interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators = generated as unknown as Record<string, Validator>;

function validator(name: string): Validator {
  const v = validators[name];
  if (v === undefined) throw new Error(`no generated validator ${name}; run npx tsx src/config/build-validators.ts`);
  return v;
}

/** Validates `data` with a generated validator; returns ajv's raw errors. */
export function runValidator(name: 'raw' | 'resolved' | `stage_${string}`, data: unknown): ErrorObject[] {
  const v = validator(name);
  return v(data) ? [] : [...(v.errors ?? [])];
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Turns pointer segments into a path, using numbers where the tree has lists. */
function typedPath(root: LNode, segs: readonly string[]): PathSeg[] {
  const out: PathSeg[] = [];
  let node: LNode | undefined = root;
  for (const s of segs) {
    if (node?.t === 'seq') {
      const i = Number(s);
      out.push(i);
      node = node.items[i];
    } else {
      out.push(s);
      node = node?.t === 'map' ? node.entries.get(s)?.node : undefined;
    }
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: '`true` or `false`',
  object: 'a map',
  array: 'a list',
  null: 'empty',
};

const typeName = (t: unknown): string =>
  Array.isArray(t) ? t.map((x) => TYPE_NAMES[String(x)] ?? String(x)).join(' or ') : (TYPE_NAMES[String(t)] ?? String(t));

function describeBranch(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return `\`${String(s.const)}\``;
  if (Array.isArray(s.enum)) return s.enum.map((x) => `\`${String(x)}\``).join(' or ');
  if (s.type === undefined) return undefined;
  let d = typeName(s.type);
  if (typeof s.minimum === 'number') d += ` >= ${s.minimum}`;
  if (typeof s.exclusiveMinimum === 'number') d += ` > ${s.exclusiveMinimum}`;
  return d;
}

/** Drops `if` noise and collapses anyOf/oneOf branches (see the module comment). */
function collapse(errors: readonly ErrorObject[]): ErrorObject[] {
  // A bad name is reported once, by its propertyNames error, not by the name schema's own errors too.
  const badNames = new Set(errors.filter((e) => e.keyword === 'propertyNames').map((e) => e.instancePath));
  const out = errors.filter(
    (e) => e.keyword !== 'if' && !(badNames.has(e.instancePath) && e.keyword !== 'propertyNames' && e.keyword !== 'additionalProperties' && e.keyword !== 'required' && e.keyword !== 'type'),
  );
  const unions = out.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (unions.length === 0) return out;
  const drop = new Set<ErrorObject>();
  for (const u of unions) {
    const prefix = `${u.schemaPath}/`;
    const sub = out.filter((e) => e !== u && e.schemaPath.startsWith(prefix));
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of sub) {
      const i = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      byBranch.set(i, [...(byBranch.get(i) ?? []), e]);
    }
    // A branch "matches the shape" when none of its errors is a type/const/enum error on the value itself.
    const shaped = [...byBranch.entries()].filter(([, es]) =>
      es.every((e) => !(e.instancePath === u.instancePath && ['type', 'const', 'enum'].includes(e.keyword))),
    );
    if (shaped.length === 1) {
      const keep = new Set(shaped[0]?.[1] ?? []);
      for (const e of sub) if (!keep.has(e)) drop.add(e);
      drop.add(u);
    } else {
      for (const e of sub) drop.add(e);
    }
  }
  return out.filter((e) => !drop.has(e));
}

const isRecordKey = (parentPath: Path): boolean =>
  parentPath.length === 1 && ['templates', 'datasets', 'experiments', 'figures', 'profiles'].includes(String(parentPath[0]));

/** Key of a map node for suppressing follow-on errors: `order:offset`. */
export const nodeKey = (node: LNode): string => (node.at === undefined ? '' : `${node.at.source.order}:${node.at.start}`);

/**
 * Converts ajv errors (on the JSON of `root`) into failures located in the
 * tree. `file` is the pipeline file name for the summary.
 *
 * `suppress` carries follow-on knowledge between passes: an unknown key with a
 * suggestion `x` adds `node:x` (so "missing `steps`" is not reported beside
 * "unknown key `stpes`; did you mean `steps`?"), and the resolver adds
 * `node:*` for an experiment whose template could not be found.
 */
export function errorsToFailures(root: LNode, errors: readonly ErrorObject[], file: string, suppress = new Set<string>()): ConfigFailure[] {
  const out: ConfigFailure[] = [];
  const kept = collapse(errors);
  // Unknown keys first: their suggestions silence the matching "missing key" errors, whatever ajv's order.
  kept.sort((a, b) => Number(b.keyword === 'additionalProperties') - Number(a.keyword === 'additionalProperties'));
  for (const e of kept) {
    const segs = typedPath(root, parsePointer(e.instancePath));
    const here = walk(root, segs);
    const node = here.node;
    const home = here.depth === segs.length ? node.home : segs;
    const path = dotted(home);
    const parentSchema = (e.parentSchema ?? {}) as Record<string, unknown>;
    const valueAt = node.at ?? here.entry?.keyAt;
    const keyAt = here.entry?.keyAt ?? node.at;
    const params = e.params as Record<string, unknown>;
    const data = e.data;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const entry = node.t === 'map' ? node.entries.get(key) : undefined;
        const allowed = Object.keys((parentSchema.properties ?? {}) as object);
        const parentHome = entry ? entry.keyHome.slice(0, -1) : home;
        const suggestion = suggest(key, allowed);
        if (suggestion !== undefined) suppress.add(`${nodeKey(node)}:${suggestion}`);
        out.push(failure('schema', msg.unknownKey(key, dotted(parentHome), suggestion), file, entry?.keyAt ?? valueAt, dotted([...parentHome, key])));
        break;
      }
      case 'required': {
        const key = String(params.missingProperty);
        if (suppress.has(`${nodeKey(node)}:${key}`) || suppress.has(`${nodeKey(node)}:*`)) break;
        const resolvedPath = dotted(segs);
        const usedBy = resolvedPath !== path && here.depth === segs.length ? resolvedPath : undefined;
        out.push(failure('schema', msg.missingKey(key, path, usedBy), file, keyAt, dotted([...home, key])));
        break;
      }
      case 'propertyNames': {
        const name = String(params.propertyName);
        const entry = node.t === 'map' ? node.entries.get(name) : undefined;
        out.push(failure('schema', msg.badName(name, path), file, entry?.keyAt ?? valueAt, dotted([...home, name])));
        break;
      }
      case 'type':
        out.push(failure('schema', msg.wrongType(path, typeName(params.type), describeValue(data)), file, valueAt, path));
        break;
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map((x) => (typeof x === 'number' ? x : String(x)));
        const s = typeof data === 'string' ? suggest(data, allowed.map(String)) : undefined;
        out.push(failure('schema', msg.notInEnum(path, describeValue(data), allowed, s), file, valueAt, path));
        break;
      }
      case 'const':
        out.push(failure('schema', msg.notConst(path, `\`${String(params.allowedValue)}\``, describeValue(data)), file, valueAt, path));
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        out.push(failure('schema', msg.outOfRange(path, String(params.comparison), Number(params.limit), describeValue(data)), file, valueAt, path));
        break;
      case 'minItems':
        out.push(failure('schema', msg.tooFewItems(path, Number(params.limit)), file, valueAt, path));
        break;
      case 'maxItems':
        out.push(failure('schema', msg.tooManyItems(path, Number(params.limit)), file, valueAt, path));
        break;
      case 'uniqueItems': {
        const i = Number(params.i);
        const j = Number(params.j);
        const item = node.t === 'seq' ? node.items[i] : undefined;
        out.push(failure('schema', msg.duplicateItems(path, i, j), file, item?.at ?? valueAt, path));
        break;
      }
      case 'minLength':
        out.push(failure('schema', msg.tooShort(path, Number(params.limit)), file, valueAt, path));
        break;
      case 'pattern':
        if (e.propertyName !== undefined) break; // reported by the propertyNames error
        out.push(failure('schema', msg.patternMismatch(path, String(params.pattern)), file, valueAt, path));
        break;
      case 'format':
        out.push(failure('schema', msg.badFormat(path, String(params.format)), file, valueAt, path));
        break;
      case 'false schema': {
        const parent = here.depth === segs.length ? segs.slice(0, -1) : segs;
        const parentNode = walk(root, parent).node;
        const others = parentNode.t === 'map' ? [...parentNode.entries.keys()].filter((k) => k !== segs[segs.length - 1]) : [];
        const parentHome = here.entry ? here.entry.keyHome.slice(0, -1) : parent;
        out.push(failure('schema', msg.keyNotAllowed(String(segs[segs.length - 1]), dotted(parentHome), others), file, keyAt, path));
        break;
      }
      case 'anyOf':
      case 'oneOf': {
        const branches = (e.schema as unknown[]).map(describeBranch);
        const alts = branches.every((b) => b !== undefined) ? (branches as string[]) : ['one of the allowed forms'];
        out.push(failure('schema', msg.noAlternative(path, alts), file, valueAt, path));
        break;
      }
      default:
        if (isRecordKey(segs)) break;
        out.push(failure('schema', msg.schemaOther(path, e.message ?? e.keyword), file, valueAt, path));
    }
  }
  return out;
}
