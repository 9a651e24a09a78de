/**
 * `@nimbus-ts/scan-testenv` — a real image-scanning environment for tests: Clair v4 (combo mode)
 * on a throw-away PostgreSQL, an in-memory OCI registry (crane) with an optional Bearer-token login in front,
 * hand-made Debian test images, and offline vulnerability data in claircore's jsonblob format — all on
 * loopback, started the way `@nimbus-ts/k8s/testing` starts the control plane (Go binaries built once per
 * machine into a versioned cache, every process in its own process group, a reaper for crashes).
 *
 * @example
 * ```ts
 * let stack: ScanStack;
 * beforeAll(async () => {
 *   stack = await startScanStack();
 * }, 180_000);
 * afterAll(() => stack?.stop());
 *
 * it('finds the advisory', async () => {
 *   const image = await pushTestImage(stack.registry, {
 *     repository: 'app', tag: '1', osRelease: debianOsRelease('12', 'bookworm'),
 *     dpkgPackages: [{ name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' }],
 *   });
 *   await stack.importVulnerabilities(debianUpdateOperation({ advisories: [...] }));
 *   const manifest = clairManifest(stack.registry.url, image);
 *   await stack.clair.fetch('/indexer/api/v1/index_report', { method: 'POST', body: JSON.stringify(manifest) });
 *   const report = await (await stack.clair.fetch(`/matcher/api/v1/vulnerability_report/${manifest.hash}`)).json();
 * });
 * ```
 *
 * @packageDocumentation
 */

// The registry and Clair protocol code is @nimbus-ts/registry's and @nimbus-ts/clair-client's; the harness uses it
// and re-exports what it offered when it was @nimbus-ts/adapter-clair/testing, so tests keep one import.
export {
  generatePskKey,
  InvalidPskKeyError,
  type MintTokenOptions,
  mintClairToken,
} from '@nimbus-ts/clair-client';
export type { RegistryCredentials } from '@nimbus-ts/registry';
export {
  type AuthorizationOptions,
  type BearerChallenge,
  type FetchedManifest,
  type ForRegistryOptions,
  fetchRegistryToken,
  parseBearerChallenge,
  RegistryClient,
  type RegistryClientOptions,
  RegistryError,
  type RegistryRequest,
  registryOrigin,
  type TokenRequestOptions,
} from '@nimbus-ts/registry';
export {
  CLAIR_VERSION,
  CRANE_VERSION,
  defaultScanBinDir,
  ensureScanBinaries,
  SCAN_BIN_DIR_ENV,
  type ScanBinaries,
  scanBinariesIn,
  scanBuild,
} from './binaries.js';
export { type Clair, type ClairOptions, startClair, TEST_ISSUER } from './clair.js';
export { type ClairConfigInput, clairConfig, EMPTY_MAPPING_FILE } from './clair-config.js';
export {
  type ClairLayer,
  type ClairManifest,
  type ClairManifestOptions,
  clairManifest,
} from './clair-manifest.js';
export { DPKG_INFO_DIR, DPKG_STATUS_PATH, type DpkgPackage, debianArch, dpkgStatus } from './dpkg.js';
export {
  type Blob,
  type BuiltImage,
  type BuiltLayer,
  buildImage,
  buildIndex,
  LINUX_AMD64,
  layerTar,
  MEDIA_TYPES,
  type Platform,
  sha256Digest,
  type TestImageContent,
} from './image-build.js';
export {
  IMAGE_MARKER_PATH,
  type PushedImage,
  type PushedManifest,
  type PushTarget,
  pushTestImage,
  type TestImageSpec,
} from './image-push.js';
export { type ImportTarget, importVulnerabilities, importVulnerabilityFile } from './import.js';
export { debianOsRelease, OS_RELEASE_PATH, type OsRelease, osReleaseFile } from './os-release.js';
export { ProcessOwner } from './owner.js';
export { type RunningContainer, runningPodStatus } from './pod-status.js';
export { type Postgres, type PostgresOptions, startPostgres } from './postgres.js';
export { findPostgresBinaries, PG_BIN_DIR_ENV, type PostgresBinaries } from './postgres-binaries.js';
export { type Registry, type RegistryOptions, type RequestFilter, startRegistry } from './registry.js';
export {
  classifyRegistryPath,
  parseScope,
  type RecordedRequest,
  type RegistryFront,
  type RegistryFrontOptions,
  type RegistryRequestKind,
  requiredActions,
  type ScopeEntry,
  startRegistryFront,
} from './registry-front.js';
export { bindSecretReader } from './secret-reader.js';
export { type ScanStack, type ScanStackOptions, startScanStack } from './stack.js';
export { parentDirectories, splitUstarPath, type TarEntry, writeTar } from './tar.js';
export { FALLBACK_USER, postgresRunAs, type SystemUser } from './unprivileged-user.js';
export {
  BOOKWORM,
  CLAIR_SEVERITIES,
  type ClairDistribution,
  type ClairSeverity,
  type ClairVulnerabilityRecord,
  DEBIAN_UPDATER,
  type DebianAdvisory,
  type DebianRelease,
  type DebianUpdateOperation,
  type DebianUrgency,
  debianDistribution,
  debianNormalizedSeverity,
  debianUpdateOperation,
  type JsonblobRecord,
  parseNdjson,
  toNdjson,
  uuidFrom,
} from './vulnerabilities.js';
