/**
 * Regenerates src/config/validators.generated.ts from schemas/*.json.
 * Run after editing a schema: `npx tsx src/config/build-validators.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { generateValidatorsSource } from './schemas.js';

export const GENERATED_PATH = fileURLToPath(new URL('./validators.generated.ts', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_PATH, generateValidatorsSource());
  process.stdout.write(`wrote ${GENERATED_PATH}\n`);
}
