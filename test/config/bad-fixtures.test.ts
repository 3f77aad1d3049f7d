import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CONFIG_ERROR_EXIT, formatConfigFailures, loadPipelineText } from '../../src/config/index.js';
import { readFixture } from './fixtures.js';

const DIR = join(import.meta.dirname, '../fixtures/config/bad');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

function errorsOf(name: string): string {
  const { text, opts } = readFixture(join(DIR, name));
  const r = loadPipelineText(text, `bad/${name}`, opts);
  if (r.ok) throw new Error(`${name} loaded without errors`);
  return formatConfigFailures(r.error);
}

describe('malformed configs', () => {
  it('has a large fixture set', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(CONFIG_ERROR_EXIT).toBe(2);
  });

  it.each(files)('%s yields located errors and no stack trace', (name) => {
    const { text, opts } = readFixture(join(DIR, name));
    const r = loadPipelineText(text, `bad/${name}`, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.length).toBeGreaterThan(0);
    const out = formatConfigFailures(r.error);
    expect(out).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack frames
    expect(out).not.toMatch(/must NOT have|must have required property|must be equal to/); // no raw ajv text
    for (const f of r.error) {
      expect(f.range, f.message).toBeDefined();
      const block = formatConfigFailures([f]).trimEnd().split('\n');
      if (f.range?.origin === 'file') {
        expect(block[0]).toMatch(new RegExp(`^bad/${name.replace('.', '\\.')}:\\d+:\\d+ error: `));
        expect(block[1]).toMatch(/^ {2}\d+ \| /);
        expect(block[2]).toMatch(/^ {2} +\| [ \t]*\^+$/);
      } else {
        // --set and environment errors name the argument, then underline inside it.
        expect(block[0]).toMatch(/^(--set |CATAPULT_DATA_ROOT=)\S.*: \S/);
        expect(block[2]).toMatch(/^ {2} *\^+$/);
      }
      expect(block[block.length - 1]).toBe(`1 error in bad/${name}`);
    }
  });

  it('sorts errors by position and counts them', () => {
    const out = errorsOf('unknown-key-top.yaml');
    const lines = out.split('\n').filter((l) => /^bad\//.test(l));
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['bad/unknown-key-top.yaml:16:1', 'bad/unknown-key-top.yaml:27:19']);
    expect(out.trimEnd().endsWith('2 errors in bad/unknown-key-top.yaml')).toBe(true);
  });
});

describe('exact error text', () => {
  it('unknown key with a suggestion, and no follow-on "missing" error', () => {
    expect(errorsOf('unknown-key-train.yaml')).toBe(
      [
        'bad/unknown-key-train.yaml:7:7 error: unknown key `stpes` in templates.net.train; did you mean `steps`?',
        '  7 |       stpes: 100',
        '    |       ^^^^^',
        '',
        '1 error in bad/unknown-key-train.yaml',
        '',
      ].join('\n'),
    );
  });

  it('misspelled enum value', () => {
    expect(errorsOf('misspelled-enum-activation.yaml')).toBe(
      [
        'bad/misspelled-enum-activation.yaml:4:47 error: `templates.net.model.activation` must be one of `relu`, `tanh`, `swish`, `homogeneous`, `identity`, not the string `rleu`; did you mean `relu`?',
        '  4 |     model: {arch: fc2, width: 64, activation: rleu}',
        '    |                                               ^^^^',
        '',
        '1 error in bad/misspelled-enum-activation.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a model field out of range names the field, not the union', () => {
    expect(errorsOf('width-zero.yaml')).toBe(
      [
        'bad/width-zero.yaml:4:31 error: `templates.net.model.width` must be >= 1, not `0`',
        '  4 |     model: {arch: fc2, width: 0, activation: relu}',
        '    |                               ^',
        '',
        '1 error in bad/width-zero.yaml',
        '',
      ].join('\n'),
    );
  });

  it('template cycle', () => {
    expect(errorsOf('template-cycle.yaml')).toBe(
      ['bad/template-cycle.yaml:6:11 error: template cycle: a → b → a', '  6 |     use: [a]', '    |           ^', '', '1 error in bad/template-cycle.yaml', ''].join('\n'),
    );
  });

  it('bad dataset reference', () => {
    expect(errorsOf('unknown-dataset-ref.yaml')).toBe(
      [
        'bad/unknown-dataset-ref.yaml:19:14 error: experiments.zhu-fig3.dataset refers to dataset `tyo`, which is not defined; did you mean `toy`?',
        '  19 |     dataset: tyo',
        '     |              ^^^',
        '',
        '1 error in bad/unknown-dataset-ref.yaml',
        '',
      ].join('\n'),
    );
  });

  it('empty matrix', () => {
    expect(errorsOf('empty-range.yaml')).toBe(
      [
        'bad/empty-range.yaml:21:19 error: empty matrix: `from` (4) is greater than `to` (0.1) in experiments.zhu-fig3.matrix.eta, so the experiment would run nothing',
        '  21 |       eta: {from: 4.0, to: 0.1, step: 0.1, unit: critical}',
        '     |                   ^^^',
        '',
        '1 error in bad/empty-range.yaml',
        '',
      ].join('\n'),
    );
  });

  it('unknown profile lists the available ones', () => {
    expect(errorsOf('unknown-profile.yaml')).toBe(
      [
        'bad/unknown-profile.yaml:30:1 error: unknown profile `quikc`; available profiles: `quick`; did you mean `quick`?',
        '  30 | profiles:',
        '     | ^^^^^^^^',
        '',
        '1 error in bad/unknown-profile.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a profile key missing from the base, at the profile line', () => {
    expect(errorsOf('bad-profile-key.yaml')).toBe(
      [
        'bad/bad-profile-key.yaml:32:7 error: profile `quick` overrides experiments.zhu-fgi3, which does not exist in the pipeline; did you mean `zhu-fig3`?',
        '  32 |       zhu-fgi3:',
        '     |       ^^^^^^^^',
        '',
        '1 error in bad/bad-profile-key.yaml',
        '',
      ].join('\n'),
    );
  });

  it('an invalid value from a profile points at the profile', () => {
    expect(errorsOf('bad-profile-value.yaml')).toContain(
      [
        'bad/bad-profile-value.yaml:35:24 error: `profiles.quick.templates.net.model.width` must be >= 1, not `-5`',
        '  35 |         model: {width: -5}',
        '     |                        ^^',
      ].join('\n'),
    );
  });

  it('bad --set path', () => {
    expect(errorsOf('bad-set-path.yaml')).toBe(
      [
        '--set experiments.zhu-fgi3.train.steps=10: no `zhu-fgi3` in experiments: cannot set experiments.zhu-fgi3.train.steps; did you mean `zhu-fig3`?',
        '  --set experiments.zhu-fgi3.train.steps=10',
        '                    ^^^^^^^^',
        '',
        '1 error in bad/bad-set-path.yaml',
        '',
      ].join('\n'),
    );
  });

  it('an error inside a --set value', () => {
    expect(errorsOf('bad-set-type.yaml')).toBe(
      [
        '--set templates.net.train.steps=many: `templates.net.train.steps` must be an integer, not the string `many`',
        '  --set templates.net.train.steps=many',
        '                                  ^^^^',
        '',
        '1 error in bad/bad-set-type.yaml',
        '',
      ].join('\n'),
    );
  });

  it('YAML syntax: duplicate key', () => {
    expect(errorsOf('yaml-duplicate-key.yaml')).toBe(
      [
        'bad/yaml-duplicate-key.yaml:20:5 error: duplicate key `dataset` (each key may appear once per map)',
        '  20 |     dataset: toy',
        '     |     ^^^^^^^',
        '',
        '1 error in bad/yaml-duplicate-key.yaml',
        '',
      ].join('\n'),
    );
  });

  it('a template error used by two experiments is reported once', () => {
    const out = errorsOf('template-error-shared.yaml');
    expect(out.match(/error:/g)?.length).toBe(1);
    expect(out).toContain('bad/template-error-shared.yaml:7:14 error: `templates.net.train.steps` must be >= 1, not `-1`');
  });

  it('colour changes only the decoration', () => {
    const { text, opts } = readFixture(join(DIR, 'width-zero.yaml'));
    const r = loadPipelineText(text, 'bad/width-zero.yaml', opts);
    if (r.ok) throw new Error('expected errors');
    const coloured = formatConfigFailures(r.error, { color: true });
    expect(coloured).toContain('\x1b[');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(formatConfigFailures(r.error));
  });
});
