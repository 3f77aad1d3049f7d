/** Public API of the report side: charts, rendering, and the static HTML report. */
export * from './types.js';
export { buildChart, prepareRows, assembleSpec, overlaySpecs, thin, etaTitle, VARIANT_LABELS, TRAJECTORY_TITLES, SWEEP_TITLES } from './charts.js';
export type { ChartBuild, ChartBuildOptions, ChartError, OverlayError } from './charts.js';
export { compileSpec, renderSvg, renderPng, findFont, fontCandidates } from './render.js';
export type { RenderError } from './render.js';
export { buildReport, buildComparison, materializeReport, escapeHtml, scriptJson, safeId, inlineLibraries, INLINE_SPEC_LIMIT } from './html.js';
export type { ReportFiles, MaterializeError } from './html.js';
export { fillTemplate, loadTemplate, defaultTemplatesDir } from './template.js';
export type { TemplateError } from './template.js';
