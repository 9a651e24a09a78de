import type { RegistryCredentials } from '@nimbus-ts/registry';
import { RegistryClient } from '@nimbus-ts/registry';
import {
  type Blob,
  type BuiltImage,
  type BuiltLayer,
  buildImage,
  buildIndex,
  LINUX_AMD64,
  type Platform,
  type TestImageContent,
} from './image-build.js';

/** Where to push: a started registry, or any registry origin with optional credentials. */
export interface PushTarget {
  /** Origin of the registry, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  /** `host:port`, used in pull references. */
  readonly host: string;
  /** Credentials for registries that require a login. */
  readonly credentials?: RegistryCredentials;
  /**
   * Content every image pushed here carries in {@link IMAGE_MARKER_PATH}. Clair indexes each layer once per
   * database, so on a Clair shared by several test files two files pushing equal content would share layers: the
   * second would see no fetch and an old index report. A marker per file keeps their layers apart.
   */
  readonly imageMarker?: string;
}

/** Where {@link PushTarget.imageMarker} is written in each pushed image's layer. */
export const IMAGE_MARKER_PATH = 'etc/nimbus-test-image-marker';

/** What {@link pushTestImage} pushes. */
export interface TestImageSpec extends TestImageContent {
  /** Repository name, e.g. `nimbus/app` (lowercase, may contain slashes). */
  readonly repository: string;
  readonly tag: string;
  /**
   * Platforms to build. One platform (the default is linux/amd64) pushes a plain image manifest under the
   * tag; several push one manifest per platform and an OCI image index under the tag.
   */
  readonly platforms?: readonly Platform[];
}

/** One platform's pushed manifest. */
export interface PushedManifest {
  readonly platform: Platform;
  /** Digest of the image manifest: what Clair indexes and reports by. */
  readonly digest: string;
  readonly mediaType: string;
  readonly config: Omit<Blob, 'bytes'>;
  readonly layers: readonly Omit<BuiltLayer, 'bytes'>[];
}

/** A pushed test image. */
export interface PushedImage {
  readonly repository: string;
  readonly tag: string;
  /** Pull reference by tag: `127.0.0.1:PORT/repo:tag`. */
  readonly reference: string;
  /** What the tag points at: the index digest for multi-platform images, else the manifest digest. */
  readonly digest: string;
  /** Pull reference by digest: `127.0.0.1:PORT/repo@sha256:…`. */
  readonly digestReference: string;
  /** The OCI image index digest, for multi-platform images. */
  readonly indexDigest?: string;
  /** Every platform's manifest, in the order of `platforms`. */
  readonly manifests: readonly PushedManifest[];
  /** The manifest of one architecture; throws when the image has none. */
  manifestFor(architecture: string): PushedManifest;
}

async function expectStatus(res: Response, expected: readonly number[], what: string): Promise<void> {
  if (expected.includes(res.status)) return;
  throw new Error(`${what}: registry answered ${res.status} ${await res.text()}`);
}

/** Pushes one blob unless the registry has it: HEAD, then a monolithic upload (POST, then PUT with the digest). */
async function pushBlob(client: RegistryClient, repository: string, blob: Blob): Promise<void> {
  const scope = `repository:${repository}:pull,push`;
  const head = await client.request(`/v2/${repository}/blobs/${blob.digest}`, scope, { method: 'HEAD' });
  if (head.status === 200) return;
  const start = await client.request(`/v2/${repository}/blobs/uploads/`, scope, { method: 'POST' });
  await expectStatus(start, [202], `starting the upload of ${blob.digest} to ${repository}`);
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (!location) throw new Error(`the registry started an upload to ${repository} without a Location header`);
  const target = new URL(location, client.baseUrl);
  target.searchParams.set('digest', blob.digest);
  const put = await client.request(target.toString(), scope, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body: blob.bytes,
  });
  await expectStatus(put, [201], `uploading ${blob.digest} to ${repository}`);
  await put.body?.cancel();
}

async function pushManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  blob: Blob,
): Promise<void> {
  const res = await client.request(
    `/v2/${repository}/manifests/${reference}`,
    `repository:${repository}:pull,push`,
    {
      method: 'PUT',
      headers: { 'content-type': blob.mediaType },
      body: blob.bytes,
    },
  );
  await expectStatus(res, [201], `pushing manifest ${reference} of ${repository}`);
  await res.body?.cancel();
}

function describe(image: BuiltImage): PushedManifest {
  const { bytes: _config, ...config } = image.config;
  return {
    platform: image.platform,
    digest: image.manifest.digest,
    mediaType: image.manifest.mediaType,
    config,
    layers: image.layers.map(({ bytes: _layer, ...layer }) => layer),
  };
}

/**
 * Builds a test image by hand (see {@link buildImage}) and pushes it through the OCI distribution API:
 * blobs first, then each platform's manifest, then — for several platforms — an OCI image index under the
 * tag. Registries that require a login are handled with the Bearer token flow.
 */
export async function pushTestImage(target: PushTarget, spec: TestImageSpec): Promise<PushedImage> {
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(spec.repository)) {
    throw new Error(`"${spec.repository}" is not a valid repository name (lowercase path components)`);
  }
  const client = new RegistryClient(target.url, target.credentials);
  const platforms = spec.platforms?.length ? spec.platforms : [LINUX_AMD64];
  const content = target.imageMarker
    ? {
        ...spec,
        files: [...(spec.files ?? []), { path: IMAGE_MARKER_PATH, content: `${target.imageMarker}\n` }],
      }
    : spec;
  const images = platforms.map((platform) => buildImage(content, platform));
  const multi = images.length > 1;
  for (const image of images) {
    for (const layer of image.layers) await pushBlob(client, spec.repository, layer);
    await pushBlob(client, spec.repository, image.config);
    // A single-platform image is tagged directly; index children are pushed by digest.
    await pushManifest(client, spec.repository, multi ? image.manifest.digest : spec.tag, image.manifest);
  }
  const index = multi ? buildIndex(images) : undefined;
  if (index) await pushManifest(client, spec.repository, spec.tag, index);

  const manifests = images.map(describe);
  const digest = index?.digest ?? (manifests[0] as PushedManifest).digest;
  const base = `${target.host}/${spec.repository}`;
  return {
    repository: spec.repository,
    tag: spec.tag,
    reference: `${base}:${spec.tag}`,
    digest,
    digestReference: `${base}@${digest}`,
    ...(index ? { indexDigest: index.digest } : {}),
    manifests,
    manifestFor(architecture) {
      const found = manifests.find((m) => m.platform.architecture === architecture);
      if (!found) {
        throw new Error(
          `${base}:${spec.tag} has no ${architecture} manifest (it has ${manifests.map((m) => m.platform.architecture).join(', ')})`,
        );
      }
      return found;
    },
  };
}
