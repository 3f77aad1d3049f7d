/** User-facing messages of the numerics library (tested verbatim). */

export const backendUnavailable = (name: string, cause: string): string =>
  `backend '${name}' could not be initialised: ${cause}`;

export const divergedNonFinite = (step: number): string => `loss became non-finite at step ${step}`;

export const divergedCeiling = (loss: number, ceiling: number, step: number): string =>
  `loss ${loss.toExponential(1)} > ceiling ${ceiling.toExponential(1)} at step ${step}`;

export const convergedTol = (delta: number, tol: number, relative: boolean, step: number): string =>
  `|ΔL| ${delta.toExponential(1)} < ${relative ? 'relative ' : ''}tol ${tol.toExponential(1)} at step ${step}`;

export const cappedSteps = (steps: number): string => `reached the step cap of ${steps}`;

export const aborted = (step: number): string => `aborted at step ${step}`;

export const archNotAvailable = (arch: string): string =>
  `architecture '${arch}' is not available: the quadratic-model library (src/numerics/quadratic) is not present`;

export const variantUnsupported = (arch: string, variant: string): string =>
  `architecture '${arch}' has no '${variant}' variant`;

export const badInputShape = (arch: string, shape: number[]): string =>
  `architecture '${arch}' cannot take inputs of shape [${shape.join(', ')}]`;

export const sgdNeedsBatch = (): string => `optimizer 'sgd' needs a positive 'batch' size`;

export const ortDisabled = (variable: string): string => `onnxruntime disabled by ${variable}=0`;

export const ortUnavailable = (cause: string): string => `onnxruntime-node could not be loaded (the tfjs path runs instead): ${cause}`;

export const ortActivationUnsupported = (name: string): string =>
  `activation '${name}' has no onnxruntime graph (the tfjs Gram engine runs instead)`;

export const ortBadThreads = (value: string): string =>
  `CATAPULT_ORT_THREADS='${value}' is not a positive integer; using os.availableParallelism()`;
