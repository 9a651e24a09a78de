/**
 * `@nimbus-ts/helm-chart` (private) — the tooling behind the Helm chart in `deploy/helm/nimbus-ts`: Helm v4
 * built from the Go module proxy once per machine ({@link ensureHelm}), a runner for its commands
 * ({@link runHelm}), and the chart's copies of the CRDs kept byte-identical to their sources in
 * `packages/*\/crds` ({@link syncChartCrds}, {@link chartCrdDrift}).
 *
 * @packageDocumentation
 */

export {
  CHART_CRD_DIR,
  CHART_DIR,
  CRD_SOURCE_DIRS,
  type CrdCopy,
  type CrdCopyLocations,
  chartCrdCopies,
  chartCrdDrift,
  syncChartCrds,
} from './chart.js';
export { HelmCommandError, type HelmOptions, runHelm } from './helm.js';
export { defaultHelmBinDir, ensureHelm, HELM_BIN_DIR_ENV, HELM_VERSION, helmBuild } from './helm-binaries.js';
