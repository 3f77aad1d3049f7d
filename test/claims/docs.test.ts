import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateCheck } from '../../src/claims/index.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/claims.md', import.meta.url)), 'utf8');

/** `### id` heading → the claims of the YAML block under it. */
function blocks(): Map<string, Array<{ id: string; text: string; check: { kind: string } }>> {
  const out = new Map<string, Array<{ id: string; text: string; check: { kind: string } }>>();
  const re = /^### (\S+)\n[\s\S]*?```yaml\n([\s\S]*?)```/gm;
  for (const m of doc.matchAll(re)) out.set(m[1]!, (parse(m[2]!) as { claims: Array<{ id: string; text: string; check: { kind: string } }> }).claims);
  return out;
}

// Every figure id of FIGURES.md (both papers).
const FIGURES = [
  'zhu-fig1', 'zhu-fig2a', 'zhu-fig2b', 'zhu-fig3', 'zhu-fig4', 'zhu-fig5', 'zhu-fig6', 'zhu-fig7..9', 'zhu-fig10..11', 'zhu-fig12', 'zhu-act',
  'ml-table1', 'ml-fig1', 'ml-fig2', 'ml-fig3', 'ml-fig4', 'ml-fig5', 'ml-fig6', 'ml-fig7', 'ml-fig8', 'ml-fig9', 'ml-fig10', 'ml-fig11', 'ml-fig12', 'ml-fig13', 'ml-fig14..16',
];

describe('docs/claims.md', () => {
  const b = blocks();
  it('has a claims block for every figure of the catalog', () => {
    expect([...b.keys()].sort()).toEqual([...FIGURES].sort());
  });
  it('every recommended check validates against CHECK_KINDS, with unique ids per figure', () => {
    for (const [fig, claims] of b) {
      expect(claims.length, fig).toBeGreaterThan(0);
      expect(new Set(claims.map((c) => c.id)).size, fig).toBe(claims.length);
      for (const c of claims) expect(validateCheck(c.check), `${fig}/${c.id}`).toEqual([]);
    }
  });
});
