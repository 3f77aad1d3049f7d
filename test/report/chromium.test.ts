/**
 * Opens the built report in Debian's headless Chromium from file:// with the
 * network disabled (a dead proxy, every host unresolvable, and the page's own
 * CSP `default-src 'none'`), waits for vega-embed (the page publishes
 * `data-rendered` on <body> once every embed settles), and checks each figure
 * section: built figures hold an SVG with data marks, others hold none. The
 * console must stay silent and the page's error hook empty. A screenshot is
 * saved to $CATAPULT_ARTIFACTS (default: <tmp>/catapult-artifacts).
 *
 * The binary comes from `apt-get install -y chromium` (done by .ci/run); the
 * test is skipped, saying so, only when no Chromium binary exists.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, materializeReport } from '../../src/report/html.js';
import { sampleInput } from './helpers.js';

const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
const chromium = candidates.find((p) => existsSync(p));
if (!chromium) console.warn(`[report] SKIPPED the Chromium test: no Chromium binary at ${candidates.join(', ')} (install with: apt-get install -y chromium)`);

const work = mkdtempSync(join(tmpdir(), 'catapult-chromium-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(work, 'profile-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    '--proxy-server=127.0.0.1:9',
    '--host-resolver-rules=MAP * ~NOTFOUND',
    '--enable-logging=stderr',
    '--v=0',
    '--virtual-time-budget=20000',
    ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium!, flags, { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !stdout) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe.skipIf(!chromium)('report in headless Chromium', () => {
  it('renders every figure from file:// without network, console errors or failed embeds', async () => {
    const input = await sampleInput();
    const out = join(work, 'reports');
    const written = materializeReport(buildReport(input).files, out);
    expect(written.ok).toBe(true);
    const url = pathToFileURL(join(out, 'index.html')).href;

    const { stdout: dom, stderr } = await run(['--dump-dom', url]);
    // the inlined libraries contain the text "<body>" too: take the tag just before our <header>
    const head = dom.slice(0, dom.indexOf('<header>'));
    const body = head.slice(head.lastIndexOf('<body'));
    const attr = (name: string) => body.match(new RegExp(`data-${name}="([^"]*)"`))?.[1];
    const charts = input.figures.filter((f) => f.plot && (f.status === 'built' || f.status === 'stale')).length;
    expect(charts).toBe(3);
    expect(attr('rendered')).toBe(String(charts));
    expect(attr('failed')).toBe('0');
    expect(attr('errors')).toBe('[]');
    // the console stays silent (Chromium logs every console message and CSP violation as CONSOLE)
    expect(stderr.split('\n').filter((l) => l.includes(':CONSOLE'))).toEqual([]);

    for (const f of input.figures) {
      const start = dom.indexOf(`data-figure="${f.id}"`);
      expect(start, f.id).toBeGreaterThan(0);
      const section = dom.slice(start, dom.indexOf('</section>', start));
      if (f.plot) {
        expect(section, f.id).toMatch(/<svg[^>]*class="marks"/);
        // data marks: line paths or symbols drawn from data, not just axes
        const marks = section.match(/class="mark-(line|symbol|rule) role-mark[^"]*"[^>]*>(<path[^>]*d="M[^"]+"|<line)/g) ?? [];
        expect(marks.length, f.id).toBeGreaterThan(0);
      } else {
        expect(section, f.id).not.toContain('<svg');
      }
    }

    const shots = process.env.CATAPULT_ARTIFACTS ?? join(tmpdir(), 'catapult-artifacts');
    mkdirSync(shots, { recursive: true });
    const shot = join(shots, 'report-screenshot.png');
    rmSync(shot, { force: true });
    await run(['--hide-scrollbars', '--window-size=1280,3800', `--screenshot=${shot}`, url]);
    expect(existsSync(shot)).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    console.info(`[report] screenshot saved to ${shot}`);
  }, 180_000);
});
