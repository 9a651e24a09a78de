import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES } from '../../src/bookworm.js';
import { buildImage, buildIndex, layerTar, MEDIA_TYPES, sha256Digest } from '../../src/index.js';

const content = { osRelease: BOOKWORM_OS_RELEASE, dpkgPackages: BOOKWORM_PACKAGES };
const arm64 = { os: 'linux', architecture: 'arm64' };

describe('test image layers', () => {
  it('hold os-release, the dpkg status file and the info/ directory Clair requires beside it', () => {
    const listing = execFileSync('tar', ['-tf', '-'], { input: layerTar(content, arm64) })
      .toString()
      .trim()
      .split('\n');
    expect(listing).toEqual(
      expect.arrayContaining([
        'etc/',
        'etc/os-release',
        'var/lib/dpkg/',
        'var/lib/dpkg/info/',
        'var/lib/dpkg/status',
      ]),
    );
    const status = execFileSync('tar', ['-xOf', '-', 'var/lib/dpkg/status'], {
      input: layerTar(content, arm64),
    });
    expect(status.toString()).toContain('Package: libssl3\n');
    expect(status.toString()).toContain('Architecture: arm64\n');
  });

  it('carry extra files, which change the digest', () => {
    const plain = buildImage(content);
    const marked = buildImage({ ...content, files: [{ path: 'etc/nimbus-marker', content: 'x' }] });
    expect(marked.layers[0]?.digest).not.toBe(plain.layers[0]?.digest);
  });
});

describe('buildImage', () => {
  const image = buildImage(content);
  const layer = image.layers[0];
  const manifest = JSON.parse(image.manifest.bytes.toString());
  const config = JSON.parse(image.config.bytes.toString());

  it('is deterministic: the same content gives the same digests', () => {
    const again = buildImage(content);
    expect(again.manifest.digest).toBe(image.manifest.digest);
    expect(again.layers[0]?.digest).toBe(layer?.digest);
  });

  it('addresses every blob by the sha256 of its bytes, and the diff ID by the uncompressed tar', () => {
    expect(layer?.digest).toBe(sha256Digest(layer?.bytes ?? Buffer.alloc(0)));
    expect(layer?.diffId).toBe(sha256Digest(gunzipSync(layer?.bytes ?? Buffer.alloc(0))));
    expect(image.config.digest).toBe(sha256Digest(image.config.bytes));
    expect(image.manifest.digest).toBe(sha256Digest(image.manifest.bytes));
    expect(layer?.size).toBe(layer?.bytes.length);
  });

  it('writes an OCI manifest referencing the config and the gzip layer', () => {
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: MEDIA_TYPES.config, digest: image.config.digest, size: image.config.size },
      layers: [{ mediaType: MEDIA_TYPES.layerGzip, digest: layer?.digest, size: layer?.size }],
    });
  });

  it('writes a config naming the platform and the diff IDs', () => {
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer?.diffId] },
    });
  });
});

describe('buildIndex', () => {
  it('lists each platform manifest with its platform', () => {
    const amd = buildImage(content);
    const arm = buildImage(content, arm64);
    expect(arm.manifest.digest).not.toBe(amd.manifest.digest);
    const index = buildIndex([amd, arm]);
    expect(index.mediaType).toBe(MEDIA_TYPES.index);
    expect(JSON.parse(index.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [
        {
          mediaType: MEDIA_TYPES.manifest,
          digest: amd.manifest.digest,
          size: amd.manifest.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: MEDIA_TYPES.manifest,
          digest: arm.manifest.digest,
          size: arm.manifest.size,
          platform: { architecture: 'arm64', os: 'linux' },
        },
      ],
    });
  });
});
