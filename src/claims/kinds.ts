/**
 * The check vocabulary as data: one JSON Schema (draft 2020-12 subset) per
 * kind, so the config/graph layer can reject an unknown kind or a misspelt
 * parameter with a located error before anything runs, and so the schema
 * owner can paste them into `schemas/stages/claims.schema.json`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import * as generated from './validators.generated.js';
import { AXES, QUANTITIES } from './types.js';

type Schema = Record<string, unknown>;

const endpoint: Schema = {
  description: 'a number, null (unbounded), or {bound: <name of an InitRow bound>, scale?: number}',
  oneOf: [
    { type: 'number' },
    { type: 'null' },
    {
      type: 'object',
      required: ['bound'],
      properties: { bound: { type: 'string', minLength: 1 }, scale: { type: 'number' } },
      additionalProperties: false,
    },
  ],
};
const range: Schema = {
  description: 'a two-element list [low, high]; each end a number, null or {bound: name}',
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: endpoint,
};
const numRange: Schema = {
  description: 'a two-element list of numbers [low, high]',
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: { type: 'number' },
};
const axis: Schema = { description: `one of ${AXES.join(', ')}`, enum: [...AXES] };
const quantity: Schema = { description: `one of ${QUANTITIES.join(', ')}`, enum: [...QUANTITIES] };
const variantName: Schema = { enum: ['net', 'lin', 'quad'] };
const fraction: Schema = { type: 'number', minimum: 0, maximum: 1 };
const positive: Schema = { type: 'number', exclusiveMinimum: 0 };
const nonNegative: Schema = { type: 'number', minimum: 0 };
const experiments: Schema = { type: 'array', minItems: 2, items: { type: 'string', minLength: 1 } };
const metric: Schema = {
  description: 'one of bestTestLoss, bestTestAcc, finalTestLoss, finalTestAcc',
  enum: ['bestTestLoss', 'bestTestAcc', 'finalTestLoss', 'finalTestAcc'],
};
const stat: Schema = { enum: ['best', 'median', 'worst'] };

/** Parameters every run-based check accepts (see `Selection` and `ConvergedRule` in types.ts). */
const selection: Record<string, Schema> = {
  experiment: { type: 'string', minLength: 1 },
  variant: {
    description: 'net, lin, quad, or a list of them',
    oneOf: [variantName, { type: 'array', minItems: 1, items: variantName }],
  },
  seed: { description: 'an integer or a list of integers', oneOf: [{ type: 'integer' }, { type: 'array', minItems: 1, items: { type: 'integer' } }] },
  converged: {
    description: "{mode: removable, removable?: number, floor?: zero | min-final | number | {extra: name}} or {mode: not-diverged}",
    oneOf: [
      {
        type: 'object',
        required: ['mode'],
        properties: {
          mode: { const: 'removable' },
          removable: positive,
          floor: {
            oneOf: [
              { enum: ['zero', 'min-final'] },
              { type: 'number' },
              { type: 'object', required: ['extra'], properties: { extra: { type: 'string' } }, additionalProperties: false },
            ],
          },
        },
        additionalProperties: false,
      },
      { type: 'object', required: ['mode'], properties: { mode: { const: 'not-diverged' } }, additionalProperties: false },
    ],
  },
};

export interface CheckKindInfo {
  /** What the kind asserts, in one sentence (shown by `catapult explain` and in docs/claims.md). */
  readonly description: string;
  /** JSON Schema of the check object (including `kind`). */
  readonly schema: Schema;
}

function kind(name: string, description: string, props: Record<string, Schema>, required: string[], withSelection = true): [string, CheckKindInfo] {
  return [
    name,
    {
      description,
      schema: {
        type: 'object',
        required: ['kind', ...required],
        properties: { kind: { const: name }, ...(withSelection ? selection : {}), ...props },
        additionalProperties: false,
      },
    },
  ];
}

/** Every check kind, with its parameter schema. An unknown kind is a config-time error. */
export const CHECK_KINDS: Readonly<Record<string, CheckKindInfo>> = Object.fromEntries([
  kind(
    'converges-iff-below',
    'Every run below the threshold converges and every run above it does not (or diverges, with above: diverged); runs within ±margin of the threshold are not judged.',
    { axis, threshold: endpoint, margin: nonNegative, above: { enum: ['diverged', 'not-converged'] }, range },
    ['axis', 'threshold'],
  ),
  kind('converges-below', 'Every run below the threshold (and inside range, if given) converges.', { axis, threshold: endpoint, margin: nonNegative, range }, [
    'axis',
    'threshold',
  ]),
  kind('converges-beyond', 'At least one run above the threshold (+margin) converges.', { axis, threshold: endpoint, margin: nonNegative }, ['axis', 'threshold']),
  kind(
    'max-converged-in',
    'The largest converged rate lies in [low, high], and some larger rate fails to converge (else the edge is not bracketed: NOT-RUN).',
    { axis, range: numRange },
    ['axis', 'range'],
  ),
  kind(
    'edge-near',
    'The convergence edge, bracketed by the largest converged rate and the next non-converged one, is compatible with value ± tol (relative).',
    { axis, value: endpoint, tol: nonNegative },
    ['axis', 'value', 'tol'],
  ),
  kind(
    'loss-spike',
    'Every converged run in range (or at least `fraction` of them; 0 = at least one) has max q / q(0) ≥ factor for the quantity q (default the loss: a catapult spike), and, with fallTo, ends at ≤ fallTo × its peak (rises then falls).',
    { quantity, axis, range, factor: positive, fraction, fallTo: positive },
    ['axis', 'range', 'factor'],
  ),
  kind(
    'kernel-constant',
    'For every converged run in range, the quantity (default sharpness ηλmax(H_t)) stays within ±tol (relative) of its initial value at every recorded step.',
    { quantity, axis, range, tol: nonNegative },
    ['axis', 'range', 'tol'],
  ),
  kind(
    'only-lambda1-drops',
    'For converged runs with 2/λ1 < η < 2/λ2 (1-D data), λ1 ends at ≤ maxRatio of its initial value while λ2 stays within ±tol.',
    { margin: nonNegative, maxRatio: positive, tol: nonNegative },
    ['maxRatio', 'tol'],
  ),
  kind(
    'nonincreasing',
    'For every converged run in range, the quantity (default θ²) never increases between recorded steps by more than relTol (relative).',
    { quantity, axis, range, relTol: nonNegative },
    ['axis', 'range'],
  ),
  kind(
    'final-in',
    'The final value of the quantity (divided by its initial value when relative: true) lies in [lo, hi] for every converged run in range, or for at least `fraction` of them (fraction 0: at least one).',
    { quantity, relative: { type: 'boolean' }, axis, range, lo: { type: 'number' }, hi: { type: 'number' }, fraction },
    ['quantity', 'axis', 'range'],
  ),
  kind(
    'peak-near',
    'Over converged runs in range, the final (relative) quantity is largest at a rate inside `at`, with a larger converged rate beyond it unless interior: false.',
    { quantity, relative: { type: 'boolean' }, axis, range, at: numRange, interior: { type: 'boolean' } },
    ['axis', 'at'],
  ),
  kind(
    'drops-then-returns',
    'Over converged runs in range (sorted by rate), the final quantity (default sharpness) first falls to ≤ dropBelow and, at a larger rate, returns into returnTo.',
    { quantity, axis, range, dropBelow: { type: 'number' }, returnTo: numRange },
    ['axis', 'range', 'dropBelow', 'returnTo'],
  ),
  kind(
    'distance-ratio',
    'The smallest final (or max) quantity (default ‖w−w0‖) of converged super-range runs is ≥ factor × the largest of converged sub-range runs.',
    { quantity, stat: { enum: ['final', 'max'] }, axis, sub: range, super: range, factor: positive },
    ['axis', 'sub', 'super', 'factor'],
  ),
  kind(
    'test-compare',
    'Per variant, the best/median/worst test metric (mean over seeds per rate) over converged super-range rates beats that over sub-range rates (lower loss, higher accuracy), with optional slack.',
    {
      metric,
      variants: { type: 'array', minItems: 1, items: variantName },
      axis,
      sub: range,
      super: range,
      superStat: stat,
      subStat: stat,
      slack: nonNegative,
      strict: { type: 'boolean' },
    },
    ['metric', 'axis', 'sub', 'super'],
  ),
  kind(
    'curves-coincide',
    'At every rate in range present for all variants, the test metric (mean over seeds) differs across variants by ≤ relTol of the smallest.',
    { metric, variants: { type: 'array', minItems: 2, items: variantName }, axis, range, relTol: nonNegative },
    ['axis', 'range', 'relTol'],
  ),
  kind(
    'sparsity-increases',
    'Spearman rank correlation between the rate and the final activation sparsity (one layer or the mean over layers) over converged runs in range is ≥ rho (needs ≥ 3 runs).',
    { layer: { oneOf: [{ type: 'integer', minimum: 0 }, { const: 'mean' }] }, axis, range, rho: { type: 'number', minimum: -1, maximum: 1 } },
    ['axis', 'range', 'rho'],
  ),
  kind(
    'layer-sparser',
    'Layer a is sparser than layer b in every converged run in range (or at least `fraction` of them).',
    { layers: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 0 } }, axis, range, fraction },
    ['axis', 'range'],
  ),
  kind(
    'diverges-earlier',
    "The smallest non-converged rate of experiments[0] is below that of experiments[1] (e.g. three-layer vs two-layer).",
    { experiments: { ...experiments, maxItems: 2 }, axis, variant: selection['variant']!, converged: selection['converged']!, above: { enum: ['diverged', 'not-converged'] } },
    ['experiments', 'axis'],
    false,
  ),
  kind(
    'spike-later-higher',
    'Along the listed experiments (e.g. decreasing γ, increasing width), the selected run (nearest to `at` on `axis`) converges and its loss peak comes strictly later and is strictly higher.',
    { experiments, axis, at: { type: 'number' }, variant: selection['variant']!, converged: selection['converged']! },
    ['experiments'],
    false,
  ),
  kind(
    'same-edge',
    'The largest converged rates of the listed experiments differ by at most tol (same catapult window).',
    { experiments, axis, tol: nonNegative, variant: selection['variant']!, converged: selection['converged']! },
    ['experiments', 'axis', 'tol'],
    false,
  ),
  kind(
    'value-near',
    'An initialisation quantity (etaCrit, lambdaMaxH, lambdaMaxK, theta2, loss0, etaLambda1 = 2/λ1, etaLambda2 = 2/λ2, bound:<name>, extra:<name>) equals target within relTol (relative) or absTol.',
    {
      experiment: selection['experiment']!,
      seed: selection['seed']!,
      quantity: { type: 'string', pattern: '^(etaCrit|lambdaMaxH|lambdaMaxK|theta2|loss0|etaLambda1|etaLambda2|bound:.+|extra:.+)$' },
      target: { type: 'number' },
      relTol: nonNegative,
      absTol: nonNegative,
    },
    ['quantity', 'target'],
    false,
  ),
  kind(
    'init-compare',
    'An initialisation quantity (as in value-near, e.g. bound:eq95) of experiments[0] exceeds minRatio (default 1) × that of experiments[1].',
    {
      experiments: { ...experiments, maxItems: 2 },
      quantity: { type: 'string', pattern: '^(etaCrit|lambdaMaxH|lambdaMaxK|theta2|loss0|etaLambda1|etaLambda2|bound:.+|extra:.+)$' },
      minRatio: positive,
    },
    ['experiments', 'quantity'],
    false,
  ),
  kind('all-of', 'Every sub-check passes (FAIL if any fails, NOT-RUN if none fails but one could not run).', { checks: { type: 'array', minItems: 1, items: { type: 'object' } } }, ['checks'], false),
]);

/** A located validation error: `path` is a JSON pointer into the check object (e.g. `/threshold`). */
export interface CheckError {
  path: string;
  message: string;
}

/** Name of a kind's validator in validators.generated.ts. */
export function validatorName(kind: string): string {
  return `check_${kind.replace(/[^A-Za-z0-9]/g, '_')}`;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const pregenerated = generated as unknown as Record<string, Validate | undefined>;
let ajv: Ajv | undefined;
const compiled = new Map<string, Validate>();

/** The pre-generated validator of a kind, or (if the generated file is stale) one compiled now. */
function validatorFor(kind: string, schema: object): Validate {
  const pre = pregenerated[validatorName(kind)];
  if (pre) return pre;
  let v = compiled.get(kind);
  if (!v) {
    ajv ??= new Ajv({ allErrors: true, strict: false, verbose: true });
    compiled.set(kind, (v = ajv.compile(schema) as Validate));
  }
  return v;
}

function schemaErrors(errors: readonly ErrorObject[]): CheckError[] {
  const out: CheckError[] = [];
  const seen = new Set<string>();
  // A failed oneOf yields one error per branch (and per nested oneOf) plus the oneOf itself:
  // report only the outermost oneOf, with its description.
  const under = (path: string, p: string): boolean => path === p || path.startsWith(`${p}/`);
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const outer = oneOfs.filter((e) => !oneOfs.some((o) => o !== e && o.instancePath !== e.instancePath && under(e.instancePath, o.instancePath)));
  for (const e of errors) {
    if (outer.some((o) => o !== e && under(e.instancePath, o.instancePath))) continue;
    let message: string;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      out.push({ path: `${e.instancePath}/${extra}`, message: `unknown parameter '${extra}'` });
      continue;
    }
    if (e.keyword === 'oneOf') {
      const d = (e.parentSchema as { description?: string } | undefined)?.description;
      message = `must be ${d ?? 'one of the allowed forms'}`;
    } else if (e.keyword === 'required') {
      const p = (e.params as { missingProperty: string }).missingProperty;
      out.push({ path: `${e.instancePath}/${p}`, message: 'is required' });
      continue;
    } else if (e.keyword === 'enum') {
      const d = (e.parentSchema as { description?: string } | undefined)?.description;
      message = d ? `must be ${d}` : `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else message = e.message ?? 'is invalid';
    const key = `${e.instancePath} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path: e.instancePath, message });
    }
  }
  return out;
}

const isNum = (x: unknown): x is number => typeof x === 'number';

/** Schema validation plus the cross-field rules a schema cannot say; recursive for all-of. */
export function validateCheckDetailed(check: unknown, prefix = ''): CheckError[] {
  if (typeof check !== 'object' || check === null || Array.isArray(check)) return [{ path: prefix || '/', message: 'must be an object with a kind' }];
  const c = check as Record<string, unknown>;
  const k = c['kind'];
  if (typeof k !== 'string') return [{ path: `${prefix}/kind`, message: 'is required (a string)' }];
  const info = CHECK_KINDS[k];
  if (!info) return [{ path: `${prefix}/kind`, message: `unknown check kind '${k}' (known: ${Object.keys(CHECK_KINDS).join(', ')})` }];
  const validate = validatorFor(k, info.schema as object);
  const errors = validate(c) ? [] : schemaErrors(validate.errors ?? []).map((e) => ({ path: prefix + e.path, message: e.message }));
  // Cross-field rules.
  for (const key of ['range', 'sub', 'super', 'at', 'returnTo']) {
    const r = c[key];
    if (Array.isArray(r) && isNum(r[0]) && isNum(r[1]) && r[0] > r[1]) errors.push({ path: `${prefix}/${key}`, message: `low ${r[0]} exceeds high ${r[1]}` });
  }
  if (k === 'final-in' && c['lo'] === undefined && c['hi'] === undefined) errors.push({ path: `${prefix}/lo`, message: 'final-in needs lo, hi or both' });
  if (k === 'final-in' && isNum(c['lo']) && isNum(c['hi']) && c['lo'] > c['hi']) errors.push({ path: `${prefix}/lo`, message: `lo ${c['lo']} exceeds hi ${c['hi']}` });
  if (k === 'value-near' && c['relTol'] === undefined && c['absTol'] === undefined) errors.push({ path: `${prefix}/relTol`, message: 'value-near needs relTol or absTol' });
  if (k === 'all-of' && Array.isArray(c['checks'])) c['checks'].forEach((sub, i) => errors.push(...validateCheckDetailed(sub, `${prefix}/checks/${i}`)));
  return errors;
}

/** `validateCheckDetailed` as `"<path>: <message>"` lines, for callers that only print. */
export function validateCheck(check: unknown): string[] {
  return validateCheckDetailed(check).map((e) => `${e.path || '/'}: ${e.message}`);
}
