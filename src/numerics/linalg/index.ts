export * from './dense.js';
export * from './expm.js';
export * from './eigen.js';
