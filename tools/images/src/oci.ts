import { createHash } from 'node:crypto';

/** OCI media types the builder writes. */
export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The annotation an OCI image layout's index uses to name (tag) a manifest. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** A reference to a blob, as manifests and indexes hold them. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly os: string; readonly architecture: string };
}

/** A JSON document ready to store: its canonical bytes and their digest. */
export interface JsonBlob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Canonical JSON: object keys sorted at every level, no whitespace. Two documents with the same content have
 * the same bytes however they were put together, which is what makes config and manifest digests reproducible.
 */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(sortKeys(value)), 'utf8');
}

/** The canonical bytes of `document` with their digest, as a blob of `mediaType`. */
export function jsonBlob(document: unknown, mediaType: string): JsonBlob {
  const bytes = canonicalJson(document);
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

/** A descriptor of a blob. */
export function descriptorOf(
  blob: { readonly mediaType: string; readonly digest: string; readonly size: number },
  annotations?: Readonly<Record<string, string>>,
): Descriptor {
  return {
    mediaType: blob.mediaType,
    digest: blob.digest,
    size: blob.size,
    ...(annotations ? { annotations } : {}),
  };
}

/** What an image's config says about how to run it and where it came from. */
export interface ImageConfigInput {
  readonly architecture: string;
  readonly os: string;
  /** `uid:gid`. */
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly workingDir: string;
  /** `NAME=value` strings. */
  readonly env: readonly string[];
  /** TCP ports the process listens on. */
  readonly exposedPorts: readonly number[];
  readonly labels: Readonly<Record<string, string>>;
  /** The image's creation time: SOURCE_DATE_EPOCH, never the build machine's clock. */
  readonly created: Date;
  /** Every layer in order, with a description of what made it (the config's history). */
  readonly layers: readonly { readonly diffId: string; readonly createdBy: string }[];
}

/**
 * An OCI image configuration (image-spec `config.md`): run settings, the layers' diff IDs and one history entry
 * per layer, all dated `created` so nothing depends on when the build ran.
 */
export function imageConfig(input: ImageConfigInput): Record<string, unknown> {
  const created = input.created.toISOString().replace(/\.000Z$/, 'Z');
  return {
    created,
    architecture: input.architecture,
    os: input.os,
    config: {
      User: input.user,
      Entrypoint: [...input.entrypoint],
      WorkingDir: input.workingDir,
      Env: [...input.env],
      ExposedPorts: Object.fromEntries(
        [...new Set(input.exposedPorts)].sort((a, b) => a - b).map((port) => [`${port}/tcp`, {}]),
      ),
      Labels: { ...input.labels },
    },
    rootfs: { type: 'layers', diff_ids: input.layers.map((layer) => layer.diffId) },
    history: input.layers.map((layer) => ({ created, created_by: layer.createdBy })),
  };
}

/** An OCI image manifest referencing a config and its layers, with optional annotations. */
export function imageManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  annotations?: Readonly<Record<string, string>>,
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: descriptorOf(config),
    layers: layers.map((layer) => descriptorOf(layer)),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
  };
}

/**
 * The `index.json` of an OCI image layout holding one image manifest, named `refName` (a tag) so tools such as
 * `crane push` and `skopeo copy oci:DIR:TAG` find it.
 */
export function layoutIndex(manifest: Descriptor, refName: string): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [descriptorOf(manifest, { [REF_NAME_ANNOTATION]: refName })],
  };
}

/** The `oci-layout` marker file of an image layout. */
export const OCI_LAYOUT_FILE = { imageLayoutVersion: '1.0.0' } as const;
