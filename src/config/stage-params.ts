/**
 * Validation of a stage instance's params against schemas/stages/<kind>.schema.json.
 * The graph builder calls this on every instance it creates (a failure is a
 * bug in the builder, not a user error, so messages are plain strings with the
 * JSON path rather than located errors).
 */
import { err, ok, type Result } from '../core/result.js';
import type { StageKind } from '../core/stage.js';
import { runValidator } from './validate.js';

export function validateStageParams(kind: StageKind, params: unknown): Result<void, string[]> {
  const errors = runValidator(`stage_${kind}`, params);
  if (errors.length === 0) return ok(undefined);
  const messages = errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const where = e.instancePath === '' ? `${kind} params` : `${kind} params ${e.instancePath}`;
      const extra = e.keyword === 'additionalProperties' ? ` (\`${String((e.params as { additionalProperty: string }).additionalProperty)}\`)` : '';
      return `${where}: ${e.message ?? e.keyword}${extra}`;
    });
  return err([...new Set(messages)]);
}
