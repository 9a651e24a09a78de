import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DPKG_INFO_DIR, DPKG_STATUS_PATH, type DpkgPackage, debianArch, dpkgStatus } from './dpkg.js';
import { OS_RELEASE_PATH, type OsRelease, osReleaseFile } from './os-release.js';
import { parentDirectories, type TarEntry, writeTar } from './tar.js';

/** OCI media types the builder writes. */
export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** An OCI platform, e.g. `{ os: 'linux', architecture: 'arm64' }`. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** The default platform of a test image. */
export const LINUX_AMD64: Platform = { os: 'linux', architecture: 'amd64' };

/** What a test image contains; the same content is built for every platform, with that platform's arch. */
export interface TestImageContent {
  /** `etc/os-release` fields, e.g. `debianOsRelease('12', 'bookworm')`. */
  readonly osRelease: OsRelease;
  /** Packages listed as installed in `var/lib/dpkg/status`. */
  readonly dpkgPackages: readonly DpkgPackage[];
  /**
   * Extra files, e.g. a marker that gives an image layer digests no other test shares (Clair fetches each
   * layer only once per database, so a test that must watch a fetch needs a layer Clair has not seen).
   */
  readonly files?: readonly { readonly path: string; readonly content: string }[];
}

/** A content-addressed blob ready to push. */
export interface Blob {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly bytes: Buffer;
}

/** One layer: the gzip blob pushed to the registry and the digest of its uncompressed tar (the diff ID). */
export interface BuiltLayer extends Blob {
  readonly diffId: string;
}

/** One platform's image: its layer, config and manifest. */
export interface BuiltImage {
  readonly platform: Platform;
  readonly layers: readonly BuiltLayer[];
  readonly config: Blob;
  readonly manifest: Blob;
}

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(bytes: Buffer, mediaType: string): Blob {
  return { digest: sha256Digest(bytes), mediaType, size: bytes.length, bytes };
}

/** The uncompressed layer tar: parent directories, os-release, the dpkg database (status + info/) and extras. */
export function layerTar(content: TestImageContent, platform: Platform): Buffer {
  const files: { path: string; content: string }[] = [
    { path: OS_RELEASE_PATH, content: osReleaseFile(content.osRelease) },
    {
      path: DPKG_STATUS_PATH,
      content: dpkgStatus(content.dpkgPackages, debianArch(platform.architecture, platform.variant)),
    },
    ...(content.files ?? []),
  ];
  // Clair's dpkg scanner only reads a status file that has an info/ directory beside it.
  const dirs = new Set([...parentDirectories([...files.map((f) => f.path), `${DPKG_INFO_DIR}/x`])]);
  const entries: TarEntry[] = [
    ...[...dirs].map((path) => ({ type: 'directory' as const, path })),
    ...files.map((f) => ({ type: 'file' as const, path: f.path, content: f.content })),
  ];
  return writeTar(entries);
}

/** Canonical JSON bytes of a document: stable key order as written, no whitespace. */
function json(document: unknown): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}

/**
 * Builds one platform's image in memory: a single gzip layer, an OCI image config whose `rootfs.diff_ids`
 * names the uncompressed layer, and an OCI image manifest referencing both. Deterministic: the same input
 * gives the same digests.
 */
export function buildImage(content: TestImageContent, platform: Platform = LINUX_AMD64): BuiltImage {
  const tar = layerTar(content, platform);
  // gzip output of Node's zlib has a zero mtime and fixed OS byte, so it is reproducible too.
  const gz = gzipSync(tar, { level: 6 });
  const layer: BuiltLayer = { ...blob(gz, MEDIA_TYPES.layerGzip), diffId: sha256Digest(tar) };
  const config = blob(
    json({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created_by: 'nimbus-ts scan test harness', created: '1970-01-01T00:00:00Z' }],
    }),
    MEDIA_TYPES.config,
  );
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
    MEDIA_TYPES.manifest,
  );
  return { platform, layers: [layer], config, manifest };
}

/** An OCI image index listing each platform's manifest, for multi-platform images. */
export function buildIndex(images: readonly BuiltImage[]): Blob {
  return blob(
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: images.map((image) => ({
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.size,
        platform: {
          architecture: image.platform.architecture,
          os: image.platform.os,
          ...(image.platform.variant ? { variant: image.platform.variant } : {}),
        },
      })),
    }),
    MEDIA_TYPES.index,
  );
}
