import { describe, expect, it } from 'vitest';
import { type PodLike, podImages } from '../../src/pod-images.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

/** A pod with one regular container `app` running `image`, reported with `imageID`. */
function pod(image: string, imageID?: string): PodLike {
  return {
    spec: { containers: [{ name: 'app', image }] },
    status: { containerStatuses: [{ name: 'app', image, ...(imageID !== undefined ? { imageID } : {}) }] },
  };
}

describe('podImages: the digest from imageID in every runtime spelling', () => {
  const cases: [
    string,
    string,
    string | undefined,
    { canonical: string; digest: string; source: string } | RegExp,
  ][] = [
    [
      'containerd: repo@digest',
      'nginx:1.25',
      `docker.io/library/nginx@${A}`,
      { canonical: `docker.io/library/nginx@${A}`, digest: A, source: 'status' },
    ],
    [
      'dockershim / cri-dockerd: docker-pullable://',
      'nginx:1.25',
      `docker-pullable://nginx@${A}`,
      { canonical: `docker.io/library/nginx@${A}`, digest: A, source: 'status' },
    ],
    [
      'the repository comes from imageID, not the spec (a mirror or retag)',
      'ghcr.io/org/app:2',
      `ghcr.io/org/app-mirror@${A}`,
      { canonical: `ghcr.io/org/app-mirror@${A}`, digest: A, source: 'status' },
    ],
    [
      'bare sha256: the spec repository',
      '127.0.0.1:5000/team/app:dev',
      A,
      { canonical: `127.0.0.1:5000/team/app@${A}`, digest: A, source: 'status' },
    ],
    [
      'the digest pulled wins over one in the spec',
      `nginx@${B}`,
      `docker.io/library/nginx@${A}`,
      { canonical: `docker.io/library/nginx@${A}`, digest: A, source: 'status' },
    ],
    [
      'no status yet, but a digest in the spec',
      `nginx:1.25@${B}`,
      undefined,
      { canonical: `docker.io/library/nginx@${B}`, digest: B, source: 'spec' },
    ],
    [
      'no status yet, tag only: skipped',
      'nginx:1.25',
      undefined,
      /no imageID yet .* the tag alone is not scanned/,
    ],
    ['empty imageID: skipped', 'nginx:1.25', '', /no imageID yet/],
    ['docker:// is a local image ID', 'app:dev', `docker://${A}`, /local image ID, not a registry digest/],
    [
      'docker:// with a digest in the spec uses the spec',
      `app@${B}`,
      `docker://${A}`,
      { canonical: `docker.io/library/app@${B}`, digest: B, source: 'spec' },
    ],
    ['imageID without a digest', 'app:1', 'docker.io/library/app:1', /has no digest/],
    ['garbage imageID', 'app:1', 'not an image!', /is not an image reference/],
    [
      'invalid spec image',
      'App:1',
      `docker.io/library/app@${A}`,
      /spec image is not a valid reference.*lowercase/,
    ],
  ];

  it.each(cases)('%s', (_what, image, imageID, expected) => {
    const result = podImages(pod(image, imageID));
    if (expected instanceof RegExp) {
      expect(result.images).toEqual([]);
      expect(result.skipped).toHaveLength(1);
      expect(result.skipped[0]).toMatchObject({ container: 'app', kind: 'container', specImage: image });
      expect(result.skipped[0]?.reason).toMatch(expected);
      return;
    }
    expect(result.skipped).toEqual([]);
    expect(result.images).toHaveLength(1);
    const [found] = result.images;
    const { canonical, ...rest } = expected;
    expect(found).toMatchObject({ container: 'app', kind: 'container', specImage: image, ...rest });
    expect(found?.reference.canonical).toBe(canonical);
    // Never the mutable tag.
    expect(found?.reference.tag).toBeUndefined();
  });
});

describe('podImages: containers, credentials and node', () => {
  it('joins init, regular and ephemeral containers with their own statuses by name', () => {
    const result = podImages({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        initContainers: [{ name: 'migrate', image: 'ghcr.io/shop/migrate:1' }],
        containers: [
          { name: 'web', image: 'nginx:1.25' },
          { name: 'sidecar', image: 'envoyproxy/envoy:v1.30' },
        ],
        ephemeralContainers: [{ name: 'debugger', image: 'busybox' }],
        imagePullSecrets: [{ name: 'ghcr' }, { name: '' }, {}, { name: 'hub' }],
        serviceAccountName: 'web',
        nodeName: 'node-7',
      },
      status: {
        // Listed in another order than the spec, and the sidecar has not started.
        containerStatuses: [{ name: 'web', imageID: `docker.io/library/nginx@${A}` }],
        initContainerStatuses: [{ name: 'migrate', imageID: `ghcr.io/shop/migrate@${B}` }],
        ephemeralContainerStatuses: [{ name: 'debugger', imageID: `docker.io/library/busybox@${A}` }],
      },
    });
    expect(result.images.map((i) => [i.kind, i.container, i.reference.canonical])).toEqual([
      ['init', 'migrate', `ghcr.io/shop/migrate@${B}`],
      ['container', 'web', `docker.io/library/nginx@${A}`],
      ['ephemeral', 'debugger', `docker.io/library/busybox@${A}`],
    ]);
    expect(result.skipped.map((s) => [s.kind, s.container])).toEqual([['container', 'sidecar']]);
    expect(result.pullSecrets).toEqual(['ghcr', 'hub']);
    expect(result.serviceAccountName).toBe('web');
    expect(result.nodeName).toBe('node-7');
  });

  it('defaults the service account and tolerates an empty pod', () => {
    const result = podImages({});
    expect(result).toEqual({ images: [], skipped: [], pullSecrets: [], serviceAccountName: 'default' });
    expect(podImages({ spec: { serviceAccountName: '' } }).serviceAccountName).toBe('default');
  });

  it('does not take an init container status for a regular container of the same name', () => {
    const result = podImages({
      spec: { containers: [{ name: 'x', image: 'app:1' }] },
      status: { initContainerStatuses: [{ name: 'x', imageID: `docker.io/library/app@${A}` }] },
    });
    expect(result.images).toEqual([]);
    expect(result.skipped[0]?.reason).toMatch(/no imageID yet/);
  });
});
