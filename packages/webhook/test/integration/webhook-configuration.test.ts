import type { V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import {
  createLogger,
  NAMESPACES,
  ObjectClient,
  VALIDATING_WEBHOOK_CONFIGURATIONS as VWC,
  type WriteResult,
} from '@nimbus-ts/k8s';
import type { TestNamespace } from '@nimbus-ts/k8s/testing';
import { apiWrites, createCertificateAuthority, pollUntil } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validatingWebhookConfiguration } from '../../src/validating-webhook-configuration.js';
import {
  WebhookConfigurationKeeper,
  type WebhookConfigurationKeeperOptions,
} from '../../src/webhook-configuration-keeper.js';

const GROUP = 'admissionregistration.k8s.io';

describe('WebhookConfigurationKeeper against the real API server', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'webhook-configuration-test');
  const logger = createLogger('test', { level: 'error' });
  const keepers: WebhookConfigurationKeeper[] = [];
  const configs: string[] = [];
  let ns: TestNamespace;
  let caPem: string;
  let otherCaPem: string;

  function keeper(
    name: string,
    results: WriteResult[] = [],
    extra: Partial<WebhookConfigurationKeeperOptions> = {},
  ) {
    configs.push(name);
    const k = new WebhookConfigurationKeeper(new ObjectClient(env.kubeConfig, 'webhook-keeper'), {
      name,
      namespace: ns.name,
      target: { service: { name: 'adapter', port: 8443 } },
      webhooks: [
        {
          name: 'pods.webhook-test.nimbus-ts.io',
          path: '/validate-pods',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          rules: [
            { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
          ],
          // Matches no namespace of this cluster: a fail-closed webhook must not disturb other tests.
          namespaceSelector: { matchLabels: { 'webhook-test.nimbus-ts.io/never': 'true' } },
        },
      ],
      caBundle: caPem,
      excludeNamespaces: ['cert-manager'],
      logger,
      onSynced: (r) => void results.push(r),
      ...extra,
    });
    keepers.push(k);
    return k;
  }

  const live = (name: string) => admin.get<V1ValidatingWebhookConfiguration>(VWC, { name });
  const caBundleOf = async (name: string) =>
    Buffer.from((await live(name))?.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString();

  beforeAll(async () => {
    ns = await env.namespace('webhook-config');
    caPem = (await createCertificateAuthority('keeper CA')).certPem;
    otherCaPem = (await createCertificateAuthority('intruder CA')).certPem;
  });
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
  });
  afterAll(async () => {
    for (const name of configs) await admin.delete(VWC, { name });
    await ns?.delete();
  });

  it('creates the configuration the builder describes, which the API server accepts as it is', async () => {
    const results: WriteResult[] = [];
    const k = keeper('keeper-create', results);
    await k.start();
    expect(k.ready).toBe(true);
    expect(results).toEqual(['created']);

    const stored = await live('keeper-create');
    const namespace = await admin.get(NAMESPACES, { name: ns.name });
    const expected = validatingWebhookConfiguration({
      name: 'keeper-create',
      namespace: { name: ns.name, uid: namespace?.metadata?.uid ?? '' },
      target: { service: { name: 'adapter', port: 8443 } },
      webhooks: [
        {
          name: 'pods.webhook-test.nimbus-ts.io',
          path: '/validate-pods',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          rules: [
            { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
          ],
          namespaceSelector: { matchLabels: { 'webhook-test.nimbus-ts.io/never': 'true' } },
        },
      ],
      caBundle: caPem,
      excludeNamespaces: ['cert-manager'],
    });
    // Every field the server would default was set, so what it stored is exactly what was sent.
    expect(stored?.webhooks).toEqual(expected.webhooks);
    expect(stored?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', name: ns.name, uid: namespace?.metadata?.uid },
    ]);
    expect(stored?.webhooks?.[0]?.namespaceSelector?.matchExpressions).toContainEqual({
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['cert-manager', 'kube-system', ns.name].sort(),
    });
    expect(await caBundleOf('keeper-create')).toBe(caPem);
  });

  it('writes nothing when the configuration is already right', async () => {
    const results: WriteResult[] = [];
    const first = keeper('keeper-idle');
    await first.start();
    await first.stop();
    const writesBefore = await apiWrites(env.kubeConfig, [GROUP]);
    const again = keeper('keeper-idle', results);
    await again.start();
    again.setCaBundle(caPem);
    await pollUntil('a second check', 30_000, () => results.length >= 2);
    expect(results).toEqual(['unchanged', 'unchanged']);
    expect(await apiWrites(env.kubeConfig, [GROUP])).toBe(writesBefore);
  });

  it('takes a new CA bundle, and restores its own after someone edits it', async () => {
    const k = keeper('keeper-drift');
    await k.start();
    k.setCaBundle(otherCaPem);
    await pollUntil(
      'the new CA bundle',
      30_000,
      async () => (await caBundleOf('keeper-drift')) === otherCaPem,
    );

    const edited = (await live('keeper-drift')) as V1ValidatingWebhookConfiguration;
    const [webhook] = edited.webhooks ?? [];
    if (!webhook) throw new Error('the configuration has no webhook');
    webhook.clientConfig.caBundle = Buffer.from(caPem).toString('base64');
    webhook.failurePolicy = 'Ignore';
    await admin.replace(VWC, edited);
    await pollUntil('the edit to be undone', 30_000, async () => {
      const current = await live('keeper-drift');
      return (
        (await caBundleOf('keeper-drift')) === otherCaPem && current?.webhooks?.[0]?.failurePolicy === 'Fail'
      );
    });
  });

  it('takes new webhooks (a new namespace selector), then writes nothing when given equal ones again', async () => {
    const results: WriteResult[] = [];
    const k = keeper('keeper-webhooks', results);
    await k.start();
    const [first] = (await live('keeper-webhooks'))?.webhooks ?? [];
    if (!first) throw new Error('the configuration has no webhook');
    const narrowed = () => [
      {
        name: 'pods.webhook-test.nimbus-ts.io',
        path: '/validate-pods',
        failurePolicy: 'Fail' as const,
        timeoutSeconds: 5,
        rules: [
          {
            operations: ['CREATE' as const, 'UPDATE' as const],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods'],
          },
        ],
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['webhook-test-covered'] },
          ],
        },
      },
    ];
    const webhooks = narrowed();
    k.setWebhooks(webhooks);
    await pollUntil('the new selector', 30_000, () => k.syncedWebhooks === webhooks);
    const [updated] = (await live('keeper-webhooks'))?.webhooks ?? [];
    expect(updated?.namespaceSelector?.matchExpressions).toContainEqual({
      key: 'kubernetes.io/metadata.name',
      operator: 'In',
      values: ['webhook-test-covered'],
    });
    expect(results).toContain('updated');

    const checked = results.length;
    const writesBefore = await apiWrites(env.kubeConfig, [GROUP]);
    const same = narrowed();
    k.setWebhooks(same);
    await pollUntil('a check with equal webhooks', 30_000, () => k.syncedWebhooks === same);
    // The watch event of its own update may add a check of its own; none of them writes.
    expect(results.slice(checked).every((r) => r === 'unchanged')).toBe(true);
    expect(await apiWrites(env.kubeConfig, [GROUP])).toBe(writesBefore);
    expect(() => k.setWebhooks([])).toThrow(/it has no webhooks\. Fix: add at least one/);
  });

  it('re-creates a deleted configuration', async () => {
    const k = keeper('keeper-deleted');
    await k.start();
    const uid = (await live('keeper-deleted'))?.metadata?.uid;
    await admin.delete(VWC, { name: 'keeper-deleted' });
    await pollUntil('the configuration to come back', 30_000, async () => {
      const current = await live('keeper-deleted');
      return current !== undefined && current.metadata?.uid !== uid;
    });
  });

  it('keeps a CA bundle injected by someone else when it has none of its own', async () => {
    const k = keeper('keeper-injected', [], { caBundle: undefined });
    await k.start();
    expect((await live('keeper-injected'))?.webhooks?.[0]?.clientConfig.caBundle).toBeUndefined();
    const injected = (await live('keeper-injected')) as V1ValidatingWebhookConfiguration;
    const [webhook] = injected.webhooks ?? [];
    if (!webhook) throw new Error('the configuration has no webhook');
    webhook.clientConfig.caBundle = Buffer.from(otherCaPem).toString('base64');
    await admin.replace(VWC, injected);
    const results: WriteResult[] = [];
    await k.stop();
    const again = keeper('keeper-injected', results, { caBundle: undefined });
    await again.start();
    expect(results).toEqual(['unchanged']);
    expect(await caBundleOf('keeper-injected')).toBe(otherCaPem);
  });

  it('is garbage-collected with its namespace, so no fail-closed webhook outlives it', async () => {
    const owner = await env.namespace('webhook-owner');
    const k = new WebhookConfigurationKeeper(new ObjectClient(env.kubeConfig, 'webhook-keeper'), {
      name: 'keeper-owned',
      namespace: owner.name,
      target: { url: 'https://127.0.0.1:9' },
      webhooks: [
        {
          name: 'owned.webhook-test.nimbus-ts.io',
          path: '/',
          failurePolicy: 'Fail',
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'webhook-test.nimbus-ts.io/never': 'true' } },
        },
      ],
      caBundle: caPem,
      logger,
    });
    configs.push('keeper-owned');
    await k.start();
    await k.stop();
    await owner.delete();
    await pollUntil(
      'the garbage collector to delete the configuration',
      120_000,
      async () => !(await live('keeper-owned')),
    );
  });
});
