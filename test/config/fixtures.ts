/** Reads a bad-config fixture: its text plus options from `# test: profile=NAME` / `# test: set=PATH=VALUE` lines. */
import { readFileSync } from 'node:fs';

import type { LoadOptions } from '../../src/config/load.js';

export function fixtureOptions(text: string): LoadOptions {
  const sets: string[] = [];
  let profile: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^# test: (profile|set)=(.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] === 'profile') profile = m[2] ?? null;
    else sets.push(m[2] ?? '');
  }
  return { profile, sets, env: {} };
}

export function readFixture(path: string): { text: string; opts: LoadOptions } {
  const text = readFileSync(path, 'utf8');
  return { text, opts: fixtureOptions(text) };
}
