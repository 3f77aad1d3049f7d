import { describe, expect, it } from 'vitest';

import { formatConfigFailures, loadPipelineText } from '../../src/config/index.js';
import { levenshtein, suggest } from '../../src/config/suggest.js';

describe('suggest', () => {
  it('computes edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('steps', 'steps')).toBe(0);
  });
  it('suggests close names, transpositions and prefixes, and nothing for unrelated ones', () => {
    expect(suggest('dropuot', ['dropout', 'batch'])).toBe('dropout');
    expect(suggest('stpes', ['steps', 'tol'])).toBe('steps');
    expect(suggest('experiment', ['experiments', 'figures'])).toBe('experiments');
    expect(suggest('metric', ['metrics', 'record'])).toBe('metrics');
    expect(suggest('Relu', ['relu', 'tanh'])).toBe('relu');
    expect(suggest('labels', ['n', 'd', 'nTest'])).toBeUndefined();
    expect(suggest('n', ['d'])).toBeUndefined();
    expect(suggest('banana', ['steps', 'tol'])).toBeUndefined();
  });
});

describe('squiggles', () => {
  it('underline only the first line of a multi-line node', () => {
    const text = 'version: 1\nfigures:\n  f:\n    paper: zhu\n    title: T\n    caption: C\n    chart: {template: sweep}\n    experiments:\n      a: 1\n      b: 2\n';
    const r = loadPipelineText(text, 'p.yaml', { env: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatConfigFailures(r.error)).toBe(
      ['p.yaml:9:7 error: `figures.f.experiments` must be a list, not a map', '  9 |       a: 1', '    |       ^^^^', '', '1 error in p.yaml', ''].join('\n'),
    );
  });
  it('an empty file is one located error', () => {
    const r = loadPipelineText('', 'empty.yaml', { env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatConfigFailures(r.error)).toMatch(/^empty\.yaml:1:1 error: a pipeline file must be a map/);
  });
});
