/**
 * Chart templates: JSON files under `stages/plot/templates/` holding the
 * static parts of each chart (marks, layers, styling), with `{{name}}`
 * placeholders that `charts.ts` fills from the data. Keeping them as data (not
 * code) lets a user restyle a chart without touching TypeScript, and since the
 * folder is in the plot stage's `code` list, editing a template re-renders
 * exactly the plots.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '../core/json.js';
import { err, ok, type Result } from '../core/result.js';
import { reportMessages } from '../messages/report.js';

export type TemplateError =
  | { reason: 'template-missing'; message: string; path: string }
  | { reason: 'template-invalid'; message: string; path: string }
  | { reason: 'placeholder-missing'; message: string; names: string[] };

const WHOLE = /^\{\{([A-Za-z0-9_]+)\}\}$/;
const INLINE = /\{\{([A-Za-z0-9_]+)\}\}/g;

/**
 * Replaces placeholders in a JSON template. A string that is exactly
 * `{{name}}` becomes the variable's JSON value (object, array, number...); a
 * placeholder inside a longer string is replaced by the variable's text. A
 * variable whose value is `undefined` removes the enclosing property (so a
 * template can carry optional encodings). Missing variables are an error, all
 * reported at once.
 */
export function fillTemplate(template: JsonValue, vars: Record<string, JsonValue | undefined>): Result<JsonValue, TemplateError> {
  const missing = new Set<string>();
  const DROP = Symbol('drop');
  const walk = (v: JsonValue): JsonValue | typeof DROP => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) {
        const name = whole[1]!;
        if (!(name in vars)) {
          missing.add(name);
          return v;
        }
        const value = vars[name];
        return value === undefined ? DROP : value;
      }
      return v.replace(INLINE, (m, name: string) => {
        if (!(name in vars) || vars[name] === undefined) {
          missing.add(name);
          return m;
        }
        const value = vars[name];
        return typeof value === 'string' ? value : JSON.stringify(value);
      });
    }
    if (Array.isArray(v)) {
      const out: JsonValue[] = [];
      for (const x of v) {
        const y = walk(x);
        if (y !== DROP) out.push(y);
      }
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const out: { [k: string]: JsonValue } = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === '$comment') continue;
        const y = walk(x);
        if (y !== DROP) out[k] = y;
      }
      return out;
    }
    return v;
  };
  const filled = walk(template);
  if (missing.size > 0) {
    const names = [...missing].sort();
    return err({ reason: 'placeholder-missing', message: reportMessages.placeholderMissing(names), names });
  }
  return ok(filled === DROP ? null : filled);
}

/** Finds `stages/plot/templates` by walking up from this module (works from src/ and from dist/). */
export function defaultTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'stages', 'plot', 'templates');
    if (existsSync(join(candidate, 'theme.json'))) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'stages', 'plot', 'templates');
}

const cache = new Map<string, JsonValue>();

/** Reads and parses one template file (`<dir>/<name>.json`), memoised per path. */
export function loadTemplate(name: string, dir: string = defaultTemplatesDir()): Result<{ [k: string]: JsonValue }, TemplateError> {
  const path = join(dir, `${name}.json`);
  let parsed = cache.get(path);
  if (parsed === undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return err({ reason: 'template-missing', message: reportMessages.templateMissing(name, path), path });
    }
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch (e) {
      return err({ reason: 'template-invalid', message: reportMessages.templateInvalid(path, (e as Error).message), path });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return err({ reason: 'template-invalid', message: reportMessages.templateInvalid(path, 'not a JSON object'), path });
    }
    cache.set(path, parsed);
  }
  return ok(structuredClone(parsed) as { [k: string]: JsonValue });
}
