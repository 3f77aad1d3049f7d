/**
 * Builds reports/ from the cache: gathers, per figure, its status, plot and
 * claims artifacts, failures and provenance into the report stage's params,
 * then runs the report stage in-process through the cache — so a rebuild with
 * nothing changed is a hit that only re-materialises the files.
 */
import { resolve } from 'node:path';
import { computeFingerprint, hashCode } from '../cache/fingerprint.js';
import type { Cache, CacheEntry } from '../cache/store.js';
import { FsCache } from '../cache/store.js';
import type { JsonValue } from '../core/json.js';
import type { ArtifactInput } from '../core/stage.js';
import { closure } from '../graph/select.js';
import { buildComparison, buildReport, materializeReport } from '../report/html.js';
import type { MissingData, ReportInput, ReportPaper, StageFailure } from '../report/types.js';
import { STAGE_META } from '../../stages/manifest.js';
import { materializeReportEntry, reportInputFrom, reportStage, type ReportArtifact, type ReportStageFigure, type ReportStageParams } from '../../stages/report/index.js';
import { reportMessages } from '../messages/report.js';
import { figureStatuses, isMissingData, type FigureStatus } from './figure-status.js';
import { catapultVersion, gitInfo, REPORT_PACKAGES, versions } from './runtime.js';
import type { Session } from './session.js';

export const PAPERS: ReportPaper[] = [
  {
    id: 'zhu',
    title: 'Zhu, Liu, Radhakrishnan & Belkin — Quadratic models for understanding neural network dynamics',
    citation: 'L. Zhu, C. Liu, A. Radhakrishnan, M. Belkin. Quadratic models for understanding neural network dynamics. ICLR 2024.',
  },
  {
    id: 'ml',
    title: 'Meltzer & Liu — Catapult dynamics and phase transitions in quadratic nets',
    citation: 'D. Meltzer, J. Liu. Catapult dynamics and phase transitions in quadratic nets. 2023.',
  },
];

/** Run-index id under which the last report's key is recorded (keeps it alive through gc). */
const REPORT_ID = 'report';

interface Gathered {
  params: ReportStageParams;
  inputs: ArtifactInput[];
}

function toInput(id: string, entry: CacheEntry): ArtifactInput {
  return { id, kind: entry.manifest.kind, key: entry.key, result: entry.result, dir: entry.dir };
}

/** The report stage's params and inputs for the current config, read from `cache`. */
export async function gatherReport(s: Session, cache: Cache): Promise<Gathered> {
  const statuses = await figureStatuses(s, cache);
  const git = gitInfo(s.repoRoot);
  const packages = { catapult: catapultVersion(s.repoRoot), ...s.numericPackages, ...versions(REPORT_PACKAGES, s.repoRoot) };
  // Which engines computed the numbers: the tfjs backend, and onnxruntime when the keys include it.
  const ort = s.numericPackages['onnxruntime-node'];
  const backendLine = ort ? reportMessages.backendWithOrt(s.backend, ort) : s.backend;
  const profileFlag = s.loaded.profile ? ` --profile ${s.loaded.profile}` : '';
  const inputs: ArtifactInput[] = [];
  const figures: ReportStageFigure[] = [];
  for (const [fig, spec] of Object.entries(s.config.figures)) {
    const out = s.graph.figureOutputs.get(fig)!;
    const st: FigureStatus = statuses.get(fig) ?? { state: 'never-run', cachedStages: 0 };
    const ids = [...closure(s.graph, [out.plot, out.claims])];
    const figure: ReportStageFigure = {
      id: fig,
      paper: spec.paper,
      title: spec.title,
      caption: spec.caption,
      status: 'not-run',
      claims: spec.claims.map((c) => ({ id: c.id, text: c.text, status: 'NOT-RUN', measured: null, criterion: JSON.stringify(c.check), note: 'not run yet' })),
    };
    // The chart: the current plot entry, else the last one built (shown as stale).
    const plotKey = s.keys.get(out.plot)!.key;
    let plot = await cache.read(plotKey);
    let stale = false;
    if (!plot.ok) {
      const last = await cache.lastRun(out.plot);
      if (last && last.status === 'done') {
        plot = await cache.read(last.key);
        stale = plot.ok;
      }
    }
    if (plot.ok) {
      inputs.push(toInput(out.plot, plot.value));
      figure.plotInput = out.plot;
    }
    let claims = await cache.read(s.keys.get(out.claims)!.key);
    if (!claims.ok) {
      // a partial or older result: shown, with the figure's status saying why
      const last = await cache.lastRun(out.claims);
      if (last && last.status === 'done') claims = await cache.read(last.key);
    }
    if (claims.ok) {
      inputs.push(toInput(out.claims, claims.value));
      figure.claimsInput = out.claims;
    }
    if (st.state === 'up-to-date') figure.status = 'built';
    else if (st.state === 'missing-data') {
      figure.status = 'missing-data';
      figure.missing = [missingFrom(s, st)];
    } else if (st.state === 'failed') {
      figure.status = 'failed';
      figure.failures = [{ stage: st.failedStage!, message: st.message ?? 'failed' } satisfies StageFailure];
    } else if (stale || st.state === 'stale') {
      figure.status = plot.ok ? 'stale' : 'not-run';
      figure.staleReason = `the config or code changed since this chart was built (${st.cachedStages}/${ids.length} stages up to date); run \`npx catapult run ${fig}${profileFlag}\``;
    }
    // Provenance: everything that enters the keys, summarised.
    const stages: { id: string; key: string; wallSeconds?: number; cached?: boolean }[] = [];
    let wallMs = 0;
    let trains = 0;
    for (const id of ids.sort()) {
      const key = s.keys.get(id)!.key;
      const rec = await cache.lastRun(id);
      if (rec?.key === key) wallMs += rec.wallMs;
      if (id.startsWith('train:')) {
        trains++;
        continue;
      }
      stages.push({ id, key, ...(rec?.key === key ? { wallSeconds: Math.round(rec.wallMs) / 1000 } : {}) });
    }
    const experiments = Object.fromEntries(spec.experiments.map((e) => [e, s.config.experiments[e] as unknown as JsonValue]));
    const seeds = [...new Set(spec.experiments.flatMap((e) => s.config.experiments[e]?.matrix.seed ?? []))].sort((a, b) => a - b);
    figure.provenance = {
      params: { chart: spec.chart, experiments, trainingRuns: trains } as unknown as JsonValue,
      key: plotKey,
      stages,
      ...(git.commit ? { gitCommit: git.commit, gitDirty: git.dirty } : {}),
      packages,
      backend: backendLine,
      seeds,
      wallSeconds: Math.round(wallMs) / 1000,
      command: `npx catapult run ${fig}${profileFlag}`,
    };
    figures.push(figure);
  }
  const params: ReportStageParams = {
    title: 'catapult — large-learning-rate dynamics: Zhu et al. and Meltzer & Liu, regenerated',
    project: {
      ...(git.commit ? { gitCommit: git.commit, gitDirty: git.dirty } : {}),
      packages,
      backend: backendLine,
      ...(s.loaded.profile ? { profile: s.loaded.profile } : {}),
      configFile: s.loaded.file,
    },
    papers: PAPERS,
    figures,
  };
  return { params, inputs };
}

function missingFrom(s: Session, st: FigureStatus): MissingData {
  const dsName = st.failedStage?.startsWith('dataset:') ? st.failedStage.slice('dataset:'.length) : '?';
  const spec = s.config.datasets[dsName] as { source?: string } | undefined;
  return { dataset: dsName, source: spec?.source ?? dsName, expected: [s.dataRoot], how: st.message ?? 'supply the dataset files under the data root' };
}

/** Key of the report built from `g` (the report stage's fingerprint). */
export function reportKey(s: Session, g: Gathered): string {
  return computeFingerprint({
    kind: 'report',
    params: g.params as unknown as JsonValue,
    codeHash: hashCode(s.repoRoot, STAGE_META.report.code),
    depKeys: g.inputs.map((i) => i.key),
    runtime: { backend: null, packages: {} },
  }).key;
}

export interface WrittenReport {
  path: string;
  bytes: number;
  cached: boolean;
}

/** Builds (or reuses from the cache) the report and writes it to `out` (default reports/). */
export async function writeReport(s: Session, cache: Cache, opts: { out: string | null; compare: string | null }): Promise<WrittenReport> {
  const outDir = resolve(opts.out ?? resolve(s.projectDir, opts.compare ? 'reports/compare' : 'reports'));
  const g = await gatherReport(s, cache);
  if (opts.compare) {
    const other = await FsCache.open(resolve(opts.compare));
    const gb = await gatherReport(s, await lastRunView(s, other));
    const a = reportInputFrom(g.params, g.inputs);
    const b = reportInputFrom(gb.params, gb.inputs);
    const input: ReportInput = buildComparison(a, b, ['this cache', opts.compare]);
    const built = materializeReport(buildReport(input).files, outDir);
    if (!built.ok) throw new Error(JSON.stringify(built.error));
    return { path: resolve(outDir, 'index.html'), bytes: built.value.bytes, cached: false };
  }
  const key = reportKey(s, g);
  let entry = await cache.read(key);
  const cached = entry.ok;
  if (!entry.ok) {
    const started = new Date();
    const output = await reportStage.run(g.params as unknown as JsonValue, g.inputs, {
      id: REPORT_ID,
      key,
      backend: 'none',
      dataRoot: s.dataRoot,
      repoRoot: s.repoRoot,
      offline: true,
      signal: new AbortController().signal,
      log: () => {},
      progress: () => {},
    });
    const ended = new Date();
    const fp = computeFingerprint({
      kind: 'report',
      params: g.params as unknown as JsonValue,
      codeHash: hashCode(s.repoRoot, STAGE_META.report.code),
      depKeys: g.inputs.map((i) => i.key),
      runtime: { backend: null, packages: {} },
    });
    const wallMs = ended.getTime() - started.getTime();
    const written = await cache.write(key, fp.fingerprint, output, {
      id: REPORT_ID,
      kind: 'report',
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      wallMs,
      backend: 'none',
      log: [],
    });
    if (!written.ok) throw new Error(`could not cache the report: ${JSON.stringify(written.error)}`);
    await cache.recordRun(REPORT_ID, key, fp.fingerprint, { wallMs, finishedAt: ended.toISOString(), status: 'done' });
    entry = { ok: true, value: written.value };
  }
  const artifact = entry.value.result as unknown as ReportArtifact;
  const m = materializeReportEntry(artifact, entry.value.dir, outDir);
  if (!m.ok) throw new Error(`could not write ${outDir}: ${JSON.stringify(m.error)}`);
  return { path: resolve(outDir, 'index.html'), bytes: artifact.bytes, cached };
}

/** Keys of report entries to keep through gc: the last report built. */
export async function liveReportKeys(s: Session): Promise<string[]> {
  const cache = await s.openCache();
  const last = await cache.lastRun(REPORT_ID);
  return last ? [last.key] : [];
}

/**
 * A view of another cache for `--compare`: each instance resolves to whatever
 * that cache built last for the same id (its own config / revision), so the
 * same figure from two revisions can be overlaid.
 */
async function lastRunView(s: Session, other: Cache): Promise<Cache> {
  const remap = new Map<string, string>();
  for (const inst of s.graph.instances) {
    if (inst.kind !== 'plot' && inst.kind !== 'claims') continue;
    const rec = await other.lastRun(inst.id);
    if (rec && rec.status === 'done') remap.set(s.keys.get(inst.id)!.key, rec.key);
  }
  return {
    read: (key) => other.read(remap.get(key) ?? key),
    has: (key) => other.has(remap.get(key) ?? key),
    write: (...a) => other.write(...a),
    remove: (key) => other.remove(key),
    entries: () => other.entries(),
    recordRun: (...a) => other.recordRun(...a),
    lastRun: (id) => other.lastRun(id),
    gc: (...a) => other.gc(...a),
  };
}
