/** User-facing messages of the quadratic models (tested verbatim). */

export const quadraticBadSize = (arch: string, field: string, value: number): string =>
  `${arch}: '${field}' must be a positive integer, got ${value}`;

export const quadraticStudentTooLarge = (arch: string, student: number, teacher: number): string =>
  `${arch}: the student size ${student} exceeds the teacher size ${teacher}`;

export const quadraticNeedsFeatureSeed = (arch: string): string =>
  `${arch}: a teacher–student model needs 'featureSeed' so that the teacher's and the student's features agree`;

export const quadraticBadEigenRange = (low: number, high: number): string =>
  `eigenvalue range [${low}, ${high}] is empty`;

export const gqmDimensionMismatch = (d: number, inputDim: number): string =>
  `gqm: 'd' is ${d} but the dataset's inputs have dimension ${inputDim}`;
