/**
 * The static HTML report: ONE self-contained `index.html` (vega, vega-lite
 * and vega-embed inlined from node_modules — no CDN, no network, opens from
 * file://) plus side files for downloads (`figures/<id>/figure.svg|png|vl.json`).
 *
 * `buildReport` is pure (same input → same bytes, given the installed vega
 * builds) so the integrator can cache it under the hash of its input;
 * `materializeReport` writes the files atomically (temp dir + rename).
 *
 * Every string that comes from the config or the run (titles, captions, ids,
 * failure text, claim text) goes through `escapeHtml`; specs are embedded as
 * `<script type="application/json">` with `<`, `>`, `&` escaped so no text can
 * close the script element. Each figure's spec is inline (side files are for
 * downloads only: Chromium blocks fetch() of file:// URLs).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { canonicalJson, type JsonValue } from '../core/json.js';
import { err, ok, type Result } from '../core/result.js';
import { formatBytes } from '../messages/engine.js';
import { reportMessages as M } from '../messages/report.js';
import { overlaySpecs } from './charts.js';
import type { ClaimResult, FigureStatus, Provenance, ReportFigure, ReportInput, VegaLiteSpec } from './types.js';

/** Specs larger than this are not inlined: the section shows the static SVG and links the spec. */
export const INLINE_SPEC_LIMIT = 1_500_000;

export interface ReportFiles {
  /** Relative path → content; `index.html` plus side files. */
  files: Record<string, string | Uint8Array>;
}

// ---------------------------------------------------------------- escaping

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe to place inside a `<script>` element: nothing in it can close or comment the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A file-system- and URL-safe folder name for a figure id. */
export function safeId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s.length ? s : '_';
}

// ---------------------------------------------------------------- vega libraries

const LIBS = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

let libCache: string | undefined;

/** Finds an installed package's root by walking up from its resolved entry point (their `exports` hide package.json). */
function packageRoot(name: string): string {
  const req = createRequire(import.meta.url);
  let dir = dirname(req.resolve(name));
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot locate the root of package ${name}`);
}

/** The three browser builds, concatenated as inline `<script>` elements (source-map comments removed). */
export function inlineLibraries(): string {
  if (libCache === undefined) {
    libCache = LIBS.map(([name, file]) => {
      const code = readFileSync(join(packageRoot(name), file), 'utf8')
        .replace(/\/\/# sourceMappingURL=\S+/g, '')
        .replace(/<\/script/gi, '<\\/script');
      return `<script data-lib="${name}">${code}</script>`;
    }).join('\n');
  }
  return libCache;
}

// ---------------------------------------------------------------- page parts

const STYLE = `
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#dadce0;--pass:#1e7e34;--fail:#b3261e;--warn:#8a5a00;--bg2:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 "DejaVu Sans",system-ui,sans-serif;color:var(--fg);background:#fff}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:21px;margin:40px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:17px;margin:0 0 6px}.meta{color:var(--muted);font-size:13px}code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{background:var(--bg2);padding:8px;overflow:auto;max-height:320px;border-radius:4px}
nav ol{columns:2;font-size:14px}nav a{text-decoration:none}
.figure{border:1px solid var(--line);border-radius:6px;padding:16px;margin:18px 0;scroll-margin-top:12px;min-width:0;overflow-wrap:anywhere}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;margin-left:8px;vertical-align:2px;border:1px solid currentColor}
.s-built{color:var(--pass)}.s-stale{color:var(--warn)}.s-failed{color:var(--fail)}.s-missing-data{color:var(--warn)}.s-not-run{color:var(--muted)}
.c-PASS{color:var(--pass);font-weight:bold}.c-FAIL{color:var(--fail);font-weight:bold}.c-NOT-RUN{color:var(--muted);font-weight:bold}
.banner{padding:8px 12px;border-radius:4px;margin:8px 0;background:#fff8e1;border-left:4px solid var(--warn)}
.banner.failed{background:#fdecea;border-color:var(--fail)}.banner pre{max-height:200px}
.chart{overflow-x:auto;margin:8px 0;min-height:40px}.caption{color:#333}.notes{color:var(--muted);font-size:13px}
table{border-collapse:collapse;font-size:13.5px;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
.summary td,.summary th{width:auto}.summary{width:auto}details{margin:8px 0}summary{cursor:pointer;font-weight:bold}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13.5px}dl.prov dt{color:var(--muted)}dl.prov dd{margin:0;min-width:0}
.downloads{font-size:13px}footer{color:var(--muted);font-size:13px;padding:32px 24px}
#vg-tooltip-element{font-family:"DejaVu Sans",sans-serif}
`;

/** Runs first: records uncaught errors and console.error calls, so a headless check can read them from the DOM. */
const ERROR_HOOK = `<script>(function(){var errs=[];window.__catapultErrors=errs;
function note(m){errs.push(String(m));if(document.body)document.body.dataset.errors=JSON.stringify(errs);}
window.addEventListener('error',function(e){note('error: '+(e.message||e.type));});
window.addEventListener('unhandledrejection',function(e){note('unhandled: '+(e.reason&&e.reason.message||e.reason));});
var ce=console.error;console.error=function(){note(Array.prototype.map.call(arguments,String).join(' '));return ce.apply(console,arguments);};})();</script>`;

/** Embeds every inline spec, then publishes the outcome on <body> (data-rendered / data-failed / data-errors). */
const EMBED_SCRIPT = `<script>(function(){
var nodes=Array.prototype.slice.call(document.querySelectorAll('script[type="application/json"][data-chart]'));
var opts={renderer:'svg',actions:{export:true,source:true,compiled:false,editor:false},downloadFileName:'figure'};
var jobs=nodes.map(function(n){var el=document.getElementById(n.getAttribute('data-chart'));
  try{var spec=JSON.parse(n.textContent);}catch(e){return Promise.reject(e);}
  return vegaEmbed(el,spec,opts).catch(function(e){el.textContent=${scriptJson(M.embedFailed(''))}+(e&&e.message||e);throw e;});});
Promise.allSettled(jobs).then(function(rs){var okN=0,bad=0;rs.forEach(function(r){if(r.status==='fulfilled')okN++;else{bad++;console.error(r.reason&&r.reason.message||r.reason);}});
  var b=document.body;b.dataset.failed=String(bad);b.dataset.errors=JSON.stringify(window.__catapultErrors||[]);b.dataset.rendered=String(okN);});
})();</script>`;

const STATUS_ORDER: FigureStatus[] = ['built', 'stale', 'failed', 'missing-data', 'not-run'];

function badge(status: FigureStatus): string {
  return `<span class="badge s-${status}">${escapeHtml(M.statusLabel(status))}</span>`;
}

function showMeasured(v: JsonValue): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
  if (typeof v === 'string') return v;
  return canonicalJson(v);
}

function claimsTable(claims: readonly ClaimResult[], figureBuilt: boolean): string {
  if (claims.length === 0) return `<p class="notes">${escapeHtml(M.noClaims())}</p>`;
  const count = (s: string) => claims.filter((c) => c.status === s).length;
  const rows = claims
    .map(
      (c) =>
        `<tr><td class="c-${escapeHtml(c.status)}">${escapeHtml(c.status)}</td><td>${escapeHtml(c.text)}<div class="notes"><code>${escapeHtml(c.id)}</code>${c.note ? ` — ${escapeHtml(c.note)}` : ''}</div></td><td>${escapeHtml(c.criterion)}</td><td><code>${escapeHtml(showMeasured(c.measured))}</code></td></tr>`,
    )
    .join('');
  return `<details class="claims" open><summary>Claims: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('NOT-RUN')} NOT-RUN</summary>${
    figureBuilt ? '' : `<p class="notes">${escapeHtml(M.claimsNotRun())}</p>`
  }<table><thead><tr><th>status</th><th>claim</th><th>criterion</th><th>measured</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function provenancePanel(p: Provenance | undefined, input: ReportInput, figureId: string, label = 'Provenance'): string {
  const command = p?.command ?? M.regenerate(figureId);
  const commit = p?.gitCommit ?? input.project.gitCommit;
  const dirty = p?.gitDirty ?? input.project.gitDirty;
  const packages = { ...input.project.packages, ...(p?.packages ?? {}) };
  const items: [string, string][] = [
    ['regenerate', `<code>${escapeHtml(command)}</code>`],
    ['fingerprint', p ? `<code>${escapeHtml(p.key)}</code>` : '—'],
    ['git commit', commit ? `<code>${escapeHtml(commit)}</code>${dirty ? ' (working tree dirty)' : dirty === false ? ' (clean)' : ''}` : 'unknown'],
    ['backend', escapeHtml(p?.backend ?? input.project.backend ?? 'unknown')],
    ['seeds', p ? escapeHtml(p.seeds.join(', ') || '—') : '—'],
    ['wall time', p?.wallSeconds !== undefined ? escapeHtml(`${p.wallSeconds.toFixed(2)} s`) : '—'],
    ['packages', escapeHtml(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ') || '—')],
  ];
  if (p?.builtAt) items.push(['built at', escapeHtml(p.builtAt)]);
  const stages = p?.stages?.length
    ? `<table><thead><tr><th>stage</th><th>key</th><th>wall</th><th>cache</th></tr></thead><tbody>${p.stages
        .map(
          (s) =>
            `<tr><td><code>${escapeHtml(s.id)}</code></td><td><code>${escapeHtml(s.key.slice(0, 16))}</code></td><td>${s.wallSeconds !== undefined ? escapeHtml(`${s.wallSeconds.toFixed(2)} s`) : '—'}</td><td>${s.cached === undefined ? '—' : s.cached ? 'hit' : 'built'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const params = p ? `<p class="notes">Resolved parameters:</p><pre>${escapeHtml(JSON.stringify(p.params, null, 2))}</pre>` : '';
  return `<details class="provenance"><summary>${escapeHtml(label)}</summary><dl class="prov">${items
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`)
    .join('')}</dl>${stages}${params}</details>`;
}

function banner(f: ReportFigure, command: string): string {
  switch (f.status) {
    case 'stale':
      return `<div class="banner">${escapeHtml(M.staleBanner(f.staleReason, command))}</div>`;
    case 'failed':
      return `<div class="banner failed"><p>${escapeHtml(M.failedBanner(f.failures?.length ?? 0))}</p>${(f.failures ?? [])
        .map((x) => `<p><code>${escapeHtml(x.stage)}</code></p><pre>${escapeHtml(x.message)}</pre>`)
        .join('')}</div>`;
    case 'missing-data':
      return `<div class="banner missing"><p>${escapeHtml(M.missingBanner())}</p>${(f.missing ?? [])
        .map(
          (m) =>
            `<p><strong>${escapeHtml(M.missingHow(m.dataset, m.source))}</strong> ${escapeHtml(m.how)}</p>${
              m.expected.length ? `<p class="notes">Looked for:</p><pre>${escapeHtml(m.expected.join('\n'))}</pre>` : ''
            }`,
        )
        .join('')}</div>`;
    case 'not-run':
      return `<div class="banner">${escapeHtml(M.notRunBanner(command))}</div>`;
    default:
      return '';
  }
}

interface SectionOut {
  html: string;
  side: Record<string, string | Uint8Array>;
}

function figureSection(f: ReportFigure, index: number, input: ReportInput): SectionOut {
  const dir = `figures/${safeId(f.id)}`;
  const side: Record<string, string | Uint8Array> = {};
  const command = f.provenance?.command ?? M.regenerate(f.id);
  let chart = '';
  let downloads: string[] = [];
  if (f.plot && (f.status === 'built' || f.status === 'stale')) {
    const specText = `${JSON.stringify(f.plot.spec, null, 1)}\n`;
    side[`${dir}/figure.vl.json`] = specText;
    downloads.push(`<a href="${escapeHtml(`${dir}/figure.vl.json`)}">Vega-Lite spec (JSON, data inline)</a>`);
    if (f.plot.svg !== undefined) {
      side[`${dir}/figure.svg`] = f.plot.svg;
      downloads.unshift(`<a href="${escapeHtml(`${dir}/figure.svg`)}">SVG</a>`);
    }
    if (f.plot.png !== undefined) {
      side[`${dir}/figure.png`] = f.plot.png;
      downloads.splice(1, 0, `<a href="${escapeHtml(`${dir}/figure.png`)}">PNG</a>`);
    }
    const inline = scriptJson(f.plot.spec);
    if (inline.length <= INLINE_SPEC_LIMIT) {
      chart = `<div class="chart" id="chart-${index}" role="img" aria-label="${escapeHtml(f.title)}"></div><script type="application/json" data-chart="chart-${index}">${inline}</script>`;
    } else if (f.plot.svg !== undefined) {
      chart = `<div class="chart static"><img src="${escapeHtml(`${dir}/figure.svg`)}" alt="${escapeHtml(f.title)}"></div>`;
    }
    const notes = f.plot.notes ?? [];
    if (notes.length) chart += `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
  } else {
    downloads = [];
  }
  const built = f.status === 'built' || f.status === 'stale';
  const html = `<section class="figure status-${f.status}" id="fig-${escapeHtml(safeId(f.id))}" data-figure="${escapeHtml(f.id)}" data-status="${f.status}">
<h3><code>${escapeHtml(f.id)}</code> — ${escapeHtml(f.title)}${badge(f.status)}</h3>
${banner(f, command)}${chart}
<p class="caption">${escapeHtml(f.caption)}</p>
${claimsTable(f.claims, built)}
${provenancePanel(f.provenance, input, f.id, input.compare ? `Provenance (${input.compare.a})` : 'Provenance')}${
    f.provenanceB ? provenancePanel(f.provenanceB, input, f.id, `Provenance (${input.compare?.b ?? 'b'})`) : ''
  }
${downloads.length ? `<p class="downloads">Download: ${downloads.join(' · ')}</p>` : ''}
</section>`;
  return { html, side };
}

function summary(input: ReportInput): string {
  const figs = input.figures;
  const claims = figs.flatMap((f) => f.claims);
  const c = (s: string) => claims.filter((x) => x.status === s).length;
  const fig = STATUS_ORDER.map((s) => `<td class="s-${s}">${figs.filter((f) => f.status === s).length} ${escapeHtml(M.statusLabel(s))}</td>`).join('');
  return `<section id="summary"><h2>Summary</h2><table class="summary"><tbody>
<tr><th>figures (${figs.length})</th>${fig}</tr>
<tr><th>claims (${claims.length})</th><td class="c-PASS">${c('PASS')} PASS</td><td class="c-FAIL">${c('FAIL')} FAIL</td><td class="c-NOT-RUN">${c('NOT-RUN')} NOT-RUN</td></tr>
</tbody></table></section>`;
}

function toc(input: ReportInput, papers: { id: string; title: string; figures: ReportFigure[] }[]): string {
  return `<nav id="toc"><h2>Contents</h2><ol><li><a href="#summary">Summary</a></li>${papers
    .map(
      (p) =>
        `<li><a href="#paper-${escapeHtml(safeId(p.id))}">${escapeHtml(p.title)}</a><ol>${p.figures
          .map((f) => `<li><a href="#fig-${escapeHtml(safeId(f.id))}">${escapeHtml(f.id)}</a> ${badge(f.status)}</li>`)
          .join('')}</ol></li>`,
    )
    .join('')}</ol></nav>`;
}

/**
 * Builds the report's files from its input. Pure: the same input gives the
 * same bytes (given the same installed vega builds), so callers can cache it
 * under `hashJson(input)`.
 */
export function buildReport(input: ReportInput): ReportFiles {
  const known = new Set(input.papers.map((p) => p.id));
  const papers = input.papers.map((p) => ({ id: p.id, title: p.title, citation: p.citation, figures: input.figures.filter((f) => f.paper === p.id) }));
  const orphans = input.figures.filter((f) => !known.has(f.paper));
  if (orphans.length) papers.push({ id: 'other', title: 'Other figures', citation: undefined, figures: orphans });

  const side: Record<string, string | Uint8Array> = {};
  let index = 0;
  const body = papers
    .map((p) => {
      const sections = p.figures.map((f) => {
        const s = figureSection(f, index++, input);
        Object.assign(side, s.side);
        return s.html;
      });
      return `<section class="paper" id="paper-${escapeHtml(safeId(p.id))}"><h2>${escapeHtml(p.title)}</h2>${
        p.citation ? `<p class="meta">${escapeHtml(p.citation)}</p>` : ''
      }${sections.join('\n')}</section>`;
    })
    .join('\n');

  const proj = input.project;
  const headerMeta = [
    input.generatedAt ? `generated ${escapeHtml(input.generatedAt)}` : null,
    proj.gitCommit ? `commit <code>${escapeHtml(proj.gitCommit.slice(0, 12))}</code>${proj.gitDirty ? ' (dirty)' : ''}` : null,
    proj.profile ? `profile <code>${escapeHtml(proj.profile)}</code>` : null,
    proj.configFile ? `config <code>${escapeHtml(proj.configFile)}</code>` : null,
    proj.backend ? `backend ${escapeHtml(proj.backend)}` : null,
    input.compare ? escapeHtml(M.compareTitle(input.compare.a, input.compare.b)) : null,
  ].filter(Boolean);

  const sideBytes = Object.values(side).reduce((n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength), 0);
  const page = (footer: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:">
<title>${escapeHtml(input.title)}</title>
${ERROR_HOOK}
<style>${STYLE}</style>
${inlineLibraries()}
</head><body>
<header><h1>${escapeHtml(input.title)}</h1><p class="meta">${headerMeta.join(' · ')}</p>
<noscript><p class="banner">${escapeHtml(M.noscript())}</p></noscript></header>
<main>
${toc(input, papers)}
${summary(input)}
${body}
</main>
<footer id="report-size">${footer}</footer>
${EMBED_SCRIPT}
</body></html>
`;
  // the footer states the page's own size: iterate to the fixed point (the digits barely move)
  let footer = '';
  let html = page(footer);
  for (let i = 0; i < 4; i++) {
    const next = escapeHtml(M.sizeFooter(formatBytes(Buffer.byteLength(html)), formatBytes(sideBytes), Object.keys(side).length));
    if (next === footer) break;
    footer = next;
    html = page(footer);
  }
  return { files: { 'index.html': html, ...side } };
}

// ---------------------------------------------------------------- comparison

/**
 * Overlays the same figures from two report inputs (two configurations or
 * revisions), like `dvc plots diff`: each figure present in both with a chart
 * gets one chart with both datasets (`source` as stroke dash / shape); claims
 * of both sides are listed, prefixed by their side; a figure only on one side
 * keeps its section with a note.
 */
export function buildComparison(a: ReportInput, b: ReportInput, labels: [string, string] = ['a', 'b']): ReportInput {
  const [la, lb] = labels;
  const byIdB = new Map(b.figures.map((f) => [f.id, f]));
  const ids = [...a.figures.map((f) => f.id), ...b.figures.map((f) => f.id).filter((id) => !a.figures.some((f) => f.id === id))];
  const figures: ReportFigure[] = ids.map((id) => {
    const fa = a.figures.find((f) => f.id === id);
    const fb = byIdB.get(id);
    if (!fa || !fb) {
      const only = (fa ?? fb)!;
      const side = fa ? la : lb;
      return { ...only, caption: `${only.caption} (${M.compareOnlyIn(side)})`, claims: only.claims.map((c) => ({ ...c, text: `[${side}] ${c.text}` })) };
    }
    const claims = [...fa.claims.map((c) => ({ ...c, text: `[${la}] ${c.text}` })), ...fb.claims.map((c) => ({ ...c, text: `[${lb}] ${c.text}` }))];
    const rank = (s: FigureStatus) => STATUS_ORDER.indexOf(s);
    const status = rank(fa.status) >= rank(fb.status) ? fa.status : fb.status;
    let plot: ReportFigure['plot'];
    const notes: string[] = [];
    if (fa.plot && fb.plot) {
      const o = overlaySpecs(fa.plot.spec, fb.plot.spec, [la, lb]);
      if (o.ok) plot = { spec: o.value, notes };
      else plot = { spec: fa.plot.spec as VegaLiteSpec, notes: [o.error.message] };
    } else if (fa.plot ?? fb.plot) {
      plot = { spec: (fa.plot ?? fb.plot)!.spec, notes: [M.compareOnlyIn(fa.plot ? la : lb)] };
    }
    const out: ReportFigure = {
      ...fa,
      status: plot && (status === 'failed' || status === 'missing-data' || status === 'not-run') ? fa.status : status,
      claims,
      failures: [...(fa.failures ?? []).map((x) => ({ ...x, stage: `[${la}] ${x.stage}` })), ...(fb.failures ?? []).map((x) => ({ ...x, stage: `[${lb}] ${x.stage}` }))],
      missing: [...(fa.missing ?? []), ...(fb.missing ?? [])],
    };
    if (plot) out.plot = plot;
    else delete out.plot;
    if (fb.provenance) out.provenanceB = fb.provenance;
    return out;
  });
  return {
    title: M.compareTitle(la, lb),
    ...(a.generatedAt ? { generatedAt: a.generatedAt } : {}),
    project: a.project,
    papers: [...a.papers, ...b.papers.filter((p) => !a.papers.some((x) => x.id === p.id))],
    figures,
    compare: { a: la, b: lb },
  };
}

// ---------------------------------------------------------------- writing

export type MaterializeError = { reason: 'write-failed'; message: string };

/**
 * Writes the report into `outDir` atomically: everything goes to a sibling
 * temp folder first, then the old folder is moved aside and the new one
 * renamed into place, so a reader never sees a half-written report.
 */
export function materializeReport(files: Record<string, string | Uint8Array>, outDir: string): Result<{ dir: string; bytes: number; files: number }, MaterializeError> {
  const target = resolve(outDir);
  const parent = dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${safeId(target.split(/[\\/]/).pop() ?? 'report')}.tmp-${tag}`);
  const old = join(parent, `.${safeId(target.split(/[\\/]/).pop() ?? 'report')}.old-${tag}`);
  let bytes = 0;
  try {
    mkdirSync(tmp, { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      if (rel.split(/[\\/]/).some((part) => part === '..' || part === '') || rel.startsWith('/')) throw new Error(`unsafe path ${rel}`);
      const path = join(tmp, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    }
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
    return ok({ dir: target, bytes, files: Object.keys(files).length });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    return err({ reason: 'write-failed', message: M.writeFailed(target, (e as Error).message) });
  }
}
