/**
 * Container registry access for scanning: image references, the images a Pod runs, pull-secret
 * credentials, the distribution API with Bearer/Basic authentication, platform selection, and what Clair
 * needs to fetch layers.
 *
 * @packageDocumentation
 */
export {
  type AuthChallenge,
  type BearerChallenge,
  parseAuthChallenge,
  parseBearerChallenge,
} from './auth-challenge.js';
export {
  type CredentialSelection,
  type CredentialSources,
  credentialPattern,
  DOCKER_CONFIG_JSON_TYPE,
  DOCKERCFG_TYPE,
  type DockerCredential,
  InvalidPullSecretError,
  parseDockerConfig,
  parsePullSecret,
  patternMatches,
  type RegistryCredentials,
  type SecretLike,
  selectCredentials,
} from './credentials.js';
// The HTTP helpers the registry client is built on, which the Clair client and the Slack sender reuse.
export {
  type FetchLike,
  isLoopbackHost,
  isTimeoutError,
  networkErrorText,
  parseRetryAfter,
  readLimited,
  readTextForMessage,
} from './http.js';
export {
  DEFAULT_TAG,
  DOCKER_HUB,
  type ImageReference,
  InvalidImageReferenceError,
  parseImageReference,
  registryApiHost,
  withDigest,
} from './image-reference.js';
export { type ClairHeaders, type LayerAccess, type LayerAccessOptions, layerAccess } from './layer-access.js';
export {
  type Descriptor,
  IMAGE_CONFIG_MEDIA_TYPES,
  isIndexMediaType,
  MANIFEST_ACCEPT,
  MANIFEST_MEDIA_TYPES,
  type ManifestDocument,
  parseManifest,
} from './manifest-document.js';
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  NODE_ARCH_LABEL,
  NODE_OS_LABEL,
  nodePlatform,
  normalizePlatform,
  type Platform,
  selectPlatformManifest,
} from './platform.js';
export {
  type ContainerKind,
  type ContainerLike,
  type ContainerStatusLike,
  type PodImage,
  type PodImages,
  type PodLike,
  podImages,
  type SkippedImage,
} from './pod-images.js';
export {
  type AuthorizationOptions,
  blobUrl,
  type FetchedManifest,
  type ForRegistryOptions,
  pullScope,
  RegistryClient,
  type RegistryClientOptions,
  type RegistryRequest,
  registryOrigin,
} from './registry-client.js';
export {
  afterImage,
  parseRegistryErrors,
  RegistryError,
  type RegistryErrorDetail,
  type RegistryErrorKind,
  type RegistryErrorOptions,
} from './registry-error.js';
export {
  fetchRegistryToken,
  fetchTokenGrant,
  type TokenGrant,
  type TokenRequestOptions,
} from './registry-token.js';
export {
  type ResolvedImage,
  type ResolvedLayer,
  type ResolveOptions,
  type ResolveTarget,
  resolveImage,
} from './resolve.js';
export { secretAccessError } from './secret-access.js';
export {
  type BearerRealm,
  type CachedToken,
  credentialIdentity,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  TokenCache,
  type TokenCacheOptions,
  tokenCacheKey,
} from './token-cache.js';
