/**
 * `@nimbus-ts/helm-chart` (private) — the tooling behind the Helm chart: Helm v4 built from the Go module proxy
 * once per machine ({@link ensureHelm}) and a runner for its commands ({@link runHelm}).
 *
 * @packageDocumentation
 */

export { HelmCommandError, type HelmOptions, runHelm } from './helm.js';
export { defaultHelmBinDir, ensureHelm, HELM_BIN_DIR_ENV, HELM_VERSION, helmBuild } from './helm-binaries.js';
