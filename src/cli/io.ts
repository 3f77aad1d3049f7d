import type { ProgressStream } from '../executor/index.js';

/** The process surface a command touches, injectable so tests can capture output. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  readonly stderr: ProgressStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
  err: (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
  stderr: process.stderr,
  env: process.env,
};
