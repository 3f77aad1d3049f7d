/**
 * Everything a command needs, loaded once: the resolved config, the DAG, the
 * static key of every instance, and the cache. Config errors come back as a
 * formatted, located message and exit code 2 — never a stack trace.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FsCache } from '../cache/store.js';
import { DATA_ROOT_ENV, loadPipeline, loadPipelineText, formatConfigFailures, type LoadedPipeline } from '../config/index.js';
import { hashCode } from '../cache/fingerprint.js';
import { hashJson } from '../core/json.js';
import type { PipelineConfig } from '../config/types.js';
import type { ConfigFailure } from '../config/failure.js';
import { referencedExperiments, validateCheckDetailed, type Check } from '../claims/index.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import { buildGraph, type Graph } from '../graph/build.js';
import { computeKeys, type KeyedInstance } from '../graph/keys.js';
import { EXIT } from '../messages/cli.js';
import { STAGE_META } from '../../stages/manifest.js';
import { datasetParamsWith } from '../../stages/dataset/params.js';
import type { ChecksumTable } from '../data/types.js';
import type { CommonOptions } from './args.js';
import { numericPackages as numericPackagesFor } from '../numerics/packages.js';
import { repoRoot, resolveBackend } from './runtime.js';

/** Environment variable naming the cache directory (below --cache-dir, above execution.cacheDir). */
export const CACHE_DIR_ENV = 'CATAPULT_CACHE_DIR';

export interface Session {
  /** The catapult checkout (stage sources are hashed from here). */
  readonly repoRoot: string;
  /** Absolute path of pipeline.yaml; cache/ and reports/ default to its folder. */
  readonly configFile: string;
  readonly projectDir: string;
  readonly loaded: LoadedPipeline;
  readonly config: PipelineConfig;
  readonly graph: Graph;
  readonly keys: ReadonlyMap<string, KeyedInstance>;
  readonly backend: string;
  readonly numericPackages: Readonly<Record<string, string>>;
  readonly dataRoot: string;
  readonly cacheDir: string;
  /** Opened lazily: `graph` needs no cache. */
  openCache(): Promise<FsCache>;
}

export interface SessionFailure {
  readonly exit: number;
  readonly message: string;
}

/** Loads config + graph + keys for the given common options (profile, --set, backend). */
export function openSession(common: CommonOptions, env: NodeJS.ProcessEnv = process.env): Result<Session, SessionFailure> {
  const configFile = resolve(common.config);
  const root = repoRoot();
  const projectDir = dirname(configFile);
  // --cache-dir, then env CATAPULT_CACHE_DIR, then execution.cacheDir, then cache/ beside the file;
  // the validated-config memo lives in the first-known one (the config is not read yet).
  const given = common.cacheDir ?? env[CACHE_DIR_ENV] ?? null;
  const memoDir = resolve(given ?? resolve(projectDir, 'cache'));
  const loaded = loadValidated(common, env, root, memoDir);
  if (!loaded.ok) return err({ exit: EXIT.config, message: formatConfigFailures(loaded.error, { color: useColor() }) });
  const config = loaded.value.config;
  const configured = config.execution?.cacheDir;
  const cacheDir = given === null && configured !== undefined ? resolve(projectDir, configured) : memoDir;
  const backend = resolveBackend(common.backend ?? config.defaults.backend, root);
  const numericPackages = numericPackagesFor(env, root);
  const graph = buildGraph(config, { datasetParams: datasetParamsFor(root) });
  const keys = computeKeys(graph, { repoRoot: root, backend, numericPackages, meta: STAGE_META });
  let cache: Promise<FsCache> | undefined;
  return ok({
    repoRoot: root,
    configFile,
    projectDir,
    loaded: loaded.value,
    config,
    graph,
    keys,
    backend,
    numericPackages,
    dataRoot: resolve(projectDir, config.defaults.dataRoot),
    cacheDir,
    openCache: () => (cache ??= FsCache.open(cacheDir)),
  });
}

export function useColor(): boolean {
  return process.stderr.isTTY === true && !process.env.NO_COLOR;
}

/** Dataset params with the checksum digest of the repo's checksums.json (read once per process). */
export function datasetParamsFor(root: string): (spec: PipelineConfig['datasets'][string]) => import('../core/json.js').JsonValue {
  let table: ChecksumTable | undefined;
  return (spec) => {
    table ??= JSON.parse(readFileSync(join(root, 'stages', 'dataset', 'checksums.json'), 'utf8')) as ChecksumTable;
    return datasetParamsWith(table, spec);
  };
}

/**
 * Claims are validated against their check kind's schema at load time, so a
 * misspelt criterion is a located config error (exit 2), not a NOT-RUN found
 * after an hour of training. A check may only read experiments its figure lists.
 */
export function checkClaims(loaded: LoadedPipeline): ConfigFailure[] {
  const out: ConfigFailure[] = [];
  for (const [fig, spec] of Object.entries(loaded.config.figures)) {
    spec.claims.forEach((claim, i) => {
      const base = ['figures', fig, 'claims', i, 'check'];
      for (const e of validateCheckDetailed(claim.check)) {
        const sub = e.path.split('/').filter(Boolean).map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
        out.push(loaded.failureAt([...base, ...sub], `claim \`${claim.id}\`: ${sub.length ? sub.join('.') + ' ' : ''}${e.message}`));
      }
      for (const exp of referencedExperiments(claim.check as unknown as Check)) {
        if (!spec.experiments.includes(exp)) {
          out.push(loaded.failureAt(base, `claim \`${claim.id}\` reads experiment \`${exp}\`, which figure \`${fig}\` does not list in its experiments`));
        }
      }
    });
  }
  return out;
}

/**
 * Opens the session for a command, or prints the (located) config error and
 * returns its exit code — the preamble every command shares.
 */
export async function withSession(
  common: CommonOptions,
  io: { err(line: string): void; readonly env: NodeJS.ProcessEnv },
  body: (s: Session) => Promise<number>,
): Promise<number> {
  const opened = openSession(common, io.env);
  if (!opened.ok) {
    io.err(opened.error.message);
    return opened.error.exit;
  }
  return body(opened.value);
}

/** Bump when the shape of a cached validated config changes. */
const VALIDATED_CONFIG_SCHEME = 1;

interface SavedConfig {
  config: PipelineConfig;
  profile: string | null;
  profiles: string[];
  file: string;
  text: string;
}

/**
 * The validated config (schema, semantics, claims), reused from
 * `cache/config/<key>.json` when nothing that could change the verdict
 * changed: the file's text, the profile, the `--set`s, CATAPULT_DATA_ROOT and
 * the source of the config and claims layers (and their schemas). Parsing and
 * validating the YAML is a third of a no-op run of the paper-scale DAG.
 * Only configs that passed every check are saved, so a hit needs no error
 * locations; if one is asked for anyway, the file is parsed then.
 */
export function loadValidated(
  common: CommonOptions,
  env: NodeJS.ProcessEnv,
  root: string,
  cacheDir: string,
): Result<LoadedPipeline, ConfigFailure[]> {
  const opts = { profile: common.profile, sets: common.sets, env };
  /** Load and check the file (its text when already read: the memo key and the config then come from one read). */
  const full = (text?: string): Result<LoadedPipeline, ConfigFailure[]> => {
    const loaded = text === undefined ? loadPipeline(common.config, opts) : loadPipelineText(text, common.config, opts);
    if (!loaded.ok) return loaded;
    const claimErrors = checkClaims(loaded.value);
    return claimErrors.length ? err(claimErrors) : loaded;
  };
  let text: string;
  try {
    text = readFileSync(common.config, 'utf8');
  } catch {
    return full(); // the loader reports the unreadable file
  }
  const key = hashJson({
    scheme: VALIDATED_CONFIG_SCHEME,
    text,
    file: common.config,
    profile: common.profile,
    sets: common.sets,
    dataRootEnv: env[DATA_ROOT_ENV] ?? null,
    code: hashCode(root, ['src/config', 'src/claims', 'schemas']),
  });
  const path = join(cacheDir, 'config', `${key}.json`);
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as SavedConfig;
    let real: Result<LoadedPipeline, ConfigFailure[]> | undefined;
    const delegate = (): LoadedPipeline | undefined => {
      real ??= full(text);
      return real.ok ? real.value : undefined;
    };
    return ok({
      ...saved,
      locate: (p) => delegate()?.locate(p),
      locateKey: (p) => delegate()?.locateKey(p),
      failureAt: (p, message, reason) => {
        const d = delegate();
        if (d) return d.failureAt(p, message, reason);
        return { reason: reason ?? 'semantic', message, file: saved.file, path: p.join('.') };
      },
    });
  } catch {
    /* not cached (or unreadable): validate and save */
  }
  const loaded = full(text);
  if (loaded.ok) {
    const { config, profile, profiles, file } = loaded.value;
    const saved: SavedConfig = { config, profile, profiles, file, text };
    try {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(saved));
      renameSync(tmp, path);
    } catch {
      /* a read-only cache just means no reuse */
    }
  }
  return loaded;
}
