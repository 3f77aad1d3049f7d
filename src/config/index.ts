/** The config layer's public API: load and validate pipeline.yaml, format its errors, validate stage params. */
export { loadPipeline, loadPipelineText, DEFAULTS, DATA_ROOT_ENV, displayName } from './load.js';
export type { LoadOptions, LoadedPipeline } from './load.js';
export { CONFIG_ERROR_EXIT, formatConfigFailures } from './failure.js';
export type { ConfigFailure, ConfigFailureReason, SourceRange } from './failure.js';
export { validateStageParams } from './stage-params.js';
export { gridPoints, MAX_ETA_POINTS } from './semantic.js';
export type * from './types.js';
