/**
 * End to end through `main()`: real config loading, graph, keys, the worker
 * pool with the real stages (a tiny pipeline), the cache and the report.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { readFixture } from '../config/fixtures.js';

function captureIo(env: NodeJS.ProcessEnv = {}): Io & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (l) => void out.push(l),
    err: (l) => void err.push(l.endsWith('\n') ? l : `${l}\n`),
    stderr: { write: (c: string) => void err.push(c), isTTY: false },
    env,
    outText: () => out.join('\n'),
    errText: () => err.join(''),
  };
}

/** Ids the executor ran (from the plain, non-TTY progress lines). */
function executed(errText: string): string[] {
  return [...errText.matchAll(/^\[\d+\/\d+\] (\S+) done in/gm)].map((m) => m[1]!).sort();
}

describe('catapult run (end to end)', () => {
  let dir: string;
  let config: string;
  const args = (): string[] => ['--config', config, '--jobs', '2'];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'catapult-cli-'));
    config = join(dir, 'pipeline.yaml');
    cpSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), config);
  });

  it('first run executes every stage and writes the report', async () => {
    const io = captureIo();
    const code = await main(['run', ...args()], io);
    expect(io.errText()).not.toContain('failed');
    expect(code).toBe(0);
    // dataset, 2 inits (a, b), 3 trains, 2 metrics, 2 plots, 2 claims
    expect(executed(io.errText())).toHaveLength(12);
    expect(existsSync(join(dir, 'reports', 'index.html'))).toBe(true);
    expect(io.outText()).toMatch(/report: .*index\.html/);
  }, 180_000);

  it('a second run with nothing changed executes 0 stages and reuses the report', async () => {
    const io = captureIo();
    expect(await main(['run', ...args()], io)).toBe(0);
    expect(executed(io.errText())).toEqual([]);
    expect(io.outText()).toContain('unchanged — from cache');
  }, 60_000);

  it('editing one learning rate reruns exactly its run, the metrics, plot and claims that read it', async () => {
    writeFileSync(config, readFileSync(config, 'utf8').replace('values: [0.5, 1.5]', 'values: [0.5, 2.5]'));
    const io = captureIo();
    expect(await main(['run', ...args()], io)).toBe(0);
    expect(executed(io.errText())).toEqual(['claims:fig-a', 'metrics:a', 'plot:fig-a', 'train:a[eta=2.5,seed=0,variant=net]']);
    expect(io.outText()).not.toContain('from cache'); // the report was rebuilt
  }, 120_000);

  it('editing a caption reruns no stage, only the report', async () => {
    writeFileSync(config, readFileSync(config, 'utf8').replace('Loss of experiment b.', 'Loss of b, renamed.'));
    const io = captureIo();
    expect(await main(['run', ...args()], io)).toBe(0);
    expect(executed(io.errText())).toEqual([]);
    expect(io.outText()).not.toContain('from cache');
    expect(readFileSync(join(dir, 'reports', 'index.html'), 'utf8')).toContain('Loss of b, renamed.');
  }, 60_000);

  it('plan says why a stage would run, field by field', async () => {
    writeFileSync(config, readFileSync(config, 'utf8').replace('model: { width: 8 }', 'model: { width: 12 }'));
    const io = captureIo();
    expect(await main(['plan', ...args()], io)).toBe(0);
    const text = io.outText();
    expect(text).toMatch(/^\d+ of \d+ stages would run/m);
    expect(text).toContain('init:b[seed=0]  params changed: model.width: 8 → 12');
    expect(text).toContain('metrics:b  input changed');
    expect(text).not.toContain('train:a[');
  });

  it('status reports stale and up-to-date figures', async () => {
    const io = captureIo();
    expect(await main(['status', ...args()], io)).toBe(0);
    expect(io.outText()).toMatch(/^fig-a\s+up-to-date$/m);
    expect(io.outText()).toMatch(/^fig-b\s+stale/m);
  });

  it('explain prints the fingerprint and the diff to the last run', async () => {
    const io = captureIo();
    expect(await main(['explain', 'init:b[seed=0]', ...args()], io)).toBe(0);
    expect(io.outText()).toContain('"width": 12');
    expect(io.outText()).toContain('params changed: model.width: 8 → 12');
  });

  it('report --compare overlays the same figures from another cache', async () => {
    const other = mkdtempSync(join(tmpdir(), 'catapult-cli-other-'));
    const otherConfig = join(other, 'pipeline.yaml');
    cpSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), otherConfig);
    expect(await main(['run', 'fig-a', '--no-report', '--config', otherConfig, '--jobs', '2'], captureIo())).toBe(0);
    const io = captureIo();
    expect(await main(['report', '--compare', join(other, 'cache'), ...args()], io)).toBe(0);
    const html = readFileSync(join(dir, 'reports', 'compare', 'index.html'), 'utf8');
    expect(html).toContain(join(other, 'cache'));
    expect(html).toContain('this cache');
    expect(io.outText()).toMatch(/report: .*compare.*index\.html/);
  }, 120_000);

  it('gc --dry-run lists the entries the edits orphaned, gc deletes them', async () => {
    const dry = captureIo();
    expect(await main(['gc', '--dry-run', ...args()], dry)).toBe(0);
    expect(dry.outText()).toMatch(/would delete [1-9]\d* unreachable cache entr/);
    const real = captureIo();
    expect(await main(['gc', ...args()], real)).toBe(0);
    expect(real.outText()).toMatch(/deleted [1-9]\d* unreachable cache entr.*freed/);
    const again = captureIo();
    await main(['gc', '--dry-run', ...args()], again);
    expect(again.outText()).toContain('would delete 0 unreachable cache entries');
  });
});

describe('catapult usage and config errors', () => {
  it('an unknown command suggests the closest one and exits 2', async () => {
    const io = captureIo();
    expect(await main(['rn'], io)).toBe(2);
    expect(io.errText()).toContain('unknown command `rn`; did you mean `run`?');
  });

  it('a config error is located, printed with a squiggle, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catapult-cli-bad-'));
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, readFileSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), 'utf8').replace('evalEvery: 0', 'evalEvry: 0'));
    const io = captureIo();
    expect(await main(['plan', '--config', file], io)).toBe(2);
    expect(io.errText()).toMatch(/pipeline\.yaml:\d+:\d+ error: unknown key `evalEvry`.*did you mean `evalEvery`\?/);
    expect(io.errText()).toContain('^^^^^^^^');
    expect(io.errText()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a claim with a bad criterion is a located config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catapult-cli-claim-'));
    const file = join(dir, 'pipeline.yaml');
    const text = readFileSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), 'utf8').replace(
      'chart: { template: trajectories, panels: [loss] }\n    claims: []',
      'chart: { template: trajectories, panels: [loss] }\n    claims:\n      - id: spike\n        text: a spike\n        check: { kind: loss-spike, axis: lambda, range: [2, 4], factr: 10 }\n      - id: other\n        text: reads another experiment\n        check: { kind: converges-beyond, experiment: a, axis: lambda, threshold: 2 }',
    );
    writeFileSync(file, text);
    const io = captureIo();
    expect(await main(['plan', '--config', file], io)).toBe(2);
    expect(io.errText()).toMatch(/pipeline\.yaml:\d+:\d+ error: claim `spike`: /);
    expect(io.errText()).toContain('factr');
    expect(io.errText()).toContain('claim `other` reads experiment `a`, which figure `fig-b` does not list in its experiments');
  });

  it('an unknown target is a usage error with suggestions', async () => {
    const io = captureIo();
    expect(await main(['plan', 'fig-c', '--config', join(__dirname, '../fixtures/cli/pipeline.yaml'), '--cache-dir', mkdtempSync(join(tmpdir(), 'catapult-c-'))], io)).toBe(2);
    expect(io.errText()).toContain('no figure, experiment or stage matches `fig-c`; did you mean `fig-a`');
  });

  it('every command has --help', async () => {
    for (const cmd of ['run', 'plan', 'explain', 'status', 'graph', 'gc', 'report']) {
      const io = captureIo();
      expect(await main([cmd, '--help'], io)).toBe(0);
      expect(io.outText()).toContain(`Usage: catapult ${cmd}`);
    }
  });

  it('graph prints collapsed DOT and full Mermaid', async () => {
    const cfg = join(__dirname, '../fixtures/cli/pipeline.yaml');
    const dot = captureIo();
    expect(await main(['graph', '--config', cfg, '--cache-dir', mkdtempSync(join(tmpdir(), 'catapult-c-'))], dot)).toBe(0);
    expect(dot.outText()).toContain('"train:a" [label="train:a ×2"]');
    const mm = captureIo();
    expect(await main(['graph', '--full', '--format', 'mermaid', '--config', cfg, '--cache-dir', mkdtempSync(join(tmpdir(), 'catapult-c-'))], mm)).toBe(0);
    expect(mm.outText()).toContain('train:a[eta=1.5,seed=0,variant=net]');
  });
});

describe('every malformed config fixture through the CLI', () => {
  const dir = join(__dirname, '../fixtures/config/bad');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  it.each(files)('%s: exit 2, a located error, no stack trace', async (name) => {
    const { opts } = readFixture(join(dir, name));
    const args = ['plan', '--config', join(dir, name)];
    if (opts.profile) args.push('--profile', opts.profile);
    for (const s of opts.sets ?? []) args.push('--set', s);
    const io = captureIo();
    expect(await main(args, io)).toBe(2);
    const text = io.errText();
    expect(text).toMatch(/(\.yaml:\d+:\d+ error: |^--set .*: |^CATAPULT_DATA_ROOT=)/m);
    expect(text).toMatch(/\^+/);
    expect(text).not.toContain('internal error');
    expect(text).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
  });
});

describe('a run whose only failures are missing datasets', () => {
  it('builds everything else, exits 4, and the report says what to supply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catapult-cli-missing-'));
    const config = join(dir, 'pipeline.yaml');
    const text = readFileSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), 'utf8')
      .replace('defaults:\n', 'defaults:\n  dataRoot: ./no-data-here\n')
      .replace(
        'experiments:\n',
        'experiments:\n  svhn:\n    use: [small]\n    dataset: svhn\n    model: { width: 8 }\n    matrix: { eta: { values: [1.0], unit: lambda } }\n',
      )
      .replace(
        'datasets:\n',
        'datasets:\n  svhn:\n    source: svhn\n    classes: [0, 2]\n    train: 16\n    test: 16\n    seed: 0\n    features: { kind: pixels, scale: unit }\n',
      )
      .replace('experiments: [b]', 'experiments: [b, svhn]');
    writeFileSync(config, text);
    const io = captureIo({ CATAPULT_OFFLINE: '1' });
    expect(await main(['run', '--config', config, '--jobs', '2'], io)).toBe(4);
    expect(io.errText()).toContain('data not available: svhn/train_32x32.mat is missing (offline mode: downloads are disabled)');
    const html = readFileSync(join(dir, 'reports', 'index.html'), 'utf8');
    expect(html).toContain('svhn/train_32x32.mat');
    // fig-b still has its chart from the experiment that has data (partial inputs)
    expect(executed(io.errText())).toContain('plot:fig-b');
    const status = captureIo();
    await main(['status', '--config', config], status);
    expect(status.outText()).toMatch(/^fig-b\s+missing-data — dataset:svhn: data not available/m);
    expect(status.outText()).toMatch(/^fig-a\s+up-to-date$/m);
  }, 120_000);
});

describe('validated-config reuse (loadValidated)', () => {
  it('reuses a validated config until the text, a --set or the profile changes', async () => {
    const { loadValidated } = await import('../../src/cli/session.js');
    const { repoRoot } = await import('../../src/cli/runtime.js');
    const dir = mkdtempSync(join(tmpdir(), 'catapult-cfgcache-'));
    const file = join(dir, 'pipeline.yaml');
    cpSync(join(__dirname, '../fixtures/cli/pipeline.yaml'), file);
    const cacheDir = join(dir, 'cache');
    const common = { config: file, profile: null, sets: [] as string[], backend: null, cacheDir, help: false };
    const first = loadValidated(common, {}, repoRoot(), cacheDir);
    expect(first.ok).toBe(true);
    const saved = () => readdirSync(join(cacheDir, 'config'));
    expect(saved()).toHaveLength(1);
    const again = loadValidated(common, {}, repoRoot(), cacheDir);
    expect(again.ok && again.value.config).toEqual(first.ok && first.value.config);
    expect(saved()).toHaveLength(1);
    // a hit still locates errors on demand (by parsing then)
    expect(again.ok && again.value.locate(['experiments', 'a', 'matrix'])?.line).toBeGreaterThan(1);
    loadValidated({ ...common, sets: ['experiments.a.model.width=4'] }, {}, repoRoot(), cacheDir);
    loadValidated({ ...common, profile: 'quick' }, {}, repoRoot(), cacheDir);
    expect(saved()).toHaveLength(3);
    writeFileSync(file, readFileSync(file, 'utf8').replace('evalEvery: 0', 'evalEvry: 0'));
    const bad = loadValidated(common, {}, repoRoot(), cacheDir);
    expect(bad.ok).toBe(false);
    expect(saved()).toHaveLength(3); // invalid configs are never saved
  });
});
