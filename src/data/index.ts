/** The data layer's public API (see each module's JSDoc). */
export { loadRealDataset, CIFAR_MEAN, CIFAR_STD } from './real.js';
export { generateSynthetic, generateSyntheticAsync, type TeacherPredict } from './synthetic.js';
export { loadVerified, defaultChecksums, clearFileCaches, checkDigests, sourceOf } from './files.js';
export { selectSubset } from './subset.js';
export type * from './types.js';
