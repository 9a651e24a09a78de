import type {
  Adapter,
  AdapterDeclaration,
  NimbusPolicy,
  ResourceType,
  SecurityIntent,
  SecurityIntentBinding,
} from '@nimbus-ts/k8s';
import {
  adapterLeaseName,
  announcementMetadata,
  crdDirectory,
  createAdapter,
  createLogger,
  LeaderElector,
  ObjectClient,
  RESOURCES,
} from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator.js';

// Issue 15's hostile inputs against the core operator: nothing it is asked to write may leave a binding
// without a status that says what happened.

const API = 'intent.security.nimbus.com/v1alpha1';
const MAX_MESSAGE = 32768;
const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const THIRD_PARTY_ID = 'acmeGuard';

/**
 * An adapter for a third-party intent that builds two ConfigMaps per policy: `<policy>-ok`, and one whose name
 * the API server refuses (upper case and '_' are no DNS-1123 subdomain).
 */
const refusedObjectAdapter: AdapterDeclaration = {
  name: 'refused',
  intents: [THIRD_PARTY_ID],
  kinds: [CONFIG_MAPS],
  build: (policy) =>
    ['ok', 'Not_A_Name'].map((suffix) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${policy.metadata.name}-${suffix}` },
      data: { policy: policy.metadata.name ?? '' },
    })),
};

describe('a binding is never silently without status or policy', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  let ns: TestNamespace;
  let operator: Operator;
  let adapter: Adapter | undefined;
  const intentNames: string[] = [];

  const binding = (name: string, intents: string[]) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name },
      spec: {
        intents: intents.map((n) => ({ name: n })),
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });
  const condition = async (name: string, type: string) =>
    (
      await client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name })
    )?.status?.conditions?.find((c) => c.type === type);

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('unenforced');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'error' }) });
    await operator.start();
  });
  afterAll(async () => {
    await adapter?.stop();
    await operator?.stop();
    await ns?.delete({ wait: true });
    for (const name of intentNames) await client.delete(RESOURCES.SecurityIntent, { name });
  });

  it('writes the status of a binding whose missing intents make a message over 32768 characters', async () => {
    // 150 missing intents of 240 characters each: the IntentsResolved message lists them all (~36 000 characters).
    const missing = Array.from({ length: 150 }, (_, i) =>
      `${String(i).padStart(3, '0')}-${suffix}-`.padEnd(240, 'm'),
    );
    await binding('many-missing', missing);
    const resolved = await pollUntil('the binding IntentsResolved condition', 30_000, () =>
      condition('many-missing', 'IntentsResolved'),
    );
    expect(resolved?.status).toBe('False');
    expect(resolved?.reason).toBe('SecurityIntentsNotFound');
    expect([...(resolved?.message ?? '')].length).toBeLessThanOrEqual(MAX_MESSAGE);
    expect(resolved?.message).toMatch(/^SecurityIntent 000-/);
    expect(resolved?.message).toMatch(/ … \(truncated, \d+ more characters\)$/);
  });

  it('says on the binding why the API server refused its NimbusPolicy when it is too large for etcd', async () => {
    // Each intent (~620 kB) fits etcd's default 1.5 MiB request limit; the policy with all three rules (~1.9 MB)
    // does not. (Above 2 MiB the API server's etcd client refuses it by itself, with another message.)
    const ids = ['dnsManipulation', 'swDeploymentTools', 'escapeToHost'];
    const big = ids.map((id) => `big-${id.toLowerCase()}-${suffix}`);
    for (const [i, name] of big.entries()) {
      intentNames.push(name);
      await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name },
        spec: {
          intent: {
            id: ids[i],
            action: 'Block',
            params: { padding: Array.from({ length: 6000 }, (_, j) => `${j}.`.padEnd(100, 'p')) },
          },
        },
      } as SecurityIntent);
    }
    // The operator's controllers share one cache of intents: once it has written each intent's status, the
    // binding controller sees all three, and builds the policy whole from its first reconcile.
    for (const name of big) {
      await pollUntil(`the status of SecurityIntent ${name}`, 30_000, async () =>
        (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name }))?.status?.conditions?.some(
          (c) => c.type === 'Ready',
        ),
      );
    }
    await binding('too-large', big);
    const readyCondition = await pollUntil(
      'the binding Ready condition naming the refusal',
      60_000,
      () => condition('too-large', 'Ready'),
      { until: (c) => c?.reason === 'NimbusPolicyRejected' },
    );
    expect(readyCondition?.status).toBe('False');
    expect(readyCondition?.message).toMatch(/request is too large|larger than max/);
    expect(readyCondition?.message).toMatch(/split the binding|fewer intents/);
    expect(
      await client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'too-large' }),
    ).toBeUndefined();
  });

  it('makes the policy Enforced=False with the API server message when an engine object is refused', async () => {
    adapter = createAdapter(env.kubeConfig, refusedObjectAdapter, {
      logger: createLogger('nimbus-refused', { level: 'error' }),
    });
    await adapter.start();
    // Announced on its Lease as runAdapter does, so the operator counts the adapter as running.
    const elector = new LeaderElector(new ObjectClient(env.kubeConfig, 'nimbus-refused'), {
      namespace: ns.name,
      name: adapterLeaseName('refused'),
      identity: `test-${suffix}`,
      leaseDurationMs: 600_000,
      metadata: announcementMetadata('refused', [THIRD_PARTY_ID]),
    });
    expect(await elector.tryAcquireOrRenew()).toBe(true);
    const name = `acme-${suffix}`;
    intentNames.push(name);
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name },
      spec: { intent: { id: THIRD_PARTY_ID, action: 'Block' } },
    } as SecurityIntent);
    await binding('refused', [name]);

    const policy = () =>
      client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'refused' });
    const enforced = await pollUntil(
      'the Enforced condition naming the refused object',
      60_000,
      async () => (await policy())?.status?.conditions?.find((c) => c.type === 'Enforced'),
      { until: (c) => c?.reason === 'EngineObjectRejected' },
    );
    expect(enforced?.status).toBe('False');
    expect(enforced?.message).toContain('ConfigMap/refused-Not_A_Name');
    expect(enforced?.message).toMatch(/HTTP 422 Invalid/);
    const ready = (await policy())?.status?.conditions?.find((c) => c.type === 'nimbus-refused/Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'EngineObjectRejected' });
    // The object the API server accepted is still written and reported; the refused one is not an entry.
    expect(await client.get(CONFIG_MAPS, { namespace: ns.name, name: 'refused-ok' })).toBeDefined();
    expect((await policy())?.status?.adapterPolicies).toEqual(['ConfigMap/refused-ok']);
  });
});
