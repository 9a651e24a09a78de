/**
 * `@nimbus-ts/images` — builds the OCI image of every nimbus-ts component without a Docker daemon (see
 * `./scripts/images`). Exported for the tests; the command line is `src/main.ts`.
 *
 * @packageDocumentation
 */

export { APP_DIR, appLayerEntries, deployClosure, keepAppPath, pnpmCommand, selfLinkTarget } from './app.js';
export {
  type BaseLayerContent,
  baseLayerContent,
  CA_BUNDLE_PATH,
  generatedBaseEntries,
  groupFile,
  NONROOT,
  NSSWITCH_CONF,
  passwdFile,
} from './base.js';
export {
  type BuildOptions,
  type BuiltImage,
  type BuiltLayer,
  buildImages,
  gitHead,
  IMAGE_ENV,
  IMAGE_NODE_OPTIONS,
  imageLabels,
} from './build.js';
export {
  COMPONENTS,
  DEFAULT_REGISTRY,
  entrypointOf,
  IMAGE_SOURCE,
  type ImageComponent,
  type PackageManifest,
  readPackage,
  selectComponents,
} from './components.js';
export {
  caBundle,
  dpkgStatus,
  dpkgStatusEntry,
  fetchDeb,
  keepDebianPath,
  type Progress,
  readCertificates,
  type UnpackedDeb,
  unpackDeb,
} from './debian.js';
export {
  comparePaths,
  contentSize,
  type FileContent,
  type LayerBlob,
  type LayerEntry,
  layerOrder,
  linkStaysUnder,
  normalizeMode,
  type ReadTreeOptions,
  ROOT_OWNER,
  readTree,
  type WriteLayerOptions,
  writeLayer,
} from './layer.js';
export {
  DEBIAN_PACKAGES,
  DEBIAN_SUITE,
  type ImagesLock,
  type LockedDeb,
  type LockedNode,
  lockPath,
  lockProblems,
  NODE_PACKAGE,
  parsePrintUri,
  readLock,
} from './lock.js';
export {
  fetchNodeRuntime,
  NODE_BINARY,
  type NodeRuntime,
  nodeLayerEntries,
  npmIntegrity,
} from './node-runtime.js';
export {
  canonicalJson,
  type Descriptor,
  descriptorOf,
  type ImageConfigInput,
  imageConfig,
  imageManifest,
  type JsonBlob,
  jsonBlob,
  layoutIndex,
  MEDIA_TYPES,
  OCI_LAYOUT_FILE,
  REF_NAME_ANNOTATION,
  sha256Digest,
} from './oci.js';
export { findCrane, imageReference, pushLayout } from './push.js';
export { relock } from './relock.js';
export { megabytes, SIZE_TARGET_BYTES, summaryLine } from './summary.js';
export {
  assertMemberPath,
  paxRecord,
  splitUstarPath,
  TAR_BLOCK,
  TAR_END,
  type TarEntry,
  tarHeader,
  tarPadding,
} from './tar.js';
