/**
 * Every user-facing message of catapult, one module per area, so tests can
 * assert exact text and wording stays consistent across commands.
 */
export * as cli from './cli.js';
export * as config from './config.js';
export * as engine from './engine.js';
export * as data from './data.js';
export * as numerics from './numerics.js';
export * as quadratic from './quadratic.js';
export * as claims from './claims.js';
export * as report from './report.js';
