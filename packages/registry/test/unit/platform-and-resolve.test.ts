import { describe, expect, it } from 'vitest';
import { layerAccess } from '../../src/layer-access.js';
import { type Descriptor, MANIFEST_MEDIA_TYPES, parseManifest } from '../../src/manifest-document.js';
import {
  formatPlatform,
  nodePlatform,
  normalizePlatform,
  type Platform,
  selectPlatformManifest,
} from '../../src/platform.js';
import { RegistryClient } from '../../src/registry-client.js';
import { RegistryError } from '../../src/registry-error.js';
import { resolveImage } from '../../src/resolve.js';
import { fakeRegistry, sha256 } from '../../src/testing/fake-registry.js';

describe('normalizePlatform and formatPlatform', () => {
  it.each<[Platform, string]>([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'Linux', architecture: 'x86_64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64/v3'],
    [{ os: 'linux', architecture: 'aarch64' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm64', variant: '8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'armhf' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'armel' }, 'linux/arm/v6'],
    [{ os: 'linux', architecture: 'arm', variant: '7' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'i386' }, 'linux/386'],
    [{ os: 'windows', architecture: 'amd64' }, 'windows/amd64'],
  ])('%j → %s', (platform, expected) => {
    expect(formatPlatform(normalizePlatform(platform))).toBe(expected);
  });
});

describe('nodePlatform', () => {
  it.each<[Record<string, string> | undefined, Platform]>([
    [undefined, { os: 'linux', architecture: 'amd64' }],
    [{}, { os: 'linux', architecture: 'amd64' }],
    [
      { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    [{ 'beta.kubernetes.io/arch': 's390x' }, { os: 'linux', architecture: 's390x' }],
    [
      { 'kubernetes.io/arch': 'arm64', 'beta.kubernetes.io/arch': 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  ])('%j → %j', (labels, expected) => {
    expect(nodePlatform(labels)).toEqual(expected);
  });
});

describe('selectPlatformManifest', () => {
  const entry = (name: string, platform?: Platform): Descriptor => ({
    mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
    digest: `sha256:${name}`,
    size: 1,
    ...(platform ? { platform } : {}),
  });
  const index = [
    entry('attestation', { os: 'unknown', architecture: 'unknown' }),
    entry('amd64', { os: 'linux', architecture: 'amd64' }),
    entry('amd64v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }),
    entry('arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry('armv6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry('armv7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry('noplatform'),
    entry('windows', { os: 'windows', architecture: 'amd64' }),
  ];

  it.each<[Platform, readonly Descriptor[], string | undefined]>([
    [{ os: 'linux', architecture: 'amd64' }, index, 'amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, index, 'amd64v3'],
    [{ os: 'linux', architecture: 'arm64' }, index, 'arm64'],
    [{ os: 'linux', architecture: 'aarch64' }, index, 'arm64'],
    [{ os: 'linux', architecture: 'arm' }, index, 'armv7'],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, index, 'armv6'],
    [{ os: 'linux', architecture: 'arm', variant: 'v5' }, index, undefined],
    [{ os: 'windows', architecture: 'amd64' }, index, 'windows'],
    [{ os: 'linux', architecture: 's390x' }, index, undefined],
    // An arm64 entry without a variant is v8.
    [
      { os: 'linux', architecture: 'arm64' },
      [entry('plain', { os: 'linux', architecture: 'arm64' })],
      'plain',
    ],
    // v7 runs v6 images when there is no v7 one.
    [
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      [entry('armv6', { os: 'linux', architecture: 'arm', variant: 'v6' })],
      'armv6',
    ],
    // An amd64/v1 machine does not run a v3-only image.
    [
      { os: 'linux', architecture: 'amd64' },
      [entry('amd64v3', { os: 'linux', architecture: 'amd64', variant: 'v3' })],
      undefined,
    ],
    // First listed wins among equals.
    [
      { os: 'linux', architecture: 'amd64' },
      [
        entry('first', { os: 'linux', architecture: 'amd64' }),
        entry('second', { os: 'linux', architecture: 'x86_64' }),
      ],
      'first',
    ],
  ])('%j', (wanted, entries, expected) => {
    expect(selectPlatformManifest(entries, wanted)?.digest).toBe(expected ? `sha256:${expected}` : undefined);
  });
});

describe('parseManifest', () => {
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('c'), size: 2 };
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256('l'), size: 3 };
  const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));

  it.each([
    [
      'the Content-Type',
      { schemaVersion: 2, config, layers: [layer] },
      MANIFEST_MEDIA_TYPES.dockerManifest,
      'image',
      MANIFEST_MEDIA_TYPES.dockerManifest,
    ],
    [
      'the document mediaType',
      { schemaVersion: 2, mediaType: MANIFEST_MEDIA_TYPES.dockerList, manifests: [] },
      'application/octet-stream',
      'index',
      MANIFEST_MEDIA_TYPES.dockerList,
    ],
    [
      'the shape of an index',
      { schemaVersion: 2, manifests: [] },
      null,
      'index',
      MANIFEST_MEDIA_TYPES.ociIndex,
    ],
    [
      'the shape of a manifest',
      { schemaVersion: 2, config, layers: [] },
      'text/plain; charset=utf-8',
      'image',
      MANIFEST_MEDIA_TYPES.ociManifest,
    ],
    [
      'a Content-Type with parameters',
      { schemaVersion: 2, manifests: [] },
      `${MANIFEST_MEDIA_TYPES.ociIndex}; charset=utf-8`,
      'index',
      MANIFEST_MEDIA_TYPES.ociIndex,
    ],
  ])('takes the media type from %s', (_what, doc, contentType, kind, mediaType) => {
    expect(parseManifest(bytes(doc), contentType)).toMatchObject({ kind, mediaType });
  });

  it('keeps platforms of index entries, dropping an empty variant', () => {
    const doc = {
      schemaVersion: 2,
      manifests: [
        {
          ...layer,
          mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
          platform: { os: 'linux', architecture: 'arm64', variant: '' },
        },
        { ...layer, mediaType: MANIFEST_MEDIA_TYPES.ociManifest, platform: { os: 'linux' } },
      ],
    };
    const parsed = parseManifest(bytes(doc), MANIFEST_MEDIA_TYPES.ociIndex);
    expect(parsed.kind === 'index' && parsed.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'arm64' },
      undefined,
    ]);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not JSON/],
    ['an array', bytes([]), /not a JSON object/],
    ['schema 1', bytes({ schemaVersion: 1 }), /schema 1/],
    ['no recognisable shape', bytes({ schemaVersion: 2 }), /unknown manifest media type "none"/],
    ['an index without manifests', bytes({ mediaType: MANIFEST_MEDIA_TYPES.ociIndex }), /no manifests list/],
    [
      'a manifest without layers',
      bytes({ mediaType: MANIFEST_MEDIA_TYPES.ociManifest, config }),
      /no layers list/,
    ],
    [
      'a descriptor without a digest',
      bytes({ schemaVersion: 2, config, layers: [{ mediaType: 'x', size: 1 }] }),
      /layers\[0\] lacks/,
    ],
    [
      'a malformed digest',
      bytes({ schemaVersion: 2, config: { ...config, digest: '../x' }, layers: [] }),
      /malformed digest/,
    ],
  ])('refuses %s', (_what, input, message) => {
    expect(() => parseManifest(input, null)).toThrow(message);
  });
});

describe('resolveImage and layerAccess', () => {
  /** A two-platform image in a fake Bearer registry. */
  function multiArch() {
    const registry = fakeRegistry({ expiresIn: 300 });
    const images = ['amd64', 'arm64'].map((arch) => {
      const config = registry.putBlob(
        Buffer.from(JSON.stringify({ os: 'linux', architecture: arch, rootfs: {} })),
      );
      const layers = [1, 2].map((n) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha256(`${arch}-${n}`),
        size: n,
      }));
      const digest = registry.putManifest(
        'team/app',
        {
          schemaVersion: 2,
          mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 10 },
          layers,
        },
        MANIFEST_MEDIA_TYPES.ociManifest,
      );
      return { arch, digest, layers, config };
    });
    const indexDigest = registry.putManifest(
      'team/app',
      {
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPES.ociIndex,
        manifests: images.map((i) => ({
          mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
          digest: i.digest,
          size: 100,
          platform: { os: 'linux', architecture: i.arch },
        })),
      },
      MANIFEST_MEDIA_TYPES.ociIndex,
    );
    const client = RegistryClient.forRegistry(
      'registry.example',
      { username: 'user', password: 'pass' },
      {
        fetch: registry.fetch,
      },
    );
    return { registry, images, indexDigest, client };
  }

  it('narrows an index to the node platform and lists its layers', async () => {
    const { images, indexDigest, client, registry } = multiArch();
    const target = { registry: 'registry.example', repository: 'team/app', digest: indexDigest };
    const arm = images[1];
    const resolved = await resolveImage(client, target, { platform: { os: 'linux', architecture: 'arm64' } });
    expect(resolved).toEqual({
      registry: 'registry.example',
      repository: 'team/app',
      indexDigest,
      manifestDigest: arm?.digest,
      mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
      platform: { os: 'linux', architecture: 'arm64' },
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: arm?.config, size: 10 },
      layers: arm?.layers,
    });
    // The platform came from the index: no config blob was read.
    expect(registry.count((c) => c.url.pathname.includes('/blobs/'))).toBe(0);
    expect((await resolveImage(client, target)).manifestDigest).toBe(images[0]?.digest);
  });

  it('keeps a manifest digest, reading the platform from the config', async () => {
    const { images, client } = multiArch();
    const arm = images[1];
    const resolved = await resolveImage(
      client,
      { registry: 'registry.example', repository: 'team/app', digest: arm?.digest ?? '' },
      { platform: { os: 'linux', architecture: 'amd64' } },
    );
    expect(resolved.indexDigest).toBeUndefined();
    expect(resolved.manifestDigest).toBe(arm?.digest);
    expect(resolved.platform).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it('names the platforms an index has when the node’s is missing', async () => {
    const { indexDigest, client } = multiArch();
    const err = await resolveImage(
      client,
      { registry: 'registry.example', repository: 'team/app', digest: indexDigest },
      { platform: { os: 'linux', architecture: 's390x' } },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: 'not-found' });
    expect((err as Error).message).toMatch(
      /has no linux\/s390x manifest \(it has linux\/amd64, linux\/arm64\)/,
    );
  });

  it('refuses an artifact that is not a container image', async () => {
    const { registry, client } = multiArch();
    const chart = registry.putManifest(
      'team/app',
      {
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: sha256('h'), size: 1 },
        layers: [],
      },
      MANIFEST_MEDIA_TYPES.ociManifest,
    );
    await expect(
      resolveImage(client, { registry: 'registry.example', repository: 'team/app', digest: chart }),
    ).rejects.toThrow(/not a container image \(its config is application\/vnd.cncf.helm.config.v1\+json\)/);
  });

  it('gives Clair every layer URL with a freshly minted token', async () => {
    const { registry, indexDigest, client } = multiArch();
    const resolved = await resolveImage(client, {
      registry: 'registry.example',
      repository: 'team/app',
      digest: indexDigest,
    });
    const before = registry.tokenCalls().length;
    const access = await layerAccess(client, resolved);
    expect(registry.tokenCalls()).toHaveLength(before + 1);
    expect(access).toEqual(
      resolved.layers.map((l) => ({
        digest: l.digest,
        mediaType: l.mediaType,
        uri: `https://registry.example/v2/team/app/blobs/${l.digest}`,
        headers: { Authorization: [`Bearer token-${before + 1}`] },
      })),
    );
    // Reusing the cached token is possible when the caller knows it has time left.
    await layerAccess(client, resolved, { reuseToken: true });
    expect(registry.tokenCalls()).toHaveLength(before + 1);
  });

  it('names a layer blob the registry lost as missing, with the image, the digest and the registry', async () => {
    // An open registry, and a client that has not talked to it yet (a resolution the scanner remembered): the
    // first layer is asked for to learn the registry's authentication, and it is not there.
    const registry = fakeRegistry({ auth: 'none' });
    const client = RegistryClient.forRegistry('registry.example', undefined, { fetch: registry.fetch });
    const manifest = sha256('manifest');
    const layer = sha256('a lost layer');
    const err = await layerAccess(client, {
      registry: 'registry.example',
      repository: 'team/app',
      manifestDigest: manifest,
      mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
      platform: { os: 'linux', architecture: 'amd64' },
      config: { digest: sha256('c'), mediaType: 'application/vnd.oci.image.config.v1+json', size: 1 },
      layers: [{ digest: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1 }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: 'not-found', status: 404, registry: 'registry.example' });
    expect((err as Error).message).toBe(
      `registry.example/team/app@${manifest}: layer blob ${layer} is missing from registry registry.example (it answered 404: BLOB_UNKNOWN blob unknown); push the image again so that the registry has all its layers`,
    );
    expect(registry.calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      `HEAD /v2/team/app/blobs/${layer}`,
    ]);
  });
});
