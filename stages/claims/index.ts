/**
 * claims: evaluates a figure's claims (pipeline.yaml `figures.<id>.claims`)
 * on the metrics tables of its experiments. Inputs are metrics artifacts;
 * an input that is not a MetricsTable is a contract violation and fails the
 * stage, but a claim that does not hold is a FAIL row, never an error.
 * Experiments whose metrics are absent make the claims that need them NOT-RUN.
 */
import { toJsonSafe, type JsonValue } from '../../src/core/json.js';
import type { MetricsTable } from '../../src/core/metrics.js';
import type { ArtifactInput, StageImpl } from '../../src/core/stage.js';
import type { ClaimSpec } from '../../src/config/types.js';
import { evaluateClaims } from '../../src/claims/index.js';
import * as M from '../../src/messages/claims.js';

export interface ClaimsParams {
  figure: string;
  claims: ClaimSpec[];
}

/** The claims artifact (ARCHITECTURE.md): `details` is kept for the report's drill-down. */
export interface ClaimsArtifact {
  figure: string;
  claims: Array<{ id: string; text: string; status: 'PASS' | 'FAIL' | 'NOT-RUN'; measured: string; criterion: string; details?: JsonValue }>;
}

function asTable(input: ArtifactInput): MetricsTable {
  const r = input.result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || typeof r['experiment'] !== 'string' || !Array.isArray(r['runs'])) throw new Error(M.notAMetricsTable(input.id));
  return r as unknown as MetricsTable;
}

export function runClaims(params: ClaimsParams, inputs: readonly ArtifactInput[]): ClaimsArtifact {
  const tables = inputs.filter((i) => i.kind === 'metrics').map(asTable);
  return { figure: params.figure, claims: evaluateClaims(params.claims, tables) };
}

export const claimsStage: StageImpl = {
  kind: 'claims',
  async run(params, inputs, ctx) {
    const out = runClaims(params as unknown as ClaimsParams, inputs);
    for (const c of out.claims) ctx.log(`${c.status} ${c.id}: ${c.measured}`);
    return { result: toJsonSafe(out) };
  },
};

