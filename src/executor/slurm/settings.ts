/**
 * `execution.slurm` of pipeline.yaml plus the command line, resolved into the
 * complete settings the Slurm runner works from (every default filled here,
 * in one place, so the README and `--help` can quote them).
 */
import type { SlurmResources, SlurmSpec } from '../../config/types.js';
import type { StageKind } from '../../core/stage.js';

/** One job's request, complete. */
export interface ResolvedResources {
  readonly cpus: number;
  readonly mem: string;
  readonly time: string;
}

export interface SlurmSettings {
  readonly partition: string | null;
  /** sbatch options as `--key=value` / `--key`, config first, then `--slurm-opt` (later wins per key). */
  readonly options: ReadonlyMap<string, string | true>;
  readonly arrays: boolean;
  readonly maxArraySize: number;
  readonly arrayThrottle: number;
  readonly pollMs: number;
  readonly controllerTimeoutMs: number;
  readonly batchWindowMs: number;
  /** argv that starts catapult on a compute node (before `exec <batch> --index …`). */
  readonly command: readonly string[];
  readonly resources: (kind: StageKind) => ResolvedResources;
}

/** Built-in requests: small for bookkeeping stages, long for training runs. */
export const DEFAULT_RESOURCES: Readonly<Record<StageKind, ResolvedResources>> = {
  dataset: { cpus: 1, mem: '4G', time: '01:00:00' },
  init: { cpus: 1, mem: '4G', time: '01:00:00' },
  train: { cpus: 1, mem: '8G', time: '1-00:00:00' },
  metrics: { cpus: 1, mem: '4G', time: '01:00:00' },
  plot: { cpus: 1, mem: '4G', time: '01:00:00' },
  claims: { cpus: 1, mem: '2G', time: '00:30:00' },
  report: { cpus: 1, mem: '4G', time: '01:00:00' },
};

export interface SlurmCliOverrides {
  readonly partition?: string | null;
  /** `--slurm-opt key=value` (or `key` alone for a flag). */
  readonly slurmOpts?: readonly string[];
}

/** Parses one `--slurm-opt`; null when it is not `key` or `key=value` with a lower-case key. */
export function parseSlurmOpt(text: string): [string, string | true] | null {
  const m = /^-{0,2}([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(text);
  if (!m) return null;
  return [m[1]!, m[2] === undefined ? true : m[2]];
}

export function resolveSlurmSettings(spec: SlurmSpec | undefined, cli: SlurmCliOverrides, defaultCommand: readonly string[]): SlurmSettings {
  const s = spec ?? {};
  const options = new Map<string, string | true>();
  for (const [k, v] of Object.entries(s.options ?? {})) {
    if (v === false) continue;
    options.set(k, v === true ? true : String(v));
  }
  for (const o of cli.slurmOpts ?? []) {
    const kv = parseSlurmOpt(o);
    if (kv) options.set(kv[0], kv[1]);
  }
  const fromConfig = s.resources ?? {};
  const resources = (kind: StageKind): ResolvedResources => {
    const base = DEFAULT_RESOURCES[kind];
    const dflt: SlurmResources = fromConfig.default ?? {};
    const own: SlurmResources = kind === 'report' ? {} : (fromConfig[kind] ?? {});
    return {
      cpus: own.cpus ?? dflt.cpus ?? base.cpus,
      mem: own.mem ?? dflt.mem ?? base.mem,
      time: own.time ?? dflt.time ?? base.time,
    };
  };
  return {
    partition: cli.partition ?? s.partition ?? null,
    options,
    arrays: s.arrays ?? true,
    maxArraySize: s.maxArraySize ?? 1000,
    arrayThrottle: s.arrayThrottle ?? 100,
    pollMs: (s.pollSeconds ?? 2) * 1000,
    controllerTimeoutMs: (s.controllerTimeoutSeconds ?? 120) * 1000,
    batchWindowMs: s.batchWindowMs ?? 200,
    command: s.command ?? defaultCommand,
    resources,
  };
}
