/**
 * Errors as values. Every fallible boundary in catapult (config loading, cache
 * reads, stage runs) returns a `Result` instead of throwing, so that callers
 * must decide what a failure means — a located config error, a corrupt cache
 * entry to rebuild, a stage that failed and skips its dependents — and so that
 * several failures can be collected and reported at once.
 */
export type Result<T, F> = { ok: true; value: T } | { ok: false; error: F };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <F>(error: F): { ok: false; error: F } => ({ ok: false, error });
