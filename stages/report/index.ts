/**
 * report: assembles the static HTML report from plot and claims artifacts.
 *
 * The params carry everything that is not an artifact (figure statuses,
 * captions, failures, missing data, provenance) with, per figure, the ids of
 * the plot / claims instances whose artifacts fill its chart and claims. The
 * output is the report's files, stored flat in the cache entry (the store
 * accepts flat names only) with a `files` map back to their paths in the
 * report; `materializeReportEntry` writes them to `reports/` atomically.
 * Being a stage, an unchanged report is a cache hit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue } from '../../src/core/json.js';
import type { Result } from '../../src/core/result.js';
import type { ArtifactInput, ArtifactOutput, StageImpl } from '../../src/core/stage.js';
import { buildReport, materializeReport, type MaterializeError } from '../../src/report/html.js';
import type { ClaimResult, PlotResult, ReportFigure, ReportInput } from '../../src/report/types.js';

/** A figure as the report stage's params describe it: artifacts are referenced by instance id. */
export type ReportStageFigure = Omit<ReportFigure, 'plot' | 'claims'> & {
  /** Id of the plot instance whose artifact is the chart (status built / stale). */
  plotInput?: string;
  /** Id of the claims instance; its claims replace `claims`. */
  claimsInput?: string;
  claims?: ClaimResult[];
};

export type ReportStageParams = Omit<ReportInput, 'figures'> & { figures: ReportStageFigure[] };

/** The report stage's `result.json`: report path → flat file name in the entry. */
export interface ReportArtifact {
  files: { path: string; file: string; bytes: number }[];
  bytes: number;
}

/** Resolves artifact references into a full `ReportInput`. */
export function reportInputFrom(params: ReportStageParams, inputs: readonly ArtifactInput[]): ReportInput {
  const byId = new Map(inputs.map((i) => [i.id, i]));
  const figures: ReportFigure[] = params.figures.map((f) => {
    const { plotInput, claimsInput, ...rest } = f;
    const fig: ReportFigure = { ...rest, claims: f.claims ?? [] };
    const plot = plotInput ? byId.get(plotInput) : undefined;
    if (plot) {
      const r = plot.result as unknown as PlotResult;
      const read = (name: string): Buffer | undefined => {
        try {
          return readFileSync(join(plot.dir, name));
        } catch {
          return undefined;
        }
      };
      const svg = read(r.svgFile);
      const png = read(r.pngFile);
      fig.plot = { spec: r.spec, notes: r.notes ?? [], ...(svg ? { svg: svg.toString('utf8') } : {}), ...(png ? { png: new Uint8Array(png) } : {}) };
    }
    const claims = claimsInput ? byId.get(claimsInput) : undefined;
    if (claims) fig.claims = ((claims.result as { claims?: ClaimResult[] }).claims ?? []).map(({ id, text, status, measured, criterion }) => ({ id, text, status, measured, criterion }));
    return fig;
  });
  return { ...params, figures };
}

/** Flat entry names for the report's files (the cache's names are flat). */
export function flattenFiles(files: Record<string, string | Uint8Array>): { artifact: ReportArtifact; files: Record<string, string | Uint8Array> } {
  const out: Record<string, string | Uint8Array> = {};
  const list: ReportArtifact['files'] = [];
  let bytes = 0;
  Object.entries(files).forEach(([path, content], i) => {
    const ext = path.includes('.') ? path.slice(path.lastIndexOf('.')) : '';
    const file = path === 'index.html' ? 'index.html' : `f${String(i).padStart(4, '0')}${ext.replace(/[^A-Za-z0-9.]/g, '')}`;
    out[file] = content;
    const n = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    bytes += n;
    list.push({ path, file, bytes: n });
  });
  return { artifact: { files: list, bytes }, files: out };
}

/** Writes a cached report entry (`dir` with its `result.json`) to `outDir` atomically. */
export function materializeReportEntry(artifact: ReportArtifact, entryDir: string, outDir: string): Result<{ dir: string; bytes: number; files: number }, MaterializeError> {
  const files: Record<string, Uint8Array> = {};
  for (const f of artifact.files) files[f.path] = new Uint8Array(readFileSync(join(entryDir, f.file)));
  return materializeReport(files, outDir);
}

export const reportStage: StageImpl = {
  kind: 'report',
  async run(params: JsonValue, inputs: readonly ArtifactInput[]): Promise<ArtifactOutput> {
    const input = reportInputFrom(params as unknown as ReportStageParams, inputs);
    const { files } = buildReport(input);
    const flat = flattenFiles(files);
    return { result: flat.artifact as unknown as JsonValue, files: flat.files };
  },
};
