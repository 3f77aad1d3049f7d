/**
 * Headless rendering in Node: Vega-Lite → Vega (`vega-lite` compile) → a Vega
 * `View` with the `none` renderer → `toSVG()` (no canvas package needed), then
 * SVG → PNG with `@resvg/resvg-js` (a prebuilt binary shipped in the npm
 * package: nothing downloads at install time).
 *
 * Fonts: resvg draws text only with fonts it is given. We ship none ourselves;
 * we use the TrueType DejaVu Sans of the npm package `dejavu-fonts-ttf` (a
 * dependency), falling back to Debian's `fonts-dejavu-core` under
 * /usr/share/fonts. DejaVu covers the Greek and sub/superscript glyphs the
 * axis titles use (η, λ, θ, ², ₀, ∞). Vega measures text without a canvas by
 * its built-in width estimate, so the SVG is byte-identical whatever fonts the
 * machine has (which keeps the golden tests stable).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { JsonValue } from '../core/json.js';
import { err, ok, type Result } from '../core/result.js';
import { reportMessages as M } from '../messages/report.js';
import type { VegaLiteSpec } from './types.js';

export type RenderError =
  | { reason: 'compile-failed'; message: string }
  | { reason: 'render-failed'; message: string }
  | { reason: 'png-failed'; message: string }
  | { reason: 'font-missing'; message: string };

/** Compiles a Vega-Lite spec to Vega, collecting Vega-Lite warnings instead of printing them. */
export function compileSpec(spec: VegaLiteSpec): Result<{ vega: JsonValue; warnings: string[] }, RenderError> {
  const warnings: string[] = [];
  const logger = {
    level: (_?: number) => logger as never,
    error: (...a: unknown[]) => {
      warnings.push(a.map(String).join(' '));
      return logger as never;
    },
    warn: (...a: unknown[]) => {
      warnings.push(a.map(String).join(' '));
      return logger as never;
    },
    info: () => logger as never,
    debug: () => logger as never,
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = compile(structuredClone(spec) as any, { logger: logger as any });
    return ok({ vega: out.spec as unknown as JsonValue, warnings });
  } catch (e) {
    return err({ reason: 'compile-failed', message: M.compileFailed((e as Error).message) });
  }
}

/** Renders a Vega-Lite spec to an SVG string (deterministic: no canvas, estimated text widths). */
export async function renderSvg(spec: VegaLiteSpec): Promise<Result<{ svg: string; vega: JsonValue; warnings: string[] }, RenderError>> {
  const compiled = compileSpec(spec);
  if (!compiled.ok) return compiled;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = new vega.View(vega.parse(compiled.value.vega as any), { renderer: 'none', logLevel: vega.Error });
    const svg = await view.toSVG();
    view.finalize();
    return ok({ svg, vega: compiled.value.vega, warnings: compiled.value.warnings });
  } catch (e) {
    return err({ reason: 'render-failed', message: M.renderFailed((e as Error).message) });
  }
}

/** Candidate font files, first match wins: the npm package, then Debian's. */
export function fontCandidates(): string[] {
  const out: string[] = [];
  try {
    const req = createRequire(import.meta.url);
    const pkg = req.resolve('dejavu-fonts-ttf/package.json');
    out.push(join(dirname(pkg), 'ttf', 'DejaVuSans.ttf'));
  } catch {
    /* not installed: fall through to system fonts */
  }
  out.push('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
  return out;
}

export function findFont(): Result<string, RenderError> {
  const candidates = fontCandidates();
  const found = candidates.find((p) => existsSync(p));
  return found ? ok(found) : err({ reason: 'font-missing', message: M.fontMissing(candidates) });
}

/** Rasterises an SVG with resvg at `scale`× (default 2 for crisp report images). */
export function renderPng(svg: string, scale = 2): Result<Uint8Array, RenderError> {
  const font = findFont();
  if (!font.ok) return font;
  try {
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: {
        loadSystemFonts: false,
        fontFiles: [font.value],
        defaultFontFamily: 'DejaVu Sans',
        sansSerifFamily: 'DejaVu Sans',
      },
    });
    return ok(new Uint8Array(resvg.render().asPng()));
  } catch (e) {
    return err({ reason: 'png-failed', message: M.pngFailed((e as Error).message) });
  }
}
