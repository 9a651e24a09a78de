import { CoreV1Api } from '@kubernetes/client-node';
import {
  adapterLeaseName,
  announcementMetadata,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createLogger, LEASES, LeaderElector, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator.js';
import { writesAcrossResync } from './metrics.js';

const API = 'intent.security.nimbus.com/v1alpha1';

describe('SecurityIntentBinding → NimbusPolicy', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const siName = (n: string) => `${n}-${suffix}`;
  let ns: TestNamespace;
  let operator: Operator;

  const intentNames: string[] = [];
  const intent = (name: string, id: string, action: string, extra: Record<string, unknown> = {}) => {
    intentNames.push(siName(name));
    return client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: siName(name) },
      spec: { intent: { id, action, ...extra } },
    } as SecurityIntent);
  };
  const binding = (name: string, intents: string[], labels?: Record<string, string>) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name, ...(labels ? { labels } : {}) },
      spec: {
        intents: intents.map((n) => ({ name: siName(n) })),
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });
  const policy = (name: string) =>
    client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
  const sib = (name: string) =>
    client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name });
  const intentCondition = async (name: string, type: string) =>
    (
      await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: siName(name) })
    )?.status?.conditions?.find((c) => c.type === type);
  const policyCondition = async (name: string, type: string) =>
    (await policy(name))?.status?.conditions?.find((c) => c.type === type);
  // An adapter announcing itself on its Lease, as runAdapter does. Stopping it is deleting the Lease: to the
  // operator that is the same as a Lease released or expired.
  const announce = async (adapter: string, intents: string[]) => {
    const lease = { namespace: ns.name, name: adapterLeaseName(adapter) };
    const elector = new LeaderElector(new ObjectClient(env.kubeConfig, `nimbus-${adapter}`), {
      ...lease,
      identity: `test-${suffix}`,
      leaseDurationMs: 600_000,
      metadata: announcementMetadata(adapter, intents),
    });
    expect(await elector.tryAcquireOrRenew()).toBe(true);
    return { stop: () => client.delete(LEASES, lease) };
  };
  /** A binding of its own intents (one per id, named `<binding>-<n>`), once its NimbusPolicy has every rule. */
  const converged = async (name: string, ids: string[]) => {
    for (const [i, id] of ids.entries()) await intent(`${name}-${i}`, id, 'Block');
    await binding(
      name,
      ids.map((_, i) => `${name}-${i}`),
    );
    return pollUntil(`the NimbusPolicy ${name}`, 30_000, () => policy(name), {
      until: (np) => np?.spec.rules.length === ids.length && np.status?.status === 'Created',
    });
  };

  const eventsAbout = async (name: string) => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedEvent({
      namespace: ns.name,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items;
  };

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('sib');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await ns?.delete({ wait: true });
    for (const name of intentNames) await client.delete(RESOURCES.SecurityIntent, { name });
  });

  it('builds the NimbusPolicy with upstream names, labels, owner, selector and rules in binding order', async () => {
    await intent('pkg', 'swDeploymentTools', 'Block', { description: 'no package managers', tags: ['t1'] });
    await intent('dns', 'dnsManipulation', 'Enforce', { params: { dns: ['8.8.8.8'] } });
    const created = await binding('web', ['dns', 'missing', 'pkg'], { team: 'a' });
    await pollUntil('the NimbusPolicy', 30_000, async () => (await policy('web'))?.spec.rules.length === 2);
    const np = await policy('web');
    expect(np?.metadata.labels).toEqual({ team: 'a' });
    expect(np?.metadata.ownerReferences).toEqual([
      {
        apiVersion: API,
        kind: 'SecurityIntentBinding',
        name: 'web',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(np?.spec).toEqual({
      selector: { matchLabels: { app: 'web' } },
      rules: [
        { id: 'dnsManipulation', severity: 'Low', rule: { action: 'Block', params: { dns: ['8.8.8.8'] } } },
        {
          id: 'swDeploymentTools',
          description: 'no package managers',
          severity: 'Low',
          tags: ['t1'],
          rule: { action: 'Block' },
        },
      ],
    });
    await pollUntil('statuses', 30_000, async () => (await sib('web'))?.status?.nimbusPolicy === 'web');
    const status = (await sib('web'))?.status;
    expect(status).toMatchObject({
      status: 'Created',
      numberOfBoundIntents: 2,
      boundIntents: [siName('dns'), siName('pkg')],
      nimbusPolicy: 'web',
    });
    const resolvedCondition = status?.conditions?.find((c) => c.type === 'IntentsResolved');
    expect(resolvedCondition).toMatchObject({ status: 'False', reason: 'SecurityIntentsNotFound' });
    expect(resolvedCondition?.message).toContain(siName('missing'));
    await pollUntil(
      'NimbusPolicy status',
      30_000,
      async () => (await policy('web'))?.status?.status === 'Created',
    );
    // Upstream's CRD requires the count and its operator writes 0 on creation; kubectl's column shows it.
    expect((await policy('web'))?.status?.numberOfAdapterPolicies).toBe(0);
  });

  it('adds an intent created after its binding, and follows intent changes', async () => {
    await binding('late-binder', ['late']);
    await intent('late', 'escapeToHost', 'Audit');
    await pollUntil(
      'the late rule',
      30_000,
      async () => (await policy('late-binder'))?.spec.rules[0]?.id === 'escapeToHost',
    );
    const si = await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: siName('late') });
    await client.replace(RESOURCES.SecurityIntent, {
      ...(si as SecurityIntent),
      spec: { intent: { ...(si as SecurityIntent).spec.intent, action: 'Block' } },
    });
    await pollUntil(
      'the new action',
      30_000,
      async () => (await policy('late-binder'))?.spec.rules[0]?.rule.action === 'Block',
    );
  });

  it('repairs an edited or deleted NimbusPolicy', async () => {
    const np = (await converged('repair', ['swDeploymentTools', 'dnsManipulation'])) as NimbusPolicy;
    await client.replace(RESOURCES.NimbusPolicy, { ...np, spec: { ...np.spec, rules: [] } });
    await pollUntil(
      'the edit to be reverted',
      30_000,
      async () => (await policy('repair'))?.spec.rules.length === 2,
    );
    await client.delete(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'repair' });
    await pollUntil('the policy to be re-created', 30_000, async () => {
      const again = await policy('repair');
      return again !== undefined && again.metadata.uid !== np.metadata.uid && again.spec.rules.length === 2;
    });
  });

  it("never overwrites an adapter's count when it marks the policy again", async () => {
    const before = (await converged('counted', ['swDeploymentTools'])) as NimbusPolicy;
    // An adapter reports, as the SDK does: its own fields, merged into the status.
    await client.patchStatus(
      RESOURCES.NimbusPolicy,
      { namespace: ns.name, name: 'counted' },
      {
        status: {
          adapterPolicies: ['KubeArmorPolicy/counted-swdeploymenttools'],
          numberOfAdapterPolicies: 1,
        },
      },
    );
    // A changed intent changes the policy's spec, and the operator marks the new generation as built.
    const si = (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, {
      name: siName('counted-0'),
    })) as SecurityIntent;
    await client.replace(RESOURCES.SecurityIntent, {
      ...si,
      spec: { intent: { ...si.spec.intent, action: 'Audit' } },
    });
    await pollUntil('the new generation to be marked built', 30_000, async () => {
      const np = await policy('counted');
      const built = np?.status?.conditions?.find((c) => c.type === 'Built');
      return (
        np !== undefined &&
        np.metadata.generation !== before.metadata.generation &&
        built?.observedGeneration === np.metadata.generation
      );
    });
    expect((await policy('counted'))?.status).toMatchObject({
      status: 'Created',
      numberOfAdapterPolicies: 1,
      adapterPolicies: ['KubeArmorPolicy/counted-swdeploymenttools'],
    });
  });

  it('makes no write when nothing changed, as the API server counts them', async () => {
    await converged('steady', ['swDeploymentTools']);
    // Its intent, its binding and its policy's enforcement at least: three reconciles.
    expect(await writesAcrossResync(env.kubeConfig, operator, 3)).toEqual({ writes: 0, errors: 0 });
  });

  it('deletes the NimbusPolicy when none of its intents exists any more, and says so', async () => {
    await converged('orphaned', ['escapeToHost']);
    await client.delete(RESOURCES.SecurityIntent, { name: siName('orphaned-0') });
    await pollUntil('the policy to go', 30_000, async () => (await policy('orphaned')) === undefined);
    await pollUntil(
      'the binding status',
      30_000,
      async () => (await sib('orphaned'))?.status?.nimbusPolicy === '',
    );
    const status = (await sib('orphaned'))?.status;
    expect(status?.numberOfBoundIntents).toBe(0);
    expect(status?.boundIntents).toBeUndefined();
    expect(status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoSecurityIntents',
    });
  });

  it('accepts an intent ID outside the ID pool and flags it in a condition', async () => {
    await intent('custom', 'acmeCustomGuard', 'Audit');
    await pollUntil('the condition', 30_000, async () => {
      const si = await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: siName('custom') });
      return si?.status?.conditions?.some((c) => c.type === 'IntentSupported') === true;
    });
    const si = await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: siName('custom') });
    const supported = si?.status?.conditions?.find((c) => c.type === 'IntentSupported');
    expect(supported).toMatchObject({ status: 'False', reason: 'UnknownIntentID' });
    expect(supported?.message).toContain('acmeCustomGuard');
    await binding('custom', ['custom']);
    await pollUntil(
      'a policy with the custom rule',
      30_000,
      async () => (await policy('custom'))?.spec.rules[0]?.id === 'acmeCustomGuard',
    );
    // An ID from the pool, by contrast: its condition is written on its own reconcile, so wait for it too.
    await intent('known', 'swDeploymentTools', 'Block');
    const known = await pollUntil(
      'the condition of a known ID',
      30_000,
      () => client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: siName('known') }),
      { until: (si) => si?.status?.conditions?.some((c) => c.type === 'IntentSupported') === true },
    );
    expect(known?.status?.conditions?.find((c) => c.type === 'IntentSupported')).toMatchObject({
      status: 'True',
    });
  });

  it('knows a third-party intent ID while a running adapter announces it, and flags it again when it stops', async () => {
    // The previous test left acmeCustomGuard flagged, with a policy built for it.
    expect(await intentCondition('custom', 'IntentSupported')).toMatchObject({
      status: 'False',
      reason: 'UnknownIntentID',
    });
    const acme = await announce('acme', ['acmeCustomGuard']);
    try {
      await pollUntil(
        'the intent to be known from the announcement',
        30_000,
        async () => (await intentCondition('custom', 'IntentSupported'))?.status === 'True',
      );
      expect(await intentCondition('custom', 'IntentSupported')).toMatchObject({
        reason: 'KnownIntentID',
        message:
          'intent ID acmeCustomGuard is not in the ID pool; the running adapter acme announces it and enforces it',
      });
      await pollUntil(
        'the policy to be enforced by it',
        30_000,
        async () => (await policyCondition('custom', 'Enforced'))?.status === 'True',
      );
    } finally {
      await acme.stop();
    }
    // Released: nothing enforces the ID any more, and the intent says so again.
    await pollUntil(
      'the intent to be flagged again',
      30_000,
      async () => (await intentCondition('custom', 'IntentSupported'))?.status === 'False',
    );
    expect(await intentCondition('custom', 'IntentSupported')).toMatchObject({ reason: 'UnknownIntentID' });
  });

  it('marks a NimbusPolicy no binding owns as not enforced, naming the missing owner and the fix', async () => {
    await converged('bound', ['dnsManipulation']);
    const kubearmor = await announce('kubearmor', ['dnsManipulation', 'swDeploymentTools']);
    try {
      await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
        apiVersion: API,
        kind: 'NimbusPolicy',
        metadata: { name: 'by-hand', namespace: ns.name },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
        },
      });
      // The bound policy with the same rule is enforced: the operator has seen the adapter.
      await pollUntil(
        'the bound policy to be enforced',
        30_000,
        async () => (await policyCondition('bound', 'Enforced'))?.reason === 'AdaptersRunning',
      );
      await pollUntil(
        "the orphan's Enforced condition",
        30_000,
        async () => (await policyCondition('by-hand', 'Enforced')) !== undefined,
      );
      expect(await policyCondition('by-hand', 'Enforced')).toMatchObject({
        status: 'False',
        reason: 'NoOwnerBinding',
        message:
          'no SecurityIntentBinding or ClusterSecurityIntentBinding owns this NimbusPolicy, so every adapter ignores it. ' +
          'NimbusPolicies are written by the core operator from bindings: bind the intents with a SecurityIntentBinding ' +
          '(or ClusterSecurityIntentBinding) and delete this policy',
      });
    } finally {
      await kubearmor.stop();
      await client.delete(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'by-hand' });
    }
  });

  it('selects workloads with CEL over real pods, and reports an invalid expression until it is fixed', async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const pod = (name: string, labels: Record<string, string>) =>
      pollUntil(`pod ${name}`, 60_000, () =>
        core
          .createNamespacedPod({
            namespace: ns.name,
            body: { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
          })
          .then(() => true),
      );
    await pod('shop-1', { app: 'shop', tier: 'web', 'pod-template-hash': 'a1' });
    await pod('shop-2', { app: 'shop', tier: 'web', 'pod-template-hash': 'b2' });
    await pod('other', { app: 'other', tier: 'web' });
    await intent('cel-pkg', 'swDeploymentTools', 'Block');
    await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'cel', namespace: ns.name },
      spec: { intents: [{ name: siName('cel-pkg') }], selector: {}, cel: ['labels["app" =='] },
    });
    const celBinding = () => sib('cel');
    await pollUntil(
      'the CEL condition',
      30_000,
      async () =>
        (await celBinding())?.status?.conditions?.some((c) => c.type === 'SelectorResolved') === true,
    );
    const invalid = (await celBinding())?.status?.conditions?.find((c) => c.type === 'SelectorResolved');
    expect(invalid).toMatchObject({ status: 'False', reason: 'InvalidCEL' });
    expect(invalid?.message).toContain('spec.cel[0]');
    expect(await policy('cel')).toBeUndefined();
    await pollUntil('a Warning Event naming the problem', 30_000, async () =>
      (await eventsAbout('cel')).some((e) => e.type === 'Warning' && e.reason === 'SelectorUnresolved'),
    );

    const live = (await celBinding()) as SecurityIntentBinding;
    await client.replace(RESOURCES.SecurityIntentBinding, {
      ...live,
      spec: { ...live.spec, cel: ['labels["app"] == "shop"', 'has(labels.tier)'] },
    });
    await pollUntil('the CEL-selected policy', 30_000, async () => (await policy('cel')) !== undefined);
    expect((await policy('cel'))?.spec.selector).toEqual({ matchLabels: { app: 'shop', tier: 'web' } });
    // The policy is written before the binding's status, in the same reconcile: wait for the status too.
    await pollUntil(
      'the CEL condition to turn True',
      30_000,
      async () =>
        (await celBinding())?.status?.conditions?.some(
          (c) => c.type === 'SelectorResolved' && c.status === 'True',
        ) === true,
    );
    const resolved = (await celBinding())?.status?.conditions?.find((c) => c.type === 'SelectorResolved');
    expect(resolved).toMatchObject({ status: 'True', reason: 'CELResolved' });
    expect(resolved?.message).toContain('shop-1, shop-2');
  });

  it('leaves garbage collection of the NimbusPolicy to Kubernetes when the binding is deleted', async () => {
    await converged('collected', ['dnsManipulation']);
    await client.delete(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name: 'collected' });
    await pollUntil('the garbage collector', 60_000, async () => (await policy('collected')) === undefined);
  });
});
