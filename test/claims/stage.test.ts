import { STAGE_META } from '../../stages/manifest.js';
import { describe, expect, it } from 'vitest';
import type { ArtifactInput, StageContext } from '../../src/core/stage.js';
import { claimsStage, runClaims } from '../../stages/claims/index.js';
import { linTable, uvTable, viaJson } from '../fixtures/claims/toy.js';
import type { JsonValue } from '../../src/core/json.js';

const input = (id: string, result: unknown): ArtifactInput => ({ id, kind: 'metrics', key: 'k', result: result as JsonValue, dir: '/nonexistent' });
const claims = [
  { id: 'lin-iff', text: 'f_lin converges iff η < η_crit', check: { kind: 'converges-iff-below', experiment: 'lin', variant: 'lin', axis: 'critical', threshold: 1, margin: 0.05 } },
  { id: 'quad-edge', text: 'f_quad converges up to ηλ ≈ 4', check: { kind: 'max-converged-in', experiment: 'quad', variant: 'quad', axis: 'lambda', range: [3.7, 4.05] } },
  { id: 'net-spike', text: 'f spikes', check: { kind: 'loss-spike', experiment: 'net', variant: 'net', axis: 'lambda', range: [2.4, 4], factor: 10 } },
];
const GRID = [0.5, 1, 1.5, 2.5, 3, 3.5, 3.9, 4.2];

describe('claims stage', () => {
  it('evaluates every claim on JSON metrics artifacts; a missing experiment is NOT-RUN, not an error', async () => {
    const logs: string[] = [];
    const ctx = { log: (m: string) => logs.push(m) } as unknown as StageContext;
    const out = await claimsStage.run({ figure: 'zhu-fig1', claims } as unknown as JsonValue, [input('metrics:lin', viaJson(linTable('lin', GRID))), input('metrics:quad', viaJson(uvTable('quad', GRID)))], ctx);
    const result = out.result as { figure: string; claims: Array<{ id: string; status: string; measured: string; criterion: string }> };
    expect(result.figure).toBe('zhu-fig1');
    expect(result.claims.map((c) => [c.id, c.status])).toEqual([
      ['lin-iff', 'PASS'],
      ['quad-edge', 'PASS'],
      ['net-spike', 'NOT-RUN'],
    ]);
    expect(result.claims[2]!.measured).toBe("metrics for experiment 'net' are not available (its runs failed or were not built)");
    expect(result.claims[1]!.criterion).toBe('quad: the largest converged ηλmax(H0) lies in [3.7, 4.05] and a larger one fails to converge');
    expect(logs[0]).toMatch(/^PASS lin-iff: below: /);
    expect(STAGE_META.claims.numeric).toBe(false);
  });

  it('rejects an input that is not a metrics table (a contract violation, not a claim result)', () => {
    expect(() => runClaims({ figure: 'f', claims }, [input('metrics:x', { foo: 1 })])).toThrow("input 'metrics:x' of the claims stage is not a metrics table (no 'experiment' or 'runs')");
  });
});
