/**
 * Image manifests as registries serve them: OCI and Docker v2 schema 2, each as a single-platform image
 * manifest or a multi-platform index (manifest list). Only these four are read; schema 1 manifests
 * predate content-addressed layers in the form Clair needs and are refused.
 */

/** The manifest media types the adapter reads. */
export const MANIFEST_MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** The `Accept` header of a manifest GET: every type above, so the registry never downgrades to schema 1. */
export const MANIFEST_ACCEPT = Object.values(MANIFEST_MEDIA_TYPES).join(', ');

const INDEX_TYPES: ReadonlySet<string> = new Set([
  MANIFEST_MEDIA_TYPES.ociIndex,
  MANIFEST_MEDIA_TYPES.dockerList,
]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([
  MANIFEST_MEDIA_TYPES.ociManifest,
  MANIFEST_MEDIA_TYPES.dockerManifest,
]);

/** Config media types of container images (as opposed to Helm charts, signatures and other artifacts). */
export const IMAGE_CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/** An OCI platform, e.g. `{ os: 'linux', architecture: 'arm64', variant: 'v8' }`. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** A content descriptor: what a manifest or index points at. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** Set on the entries of an index. */
  readonly platform?: Platform;
}

/** A parsed manifest: an index of per-platform manifests, or one image's config and layers. */
export type ManifestDocument =
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | {
      readonly kind: 'image';
      readonly mediaType: string;
      readonly config: Descriptor;
      readonly layers: readonly Descriptor[];
    };

/** True when `mediaType` names an index or manifest list. */
export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new Error(`${where} is not an object`);
  const { mediaType, digest, size, platform } = value;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || typeof size !== 'number') {
    throw new Error(`${where} lacks mediaType, digest or size`);
  }
  if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new Error(`${where} has the malformed digest "${digest}"`);
  }
  const out: Descriptor = { mediaType, digest, size };
  if (!isObject(platform)) return out;
  const { os, architecture, variant } = platform;
  if (typeof os !== 'string' || typeof architecture !== 'string') return out;
  return {
    ...out,
    platform: { os, architecture, ...(typeof variant === 'string' && variant ? { variant } : {}) },
  };
}

/**
 * Parses manifest bytes. The media type is the `Content-Type` the registry sent, or else the document's
 * own `mediaType` (optional in OCI), or else what the document's shape says.
 *
 * @throws an `Error` saying why the document is not a usable manifest (schema 1, not JSON, missing fields).
 */
export function parseManifest(bytes: Uint8Array, contentType?: string | null): ManifestDocument {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error('the manifest is not JSON');
  }
  if (!isObject(document)) throw new Error('the manifest is not a JSON object');
  if (document.schemaVersion === 1) {
    throw new Error(
      'it is a Docker schema 1 manifest, which is not supported; push the image again with a current client',
    );
  }
  const header = (contentType ?? '').split(';')[0]?.trim() ?? '';
  const declared = typeof document.mediaType === 'string' ? document.mediaType : '';
  const known = (t: string) => INDEX_TYPES.has(t) || IMAGE_TYPES.has(t);
  const mediaType = known(header)
    ? header
    : known(declared)
      ? declared
      : Array.isArray(document.manifests)
        ? MANIFEST_MEDIA_TYPES.ociIndex
        : Array.isArray(document.layers)
          ? MANIFEST_MEDIA_TYPES.ociManifest
          : '';
  if (mediaType === '') {
    throw new Error(`unknown manifest media type "${header || declared || 'none'}"`);
  }
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(document.manifests)) throw new Error('the index has no manifests list');
    return {
      kind: 'index',
      mediaType,
      manifests: document.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)),
    };
  }
  if (!Array.isArray(document.layers)) throw new Error('the manifest has no layers list');
  return {
    kind: 'image',
    mediaType,
    config: descriptor(document.config, 'config'),
    layers: document.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
  };
}
