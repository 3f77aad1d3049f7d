export * from './fingerprint.js';
export * from './store.js';
