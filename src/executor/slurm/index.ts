export { SlurmRunner, type SlurmRunnerOptions } from './runner.js';
export { CommandSlurmClient, parseScontrol, parseSqueue, type JobRecord, type SlurmCallFailure, type SlurmClient } from './client.js';
export { DEFAULT_RESOURCES, parseSlurmOpt, resolveSlurmSettings, type ResolvedResources, type SlurmCliOverrides, type SlurmSettings } from './settings.js';
export { execTask, readBatch, type ExecFailure, type ExecOptions } from './exec.js';
export { jobScript, type BatchFile, type TaskReport, type TaskSpec } from './batch.js';
