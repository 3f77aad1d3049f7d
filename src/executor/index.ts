export { execute, failureMessage, summaryExitCode, validatePlan } from './execute.js';
export { InProcessRunner, runStage, type ContextBase, type StageRegistry } from './in-process.js';
export { WorkerPoolRunner, type WorkerPoolOptions } from './pool.js';
export { DEFAULT_ESTIMATE_MS, ProgressDisplay, loadEstimates, summaryLines, type ProgressOptions, type ProgressStream } from './progress.js';
export type * from './types.js';
