import type { ImageScanPolicy } from '@nimbus-ts/scan-api';
import { describe, expect, it } from 'vitest';
import { scannerConfig } from '../../src/scanner/config.js';
import {
  planScan,
  podsUsing,
  type ReportedManifest,
  runsReportedManifest,
  type ScannedPod,
  selects,
} from '../../src/scanner/plan.js';

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

describe('runsReportedManifest: which pods own a report', () => {
  const INDEX = `sha256:${'1'.repeat(64)}`;
  const AMD64 = { os: 'linux', architecture: 'amd64' };
  const ARM64 = { os: 'linux', architecture: 'arm64' };
  // The amd64 manifest of a two-platform index, as the report of a pod that pulled the index names it.
  const amd64Report: ReportedManifest = {
    registry: 'registry.example:5000',
    repository: 'shop/cart',
    digest: DIGEST_A,
    indexDigest: INDEX,
    platform: AMD64,
  };
  const arm64Report: ReportedManifest = {
    ...amd64Report,
    digest: DIGEST_B,
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  };
  const pulled = (digest: string, repository = 'shop/cart', registry = 'registry.example:5000') => ({
    registry,
    repository,
    digest,
  });

  it.each([
    ['the index on an amd64 node: the amd64 report', pulled(INDEX), AMD64, amd64Report, true],
    ['the index on an arm64 node: not the amd64 report', pulled(INDEX), ARM64, amd64Report, false],
    [
      'the index on an arm64 node: the arm64/v8 report (nodes carry no variant)',
      pulled(INDEX),
      ARM64,
      arm64Report,
      true,
    ],
    ['the index on an amd64 node: not the arm64 report', pulled(INDEX), AMD64, arm64Report, false],
    [
      'the index on a node labelled x86_64: the amd64 report',
      pulled(INDEX),
      { os: 'linux', architecture: 'x86_64' },
      amd64Report,
      true,
    ],
    [
      'the index on a windows/amd64 node: not the linux one',
      pulled(INDEX),
      { os: 'windows', architecture: 'amd64' },
      amd64Report,
      false,
    ],
    [
      'the amd64 manifest by its own digest, whatever the node says',
      pulled(DIGEST_A),
      ARM64,
      amd64Report,
      true,
    ],
    [
      'a single-platform image by digest',
      pulled(DIGEST_A),
      AMD64,
      { ...amd64Report, indexDigest: undefined },
      true,
    ],
    [
      'another digest of a single-platform image',
      pulled(INDEX),
      AMD64,
      { ...amd64Report, indexDigest: undefined },
      false,
    ],
    ['the same index in another repository', pulled(INDEX, 'shop/other'), AMD64, amd64Report, false],
    [
      'the same index in another registry',
      pulled(INDEX, 'shop/cart', 'mirror.example'),
      AMD64,
      amd64Report,
      false,
    ],
  ] as const)('%s', (_name, image, node, report, expected) => {
    expect(runsReportedManifest(image, node, report as ReportedManifest)).toBe(expected);
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
    const found = podsUsing(
      pods,
      'shop',
      {
        registry: 'registry.example:5000',
        repository: 'shop/cart',
        digest: DIGEST_A,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      () => undefined,
    );
    expect(found.map((p) => p.metadata?.name)).toEqual(['y', 'z']);
  });

  it('gives each platform’s report of a multi-arch image only the pods on nodes of that platform', () => {
    const index = `sha256:${'1'.repeat(64)}`;
    const pods = [
      pod('amd-0', { app: 'web' }, id(index), { nodeName: 'amd' }),
      pod('arm-0', { app: 'web' }, id(index), { nodeName: 'arm' }),
      pod('arm-1', { app: 'web' }, id(index), { nodeName: 'arm' }),
      pod('unscheduled', { app: 'web' }, id(index)),
    ];
    const nodes: Record<string, Record<string, string>> = {
      amd: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      arm: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' },
    };
    const report = (digest: string, architecture: string) => ({
      registry: 'registry.example:5000',
      repository: 'shop/cart',
      digest,
      indexDigest: index,
      platform: { os: 'linux', architecture },
    });
    const owners = (digest: string, architecture: string) =>
      podsUsing(pods, 'shop', report(digest, architecture), (node) => nodes[node]).map(
        (p) => p.metadata?.name,
      );
    // A pod without a node counts as linux/amd64, as planScan resolves it.
    expect(owners(DIGEST_A, 'amd64')).toEqual(['amd-0', 'unscheduled']);
    expect(owners(DIGEST_B, 'arm64')).toEqual(['arm-0', 'arm-1']);
    // Every pod the plan scanned for a platform owns that platform's report.
    const plan = planScan(policy({ app: 'web' }), pods, (node) => nodes[node]);
    for (const use of plan.images) {
      const digest = use.platform.architecture === 'arm64' ? DIGEST_B : DIGEST_A;
      expect(owners(digest, use.platform.architecture)).toEqual(use.pods.map((p) => p.name));
    }
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

  it.each([
    ['credentials in an http(s) URL', 'http://nimbus:planted-password@clair:6060', /holds credentials .*PSK/],
    [
      'credentials in a URL without a scheme Node reads',
      'clair://nimbus:planted-password@x',
      /not an http\(s\) URL/,
    ],
  ])('rejects %s without repeating the password', (_what, url, message) => {
    let error: Error | undefined;
    try {
      scannerConfig({ CLAIR_URL: url });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('[redacted]@');
    expect(error?.message).not.toContain('planted-password');
  });
});
