/**
 * Every user-facing message of the config layer (pipeline.yaml loading and
 * validation), as functions so tests can assert exact text and so wording
 * lives in one place. Paths are dotted (`experiments.zhu-fig3.train`); names
 * and values are shown in backticks.
 */

const tick = (s: string | number): string => `\`${s}\``;

/** ` did you mean `x`?` suffix, or nothing. */
export const didYouMean = (suggestion: string | undefined): string =>
  suggestion === undefined ? '' : `; did you mean ${tick(suggestion)}?`;

const inPath = (path: string): string => (path === '' ? 'at the top level' : `in ${path}`);

const list = (items: readonly (string | number)[]): string => items.map((s) => tick(s)).join(', ');

// ---------------------------------------------------------------- I/O and YAML

export const cannotRead = (file: string, detail: string): string => `cannot read ${file}: ${detail}`;

export const yamlSyntax = (detail: string): string => `YAML syntax: ${detail}`;
export const duplicateKey = (key: string): string => `duplicate key ${tick(key)} (each key may appear once per map)`;
export const tabIndent = (): string => 'tabs are not allowed for indentation in YAML; use spaces';
export const multipleDocuments = (): string => 'a pipeline file must hold a single YAML document (remove the `---` separator)';
export const complexKey = (): string => 'map keys must be plain strings or numbers';
export const notAMap = (): string => 'a pipeline file must be a map of sections (version, defaults, datasets, experiments, figures, ...)';

// ---------------------------------------------------------------- schema

export const unknownKey = (key: string, parentPath: string, suggestion?: string): string =>
  `unknown key ${tick(key)} ${inPath(parentPath)}${didYouMean(suggestion)}`;

export const missingKey = (key: string, path: string, usedBy?: string): string =>
  `missing required key ${tick(key)} ${inPath(path)}${usedBy === undefined ? '' : ` (as used by ${usedBy})`}`;

export const wrongType = (path: string, expected: string, actual: string): string =>
  `${tick(path)} must be ${expected}, not ${actual}`;

export const notInEnum = (path: string, value: string, allowed: readonly (string | number)[], suggestion?: string): string =>
  `${tick(path)} must be one of ${list(allowed)}, not ${value}${didYouMean(suggestion)}`;

export const notConst = (path: string, expected: string, value: string): string =>
  `${tick(path)} must be ${expected}, not ${value}`;

export const outOfRange = (path: string, comparison: string, limit: number, value: string): string =>
  `${tick(path)} must be ${comparison} ${limit}, not ${value}`;

export const tooFewItems = (path: string, min: number): string =>
  `${tick(path)} must have at least ${min} item${min === 1 ? '' : 's'}`;
export const tooManyItems = (path: string, max: number): string =>
  `${tick(path)} must have at most ${max} item${max === 1 ? '' : 's'}`;
export const duplicateItems = (path: string, i: number, j: number): string =>
  `${tick(path)} must not repeat items (items ${j} and ${i} are equal)`;
export const tooShort = (path: string, min: number): string =>
  min === 1 ? `${tick(path)} must not be empty` : `${tick(path)} must be at least ${min} characters long`;
export const patternMismatch = (path: string, pattern: string): string =>
  `${tick(path)} must match the pattern ${tick(pattern)}`;
export const badFormat = (path: string, format: string): string => `${tick(path)} must be a valid ${format}`;
export const badName = (name: string, parentPath: string): string =>
  `name ${tick(name)} ${inPath(parentPath)} is not allowed: names start with a letter or digit and contain only letters, digits, \`-\`, \`_\` and \`.\``;
export const keyNotAllowed = (key: string, parentPath: string, others: readonly string[]): string =>
  `key ${tick(key)} cannot be used ${inPath(parentPath)}${others.length > 0 ? ` together with ${list(others)}` : ''}`;
export const noAlternative = (path: string, alternatives: readonly string[]): string =>
  `${tick(path)} must be ${alternatives.join(' or ')}`;
export const schemaOther = (path: string, detail: string): string => `${tick(path)} ${detail}`;

// ---------------------------------------------------------------- semantic

export const unknownReference = (kind: string, name: string, path: string, suggestion?: string): string =>
  `${path} refers to ${kind} ${tick(name)}, which is not defined${didYouMean(suggestion)}`;

export const templateCycle = (cycle: readonly string[]): string => `template cycle: ${cycle.join(' → ')}`;

export const emptyMatrix = (path: string, why: string): string =>
  `empty matrix: ${why} in ${path}, so the experiment would run nothing`;
export const emptyValues = (): string => '`values` is empty';
export const emptyRange = (from: number, to: number): string => `\`from\` (${from}) is greater than \`to\` (${to})`;
export const nonPositiveStep = (step: number): string => `\`step\` is ${step}, not a positive number`;
export const emptyList = (key: string): string => `\`${key}\` is empty`;

export const gridTooLarge = (path: string, points: number, max: number): string =>
  `${path} expands to ${points} learning rates; at most ${max} are allowed (raise \`step\` or narrow \`from\`/\`to\`)`;

export const duplicateClaim = (id: string, figure: string): string =>
  `duplicate claim id ${tick(id)} in figure ${tick(figure)} (ids must be unique within a figure)`;

export const figureWithoutExperiments = (figure: string): string =>
  `figure ${tick(figure)} lists no experiments, so there is nothing to draw`;

// ---------------------------------------------------------------- profiles, --set, env

export const unknownProfile = (name: string, available: readonly string[], suggestion?: string): string =>
  available.length === 0
    ? `unknown profile ${tick(name)}: this pipeline defines no profiles`
    : `unknown profile ${tick(name)}; available profiles: ${list(available)}${didYouMean(suggestion)}`;

export const profileKeyMissingInBase = (profile: string, path: string, suggestion?: string): string =>
  `profile ${tick(profile)} overrides ${path}, which does not exist in the pipeline${didYouMean(suggestion)}`;

export const setSyntax = (arg: string): string => `--set expects PATH=VALUE (e.g. \`defaults.backend=cpu\`), got ${tick(arg)}`;
export const setEmptySegment = (): string => 'the path has an empty segment';
export const setUnknownPath = (path: string, key: string, parentPath: string, suggestion?: string): string =>
  `no ${tick(key)} ${inPath(parentPath)}: cannot set ${path}${didYouMean(suggestion)}`;
export const setThroughScalar = (path: string, parentPath: string, actual: string): string =>
  `cannot set ${path}: ${tick(parentPath)} is ${actual}, not a map or list`;
export const setBadIndex = (path: string, index: string, length: number): string =>
  `cannot set ${path}: index ${index} is outside the list (it has ${length} item${length === 1 ? '' : 's'})`;
export const setValueSyntax = (detail: string): string => `the value is not valid YAML: ${detail}`;

// ---------------------------------------------------------------- summary

export const errorSummary = (count: number, file: string): string =>
  `${count} error${count === 1 ? '' : 's'} in ${file}`;
