import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { findFont, renderPng, renderSvg } from '../../src/report/render.js';
import type { VegaLiteSpec } from '../../src/report/types.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Dark pixels of an SVG rasterised with our font: text that renders leaves ink. */
function ink(svg: string): number {
  const font = findFont();
  if (!font.ok) throw new Error(font.error.message);
  const img = new Resvg(svg, { background: 'white', font: { loadSystemFonts: false, fontFiles: [font.value], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } }).render();
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += 4) if (img.pixels[i]! < 128) n++;
  return n;
}

describe('rendering', () => {
  it('renders a Vega-Lite spec to SVG in Node (no canvas) and to a PNG', async () => {
    const spec: VegaLiteSpec = {
      data: { values: [{ x: 1, y: 1 }, { x: 2, y: 100 }] },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: { type: 'log' } } },
    };
    const svg = await renderSvg(spec);
    if (!svg.ok) throw new Error(svg.error.message);
    expect(svg.value.svg).toMatch(/^<svg [^>]*width="\d+"/);
    expect(svg.value.svg).toContain('class="mark-line role-mark');
    const png = renderPng(svg.value.svg);
    if (!png.ok) throw new Error(png.error.message);
    expect([...png.value.slice(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('draws text, Greek letters and sub/superscripts included, with the shipped font', () => {
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/></svg>';
    const text = blank.replace('</svg>', '<text x="4" y="28" font-family="sans-serif" font-size="20">ηλmax(H₀) θ²</text></svg>');
    expect(ink(blank)).toBe(0);
    expect(ink(text)).toBeGreaterThan(150);
  });

  it('reports an invalid spec as a compile error value, not a throw', async () => {
    const r = await renderSvg({ mark: 'nonsense-mark' } as VegaLiteSpec);
    expect(r.ok ? 'ok' : r.error.reason).toMatch(/compile-failed|render-failed/);
  });
});
