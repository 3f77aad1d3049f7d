import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateClaimValidatorsSource } from '../../src/claims/build-validators.js';
import { CHECK_KINDS, validatorName } from '../../src/claims/kinds.js';
import * as generated from '../../src/claims/validators.generated.js';

describe('pre-generated claim validators', () => {
  it('are up to date with CHECK_KINDS (run `npx tsx src/claims/build-validators.ts` after editing a kind)', () => {
    const onDisk = readFileSync(new URL('../../src/claims/validators.generated.ts', import.meta.url), 'utf8');
    expect(onDisk === generateClaimValidatorsSource()).toBe(true);
  });
  it('exist for every kind', () => {
    for (const kind of Object.keys(CHECK_KINDS)) expect(typeof (generated as Record<string, unknown>)[validatorName(kind)]).toBe('function');
  });
});
