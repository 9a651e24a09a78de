import { describe, expect, it } from 'vitest';
import type { ImageScanPolicy } from '../../src/api/generated.js';
import { scannerConfig } from '../../src/scanner/config.js';
import { planScan, podsUsing, type ScannedPod, selects } from '../../src/scanner/plan.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

const pod = (
  name: string,
  labels: Record<string, string>,
  imageID: string,
  extra: { phase?: string; nodeName?: string; namespace?: string; deleting?: boolean; secret?: string } = {},
): ScannedPod => ({
  metadata: {
    name,
    namespace: extra.namespace ?? 'shop',
    uid: `uid-${name}`,
    labels,
    ...(extra.deleting ? { deletionTimestamp: new Date(0) } : {}),
  },
  spec: {
    containers: [{ name: 'app', image: 'registry.example:5000/shop/cart:1' }],
    ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
    ...(extra.secret ? { imagePullSecrets: [{ name: extra.secret }] } : {}),
  },
  status: {
    phase: extra.phase ?? 'Running',
    containerStatuses: [{ name: 'app', image: 'registry.example:5000/shop/cart:1', imageID }],
  },
});

const policy = (matchLabels: Record<string, string>): ImageScanPolicy =>
  ({
    apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
    kind: 'ImageScanPolicy',
    metadata: { name: 'scan', namespace: 'shop' },
    spec: { selector: { matchLabels } },
  }) as ImageScanPolicy;

const id = (digest: string) => `registry.example:5000/shop/cart@${digest}`;

describe('planScan', () => {
  it('groups the selected running pods by image digest and platform, one scan per image', () => {
    const pods = [
      pod('b', { app: 'web' }, id(DIGEST_A), { secret: 'regcred' }),
      pod('a', { app: 'web' }, id(DIGEST_A)),
      pod('c', { app: 'web' }, id(DIGEST_B), { nodeName: 'arm' }),
      pod('d', { app: 'db' }, id(DIGEST_B)),
      pod('e', { app: 'web' }, id(DIGEST_B), { phase: 'Succeeded' }),
      pod('f', { app: 'web' }, id(DIGEST_B), { deleting: true }),
      pod('g', { app: 'web' }, id(DIGEST_B), { namespace: 'other' }),
    ];
    const plan = planScan(policy({ app: 'web' }), pods, (node) =>
      node === 'arm' ? { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux' } : undefined,
    );
    expect(plan.images).toEqual([
      {
        registry: 'registry.example:5000',
        repository: 'shop/cart',
        digest: DIGEST_A,
        platform: { os: 'linux', architecture: 'amd64' },
        pods: [
          { name: 'a', uid: 'uid-a' },
          { name: 'b', uid: 'uid-b' },
        ],
        pullSecrets: [],
        serviceAccountName: 'default',
      },
      {
        registry: 'registry.example:5000',
        repository: 'shop/cart',
        digest: DIGEST_B,
        platform: { os: 'linux', architecture: 'arm64' },
        pods: [{ name: 'c', uid: 'uid-c' }],
        pullSecrets: [],
        serviceAccountName: 'default',
      },
    ]);
  });

  it('reports containers it cannot scan by digest, with the pod', () => {
    const plan = planScan(policy({}), [pod('a', {}, 'docker://sha256:1234')], () => undefined);
    expect(plan.images).toEqual([]);
    expect(plan.skipped).toHaveLength(1);
    expect(plan.skipped[0]?.pod).toBe('a');
  });

  it.each([
    [{}, { app: 'x' }, true],
    [{ app: 'web' }, { app: 'web', tier: 'f' }, true],
    [{ app: 'web' }, { app: 'db' }, false],
    [{ app: 'web' }, {}, false],
  ])('selects(%j) on %j is %s', (matchLabels, labels, expected) => {
    expect(selects(matchLabels, pod('p', labels, id(DIGEST_A)))).toBe(expected);
  });
});

describe('podsUsing', () => {
  it('finds every running pod of the namespace with the image, whichever policy selects it', () => {
    const pods = [
      pod('z', { app: 'web' }, id(DIGEST_A)),
      pod('y', { app: 'db' }, id(DIGEST_A)),
      pod('x', { app: 'web' }, id(DIGEST_B)),
      pod('w', { app: 'web' }, id(DIGEST_A), { phase: 'Failed' }),
    ];
    const found = podsUsing(pods, 'shop', {
      registry: 'registry.example:5000',
      repository: 'shop/cart',
      digest: DIGEST_A,
    });
    expect(found.map((p) => p.metadata?.name)).toEqual(['y', 'z']);
  });
});

describe('scannerConfig', () => {
  it('reads Clair, the key from a file, registries and concurrency', () => {
    const config = scannerConfig(
      {
        CLAIR_URL: 'http://clair:6060',
        CLAIR_PSK_KEY_FILE: '/run/secrets/clair/key',
        INSECURE_REGISTRIES: ' reg.local:5000, ,10.0.0.1:5000',
        SCAN_CONCURRENCY: '8',
      },
      (path) => (path === '/run/secrets/clair/key' ? 'c2VjcmV0\n' : ''),
    );
    expect(config).toEqual({
      clairUrl: 'http://clair:6060',
      pskKey: 'c2VjcmV0',
      issuer: 'nimbus-clair',
      insecureRegistries: ['reg.local:5000', '10.0.0.1:5000'],
      concurrency: 8,
      namespaces: { include: [], exclude: ['kube-*'] },
    });
  });

  it('reads the namespaces and the notifier receiver with its TLS files', () => {
    const files: Record<string, string> = {
      '/key': 'c2VjcmV0',
      '/tls/tls.crt': 'CERT',
      '/tls/tls.key': 'KEY',
    };
    const config = scannerConfig(
      {
        CLAIR_URL: 'https://clair:6060',
        CLAIR_PSK_KEY_FILE: '/key',
        SCAN_NAMESPACES: 'shop, payments',
        SCAN_EXCLUDE_NAMESPACES: '',
        CLAIR_NOTIFIER_PORT: '8443',
        CLAIR_NOTIFIER_TLS_CERT_FILE: '/tls/tls.crt',
        CLAIR_NOTIFIER_TLS_KEY_FILE: '/tls/tls.key',
      },
      (path) => files[path] ?? '',
    );
    expect(config.namespaces).toEqual({ include: ['shop', 'payments'], exclude: [] });
    expect(config.notifier).toEqual({ port: 8443, tls: { cert: 'CERT', key: 'KEY' } });
  });

  it.each([
    [{}, 'CLAIR_URL is not set'],
    [{ CLAIR_URL: 'clair:6060' }, 'is not an http(s) URL'],
    [{ CLAIR_URL: 'http://clair:6060', SCAN_CONCURRENCY: '0' }, 'SCAN_CONCURRENCY must be'],
    [{ CLAIR_URL: 'http://clair:6060', CLAIR_NOTIFIER_PORT: '8443' }, "Clair's PSK key is not"],
    [
      { CLAIR_URL: 'http://clair:6060', CLAIR_PSK_KEY: 'a2V5', CLAIR_NOTIFIER_PORT: 'x' },
      'CLAIR_NOTIFIER_PORT must be',
    ],
    [
      {
        CLAIR_URL: 'http://clair:6060',
        CLAIR_PSK_KEY: 'a2V5',
        CLAIR_NOTIFIER_PORT: '8443',
        CLAIR_NOTIFIER_TLS_CERT_FILE: '/c',
      },
      'set both CLAIR_NOTIFIER_TLS_CERT_FILE and CLAIR_NOTIFIER_TLS_KEY_FILE',
    ],
  ])('rejects %j', (env, message) => {
    expect(() => scannerConfig(env)).toThrow(message);
  });
});
