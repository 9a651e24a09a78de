import type { V1Pod } from '@kubernetes/client-node';
import type { ImageScanner, ScanOutcome } from '@nimbus-ts/clair-client';
import { createLogger, PODS } from '@nimbus-ts/k8s';
import { FakeClient } from '@nimbus-ts/k8s/testing';
import { IMAGE_SCAN_POLICIES, type ImageScanPolicy } from '@nimbus-ts/scan-api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACE_FILTER } from '../../src/scanner/namespace-filter.js';
import { reconcileScanPolicy, type ScanPolicyContext } from '../../src/scanner/scan-controller.js';
import { ScanFailedError } from '../../src/scanner/scan-error-policy.js';
import { PENDING_RETRY_MS } from '../../src/scanner/scan-status.js';

// The scan reconcile's sequencing in milliseconds: the FakeClient (proved against the real API server by the
// contract suite of @nimbus-ts/k8s) and a scanner standing in for Clair, which the unit does not own. Real scans
// against Clair are the integration tests' (scanner.test.ts, scanner-resilience.test.ts).

const DIGEST = `sha256:${'a'.repeat(64)}`;

function setup(scan: ImageScanner['scan'], namespace = 'shop') {
  const client = new FakeClient({ fieldManager: 'nimbus-clair' });
  client.seed(IMAGE_SCAN_POLICIES, {
    apiVersion: IMAGE_SCAN_POLICIES.apiVersion,
    kind: 'ImageScanPolicy',
    metadata: { name: 'scan', namespace },
    spec: { selector: { matchLabels: { app: 'web' } } },
  } as ImageScanPolicy);
  client.seed(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace, labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'registry.example:5000/shop/web:1' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example:5000/shop/web:1',
          imageID: `registry.example:5000/shop/web@${DIGEST}`,
          ready: true,
          restartCount: 0,
        },
      ],
    },
  } as V1Pod);
  const ctx: ScanPolicyContext = {
    client,
    scanner: { scan },
    slack: { send: () => Promise.reject(new Error('no Slack in this test')) },
    logger: Object.assign(createLogger('test'), { silent: true }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    namespaces: DEFAULT_NAMESPACE_FILTER,
    serviceAccount: 'nimbus-system:nimbus-clair',
    store: (resource) => client.store(resource),
  };
  const policy = () =>
    client.store<ImageScanPolicy>(IMAGE_SCAN_POLICIES).get({ namespace, name: 'scan' }) as ImageScanPolicy;
  const ready = () => policy().status?.conditions?.find((c) => c.type === 'Ready');
  return { client, ctx, policy, ready };
}

describe('reconcileScanPolicy (FakeClient)', () => {
  it('a failed scan: the status says which image and why, then the reconcile fails', async () => {
    const { ctx, policy, ready } = setup(() =>
      Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6060')),
    );
    const failure = await reconcileScanPolicy(policy(), ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ScanFailedError);
    expect((failure as ScanFailedError).failed).toHaveLength(1);
    expect(ready()).toMatchObject({ status: 'False', reason: 'ScanFailed' });
    expect(ready()?.message).toContain('ECONNREFUSED');
    expect(policy().status?.images).toBe(1);
  });

  it('no vulnerability data yet: WaitingForVulnerabilityData and a look again soon', async () => {
    const pending: ScanOutcome = {
      kind: 'pending',
      image: {} as Extract<ScanOutcome, { kind: 'pending' }>['image'],
    };
    const { ctx, policy, ready } = setup(() => Promise.resolve(pending));
    expect((await reconcileScanPolicy(policy(), ctx)).requeueAfterMs).toBe(PENDING_RETRY_MS);
    expect(ready()).toMatchObject({ status: 'False', reason: 'WaitingForVulnerabilityData' });
  });

  it('an excluded namespace: no scan, a condition that says why, no retry', async () => {
    let scans = 0;
    const { ctx, policy, ready } = setup(() => {
      scans++;
      return Promise.reject(new Error('unreachable'));
    }, 'kube-public');
    expect((await reconcileScanPolicy(policy(), ctx)).requeueAfterMs).toBeUndefined();
    expect(scans).toBe(0);
    expect(ready()).toMatchObject({ status: 'False', reason: 'NamespaceExcluded' });
  });
});
