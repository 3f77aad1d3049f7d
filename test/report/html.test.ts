import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/messages/engine.js';
import { reportMessages as M } from '../../src/messages/report.js';
import { buildComparison, buildReport, escapeHtml, materializeReport, safeId, scriptJson } from '../../src/report/html.js';
import type { ReportInput } from '../../src/report/types.js';
import { sampleInput } from './helpers.js';

let input: ReportInput;
let html: string;
let files: Record<string, string | Uint8Array>;
const tmp = mkdtempSync(join(tmpdir(), 'catapult-html-'));

beforeAll(async () => {
  input = await sampleInput();
  files = buildReport(input).files;
  html = files['index.html'] as string;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The sections of the page, by figure id. */
function section(id: string): string {
  const start = html.indexOf(`data-figure="${id}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('buildReport', () => {
  it('is one self-contained file: vega, vega-lite and vega-embed inline, nothing loaded from the network', () => {
    for (const lib of ['vega', 'vega-lite', 'vega-embed']) expect(html).toContain(`<script data-lib="${lib}">`);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).toContain("default-src 'none'");
  });

  it('has a table of contents, a summary with counts, and one section per figure', () => {
    for (const f of input.figures) {
      expect(html).toContain(`href="#fig-${safeId(f.id)}"`);
      expect(html).toContain(`data-figure="${f.id}"`);
    }
    expect(html).toContain('<td class="s-built">3 built</td>');
    expect(html).toContain('<td class="s-failed">1 failed</td>');
    expect(html).toContain('<td class="s-missing-data">1 missing data</td>');
    expect(html).toContain('<td class="s-not-run">1 not run</td>');
    expect(html).toContain('<td class="c-PASS">3 PASS</td><td class="c-FAIL">3 FAIL</td><td class="c-NOT-RUN">1 NOT-RUN</td>');
  });

  it('shows claims with criterion and measured value, and the provenance with the regenerate command', () => {
    const s = section('ml-fig1');
    expect(s).toContain('<td class="c-FAIL">FAIL</td>');
    expect(s).toContain('edge in [3.9, 4.05]');
    expect(s).toContain(escapeHtml('{"edge":3.8}'));
    expect(s).toContain('<code>npx catapult run ml-fig1</code>');
    expect(s).toContain('a'.repeat(64));
    expect(s).toContain('0123456789abcdef0123456789abcdef01234567</code> (working tree dirty)');
    expect(s).toContain('1.25 s');
    expect(s).toContain('href="figures/ml-fig1/figure.svg"');
    expect(files['figures/ml-fig1/figure.png']).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(files['figures/ml-fig1/figure.vl.json'] as string).usermeta.catapult.figure).toBe('ml-fig1');
  });

  it('gives a figure with missing data its section, saying what is missing and how to supply it', () => {
    const s = section('zhu-fig4');
    expect(s).toContain(escapeHtml(M.missingBanner()));
    expect(s).toContain(escapeHtml(M.missingHow('cifar2-256', 'cifar10')));
    expect(s).toContain('CATAPULT_DATA_ROOT');
    expect(s).toContain('&lt;dataRoot&gt;/cifar10/data_batch_1.bin');
    expect(s).toContain(escapeHtml(M.claimsNotRun()));
    expect(s).not.toContain('data-chart=');
  });

  it('gives failed and not-run figures their sections with the failure text and the command', () => {
    const failed = section('ml-fig2');
    expect(failed).toContain(escapeHtml(M.failedBanner(1)));
    expect(failed).toContain('RangeError: out of memory');
    expect(section('ml-fig8')).toContain(escapeHtml(M.notRunBanner('npx catapult run ml-fig8')));
  });

  it('states its own size in the footer, exactly', () => {
    const m = html.match(/<footer id="report-size">([^<]*)<\/footer>/);
    expect(m).not.toBeNull();
    const sideFiles = Object.keys(files).filter((k) => k !== 'index.html');
    const sideBytes = sideFiles.reduce((n, k) => n + Buffer.byteLength(files[k] as string | Uint8Array), 0);
    expect(m![1]).toBe(escapeHtml(M.sizeFooter(formatBytes(Buffer.byteLength(html)), formatBytes(sideBytes), sideFiles.length)));
  });

  it('is pure: the same input gives the same bytes', () => {
    expect(buildReport(input).files['index.html']).toBe(html);
  });
});

describe('escaping', () => {
  const evil = '<script>alert(1)</script>';
  it('renders config text inert everywhere it appears', async () => {
    const base = await sampleInput();
    const fig = base.figures[1]!;
    const spec = structuredClone(fig.plot!.spec);
    spec.title = { text: evil };
    const x: ReportInput = {
      ...base,
      title: evil,
      papers: base.papers.map((p) => ({ ...p, title: `${p.title} ${evil}` })),
      figures: [
        { ...fig, id: `ml-fig1${evil}`, title: evil, caption: evil, plot: { ...fig.plot!, spec, notes: [evil] }, claims: [{ id: evil, text: evil, status: 'FAIL', measured: evil, criterion: evil }] },
        { ...base.figures[4]!, failures: [{ stage: evil, message: evil }] },
      ],
    };
    const out = buildReport(x).files;
    const page = out['index.html'] as string;
    // the only <script> elements are ours: the error hook, three libraries, one spec, the embed script
    expect(page.match(/<script/g)?.length).toBe(6);
    expect(page).not.toContain('alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // the spec is JSON with < and > escaped, so it cannot close its element, and parses back to the same title
    const json = page.match(/<script type="application\/json" data-chart="chart-0">([^<]*)<\/script>/);
    expect(json).not.toBeNull();
    expect(JSON.parse(json![1]!).title.text).toBe(evil);
    // file names from ids are sanitised
    expect(Object.keys(out).every((k) => k === 'index.html' || /^figures\/[A-Za-z0-9._-]+\/figure\.(svg|png|vl\.json)$/.test(k))).toBe(true);
  });

  it('scriptJson escapes what could end a script element or break JS', () => {
    expect(scriptJson({ a: '</script><!--&\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"}');
    expect(safeId('../a b/<c>')).toBe('__a_b__c_');
  });
});

describe('buildComparison', () => {
  it('overlays figures present in both sides and keeps the others with a note', async () => {
    const a = await sampleInput();
    const b = await sampleInput();
    b.figures = b.figures.filter((f) => f.id !== 'zhu-fig2b');
    const c = buildComparison(a, b, ['main', 'feature']);
    expect(c.compare).toEqual({ a: 'main', b: 'feature' });
    const fig1 = c.figures.find((f) => f.id === 'ml-fig1')!;
    const rows = (fig1.plot!.spec.data as { values: { source?: string }[] }).values;
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['main', 'feature']));
    expect(fig1.claims.map((x) => x.text.slice(0, 9))).toEqual(['[main] th', '[main] ed', '[feature]', '[feature]']);
    expect(c.figures.find((f) => f.id === 'zhu-fig2b')!.caption).toContain(M.compareOnlyIn('main'));
    const page = buildReport(c).files['index.html'] as string;
    expect(page).toContain('Provenance (feature)');
  });
});

describe('materializeReport', () => {
  it('writes atomically, replaces the previous report and leaves no temp folders', () => {
    const out = join(tmp, 'reports');
    const first = materializeReport({ 'index.html': 'one', 'figures/a/figure.svg': '<svg/>' }, out);
    expect(first.ok).toBe(true);
    writeFileSync(join(out, 'stray.txt'), 'old');
    const second = materializeReport(files, out);
    expect(second.ok && second.value.files).toBe(Object.keys(files).length);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe(html);
    expect(existsSync(join(out, 'stray.txt'))).toBe(false);
    expect(readdirSync(tmp)).toEqual(['reports']);
  });

  it('refuses paths that escape the report folder, keeping the old report', () => {
    const out = join(tmp, 'reports');
    const r = materializeReport({ '../evil.txt': 'x' }, out);
    expect(r.ok ? '' : r.error.reason).toBe('write-failed');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe(html);
    expect(existsSync(join(tmp, 'evil.txt'))).toBe(false);
    expect(readdirSync(tmp)).toEqual(['reports']);
  });
});
