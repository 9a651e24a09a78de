import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  imageConfig,
  imageManifest,
  jsonBlob,
  layoutIndex,
  MEDIA_TYPES,
  sha256Digest,
} from '../../src/oci.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and has no whitespace, so equal documents have equal bytes', () => {
    const a = canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    const b = canonicalJson({ a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 });
    expect(a.toString()).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    expect(a.equals(b)).toBe(true);
  });

  it('keeps array order, which is meaningful (layers, entry point)', () => {
    expect(canonicalJson(['b', 'a']).toString()).toBe('["b","a"]');
  });
});

describe('jsonBlob', () => {
  it('names the canonical bytes by their SHA-256', () => {
    const blob = jsonBlob({ x: 1 }, MEDIA_TYPES.config);
    expect(blob).toMatchObject({ mediaType: MEDIA_TYPES.config, size: 7 });
    expect(blob.digest).toBe(sha256Digest(Buffer.from('{"x":1}')));
    expect(sha256Digest(Buffer.from(''))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('imageConfig', () => {
  const config = imageConfig({
    architecture: 'amd64',
    os: 'linux',
    user: '65532:65532',
    entrypoint: ['/nodejs/bin/node', 'dist/main.js'],
    workingDir: '/app',
    env: ['NODE_ENV=production'],
    exposedPorts: [8081, 8080, 8081],
    labels: { 'org.opencontainers.image.version': '0.1.0' },
    created: new Date(0),
    layers: [
      { diffId: 'sha256:aa', createdBy: 'base' },
      { diffId: 'sha256:bb', createdBy: 'app' },
    ],
  });

  it('says how to run the image: user, entry point, working directory, environment, ports, labels', () => {
    expect(config.config).toEqual({
      User: '65532:65532',
      Entrypoint: ['/nodejs/bin/node', 'dist/main.js'],
      WorkingDir: '/app',
      Env: ['NODE_ENV=production'],
      ExposedPorts: { '8080/tcp': {}, '8081/tcp': {} },
      Labels: { 'org.opencontainers.image.version': '0.1.0' },
    });
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux' });
  });

  it('lists the diff IDs in layer order, with one history entry each, dated by the given time only', () => {
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:aa', 'sha256:bb'] });
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect(config.history).toEqual([
      { created: '1970-01-01T00:00:00Z', created_by: 'base' },
      { created: '1970-01-01T00:00:00Z', created_by: 'app' },
    ]);
  });
});

describe('imageManifest and layoutIndex', () => {
  const config = { mediaType: MEDIA_TYPES.config, digest: 'sha256:c', size: 10 };
  const layer = { mediaType: MEDIA_TYPES.layerGzip, digest: 'sha256:l', size: 20 };

  it('references the config and the layers by descriptor', () => {
    expect(imageManifest(config, [layer])).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: [layer],
    });
  });

  it('names the manifest in the layout index by its tag', () => {
    const manifest = { mediaType: MEDIA_TYPES.manifest, digest: 'sha256:m', size: 30 };
    expect(layoutIndex(manifest, '0.1.0')).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': '0.1.0' } }],
    });
  });
});
