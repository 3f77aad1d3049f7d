/**
 * plot: renders one figure from its experiments' MetricsTables — the Vega-Lite
 * spec (inline data, so a user can restyle it), a standalone SVG rendered in
 * Node by vega's `toSVG` (no canvas), and a PNG rasterised by resvg.
 *
 * Params are exactly `{figure, paper, title, chart}` (the graph builder's
 * plot params); inputs are the metrics artifacts, in the figure's
 * `experiments` order. Pure: no backend in its key.
 */
import type { JsonValue } from '../../src/core/json.js';
import type { MetricsTable } from '../../src/core/metrics.js';
import type { Result } from '../../src/core/result.js';
import { ok } from '../../src/core/result.js';
import type { ArtifactInput, ArtifactOutput, StageContext, StageImpl } from '../../src/core/stage.js';
import { buildChart, type ChartError } from '../../src/report/charts.js';
import { renderPng, renderSvg, type RenderError } from '../../src/report/render.js';
import { defaultTemplatesDir } from '../../src/report/template.js';
import type { PlotParams, PlotResult } from '../../src/report/types.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export type PlotError = ChartError | RenderError;

/** The plot artifact and its side files, or why it could not be made. */
export async function renderFigure(
  params: PlotParams,
  tables: readonly MetricsTable[],
  templatesDir?: string,
): Promise<Result<{ result: PlotResult; files: { 'figure.svg': string; 'figure.png': Uint8Array; 'figure.vl.json': string } }, PlotError>> {
  const chart = buildChart(params, tables, templatesDir ? { templatesDir } : {});
  if (!chart.ok) return chart;
  const svg = await renderSvg(chart.value.spec);
  if (!svg.ok) return svg;
  const png = renderPng(svg.value.svg);
  if (!png.ok) return png;
  const notes = [...chart.value.notes, ...svg.value.warnings];
  const result: PlotResult = {
    figure: params.figure,
    spec: chart.value.spec,
    svgFile: 'figure.svg',
    pngFile: 'figure.png',
    specFile: 'figure.vl.json',
    dataRows: chart.value.dataRows,
    notes,
  };
  return ok({
    result,
    files: { 'figure.svg': svg.value.svg, 'figure.png': png.value, 'figure.vl.json': `${JSON.stringify(chart.value.spec, null, 1)}\n` },
  });
}

function templatesFor(ctx: StageContext): string {
  const inRepo = join(ctx.repoRoot, 'stages', 'plot', 'templates');
  return existsSync(join(inRepo, 'theme.json')) ? inRepo : defaultTemplatesDir();
}

export const plotStage: StageImpl = {
  kind: 'plot',
  async run(params: JsonValue, inputs: readonly ArtifactInput[], ctx: StageContext): Promise<ArtifactOutput> {
    const p = params as unknown as PlotParams;
    const tables = inputs.filter((i) => i.kind === 'metrics').map((i) => i.result as unknown as MetricsTable);
    const out = await renderFigure(p, tables, templatesFor(ctx));
    if (!out.ok) throw new Error(out.error.message);
    for (const n of out.value.result.notes) ctx.log(n);
    return { result: out.value.result as unknown as JsonValue, files: out.value.files };
  },
};

