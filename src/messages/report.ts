/**
 * User-facing text of the plot stage and the HTML report. Functions, so tests
 * assert the exact wording and the report, the CLI and the stage agree.
 */

const list = (xs: readonly string[]): string => xs.join(', ');

export const reportMessages = {
  /** The provenance's "backend" line when onnxruntime computed the two-layer nets' Gram engine. */
  backendWithOrt: (backend: string, ort: string): string => `${backend} (tfjs), with onnxruntime-node ${ort} for the two-layer nets' Gram-matrix engine`,
  // ---------------------------------------------------------------- templates & charts
  placeholderMissing: (names: readonly string[]): string => `chart template has unfilled placeholder(s): ${list(names)}`,
  templateMissing: (name: string, path: string): string => `chart template "${name}" not found (looked for ${path})`,
  templateInvalid: (path: string, why: string): string => `chart template ${path} is not valid JSON: ${why}`,
  unknownTemplate: (name: string, known: readonly string[]): string =>
    `unknown chart template "${name}" (known: ${list(known)})`,
  badOption: (option: string, why: string): string => `chart option "${option}": ${why}`,
  noTables: (figure: string): string => `figure ${figure}: the plot stage received no metrics table`,
  noData: (figure: string, what: string): string => `figure ${figure}: no ${what} to plot`,
  noPanels: (figure: string, wanted: readonly string[]): string =>
    `figure ${figure}: none of the panels ${list(wanted)} has data in the metrics table`,
  compileFailed: (why: string): string => `Vega-Lite compile failed: ${why}`,
  renderFailed: (why: string): string => `SVG rendering failed: ${why}`,
  pngFailed: (why: string): string => `PNG rendering failed: ${why}`,
  fontMissing: (looked: readonly string[]): string =>
    `no TrueType font found for PNG text (looked in ${list(looked)}); install the npm package dejavu-fonts-ttf or Debian's fonts-dejavu-core`,

  // ---------------------------------------------------------------- chart notes and labels
  divergedAt: (etaLabel: string, variant: string | undefined, seed: number, step: number): string =>
    `${etaLabel}${variant ? ` (${variant})` : ''}, seed ${seed}: diverged at step ${step}`,
  divergedOmitted: (n: number, etas: string): string =>
    `${n} diverged run${n === 1 ? '' : 's'} omitted (${etas})`,
  allDiverged: (etaLabel: string, variant: string, n: number): string => `${etaLabel}, ${variant}: all ${n} runs diverged`,
  someDiverged: (k: number, n: number): string => `${k} of ${n} runs diverged (mean over the others)`,
  pointsThinned: (kept: number, total: number): string =>
    `trajectories thinned for display: ${kept} of ${total} recorded points kept (peaks and last points always kept)`,
  largestConverged: (value: string): string => `largest converged ηλmax(H₀) = ${value}`,
  noneConverged: (): string => 'no converged run',

  // ---------------------------------------------------------------- report
  statusLabel: (status: string): string =>
    ({ built: 'built', stale: 'stale', failed: 'failed', 'missing-data': 'missing data', 'not-run': 'not run' })[status] ?? status,
  staleBanner: (reason: string | undefined, command: string): string =>
    `This figure is stale${reason ? `: ${reason}` : ''}. The chart below is the last cached build; run \`${command}\` to refresh it.`,
  failedBanner: (n: number): string => `This figure could not be built: ${n} stage${n === 1 ? '' : 's'} failed.`,
  missingBanner: (): string => 'This figure needs data that has not been supplied.',
  missingHow: (dataset: string, source: string): string => `Dataset "${dataset}" (${source}) is missing.`,
  notRunBanner: (command: string): string => `This figure has not been run yet. Build it with \`${command}\`.`,
  noClaims: (): string => 'This figure declares no claims.',
  claimsNotRun: (): string => 'Claims are NOT-RUN until the figure is built.',
  regenerate: (figure: string): string => `npx catapult run ${figure}`,
  sizeFooter: (html: string, side: string, files: number): string =>
    `Report size: index.html ${html}; ${files} side file${files === 1 ? '' : 's'} (SVG, PNG, Vega-Lite specs) ${side}.`,
  compareTitle: (a: string, b: string): string => `Comparison: ${a} vs ${b}`,
  compareOnlyIn: (side: string): string => `only in ${side}`,
  compareNotComparable: (template: string): string => `the two sides use different chart templates (${template}); shown side by side`,
  embedFailed: (why: string): string => `chart failed to render: ${why}`,
  writeFailed: (dir: string, why: string): string => `cannot write the report to ${dir}: ${why}`,
  noscript: (): string => 'JavaScript is off: the static SVG of each figure is linked below its section.',
} as const;
