import type { KubernetesObject } from '@kubernetes/client-node';
import { type Adapter, type AdapterDeclaration, createAdapter } from '@nimbus-ts/adapter-sdk';
import {
  adapterLeaseName,
  announcementMetadata,
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { ApiError, createLogger, LeaderElector, ObjectClient, PODS, type ResourceType } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutPolicyName } from '../../src/build/cluster-binding.js';
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
const VAP: ResourceType = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  namespaced: false,
};
const VAP_BINDING: ResourceType = {
  ...VAP,
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
};

/**
 * An adapter for a third-party intent that builds two ConfigMaps per policy: `<policy>-ok`, and one whose name
 * the API server refuses (upper case and '_' are no DNS-1123 subdomain).
 */
/** An adapter for another third-party intent whose ConfigMap `<policy>-selected` copies the policy's `app` label. */
const copyingAdapter: AdapterDeclaration = {
  name: 'copying',
  intents: ['acmeCopy'],
  kinds: [CONFIG_MAPS],
  build: (policy) => [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${policy.metadata.name}-selected` },
      data: { app: policy.spec.selector.matchLabels?.app ?? '' },
    },
  ],
};

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
  let copying: Adapter | undefined;
  const intentNames: string[] = [];
  const clusterBindingNames: string[] = [];
  const admissionNames: string[] = [];

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

  /**
   * Two intents of ~825 kB each, within the CRD bounds (params of 25 keys × 64 values × 512 characters; the
   * bounds allow 32 keys), once the operator has seen them both. Each fits etcd's default 1.5 MiB request limit;
   * a policy with both rules (~1.65 MB) does not. (Above 2 MiB the API server's etcd client refuses it by
   * itself, with another message.)
   */
  const bigIntents = async (tag: string) => {
    const ids = ['dnsManipulation', 'swDeploymentTools'];
    const big = ids.map((id) => `big-${tag}-${id.toLowerCase()}-${suffix}`);
    const params = Object.fromEntries(
      Array.from({ length: 25 }, (_, k) => [
        `padding${k}`,
        Array.from({ length: 64 }, (_, j) => `${k}.${j}.`.padEnd(512, 'p')),
      ]),
    );
    for (const [i, name] of big.entries()) {
      intentNames.push(name);
      await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name },
        spec: { intent: { id: ids[i], action: 'Block', params } },
      } as SecurityIntent);
    }
    // The operator's controllers share one cache of intents: once it has written each intent's status, the
    // binding controllers see both, and build the policy whole from their first reconcile.
    for (const name of big) {
      await pollUntil(`the status of SecurityIntent ${name}`, 30_000, async () =>
        (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name }))?.status?.conditions?.some(
          (c) => c.type === 'Ready',
        ),
      );
    }
    return big;
  };
  const clusterBinding = (name: string, intents: string[]) => {
    clusterBindingNames.push(name);
    return client.create<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name },
      spec: {
        intents: intents.map((n) => ({ name: n })),
        selector: {
          nsSelector: { matchNames: [ns.name] },
          workloadSelector: { matchLabels: { app: 'web' } },
        },
      },
    });
  };
  const clusterCondition = async (name: string, type: string) =>
    (
      await client.get<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, { name })
    )?.status?.conditions?.find((c) => c.type === type);

  /** A ValidatingAdmissionPolicy (and its binding) of the API server, for this test namespace only. */
  const admissionPolicy = async (
    name: string,
    resourceRule: Record<string, string[]>,
    expression: string,
    message: string,
  ) => {
    admissionNames.push(name);
    await client.create(VAP, {
      apiVersion: VAP.apiVersion,
      kind: VAP.kind,
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [resourceRule] },
        validations: [{ expression, message, reason: 'Forbidden' }],
      },
    });
    await client.create(VAP_BINDING, {
      apiVersion: VAP.apiVersion,
      kind: VAP_BINDING.kind,
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.name } } },
      },
    });
  };
  /** Waits until the API server, which loads admission policies asynchronously, refuses `attempt`. */
  const untilRefused = (
    what: string,
    attempt: () => Promise<unknown>,
    undo: () => Promise<unknown>,
    message: RegExp,
  ) =>
    pollUntil(what, 30_000, async () => {
      try {
        await attempt();
        await undo();
        return false;
      } catch (error) {
        return message.test((error as Error).message);
      }
    });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('unenforced');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'error' }) });
    await operator.start();
  });
  afterAll(async () => {
    await adapter?.stop();
    await copying?.stop();
    await operator?.stop();
    await ns?.delete({ wait: true });
    for (const name of admissionNames) {
      await client.delete(VAP_BINDING, { name });
      await client.delete(VAP, { name });
    }
    for (const name of clusterBindingNames) {
      await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name });
    }
    for (const name of intentNames) await client.delete(RESOURCES.SecurityIntent, { name });
  });

  it('refuses at the door a binding whose missing intents would make a message over 32768 characters', async () => {
    // 150 missing intents of 240 characters would make an IntentsResolved message of ~36 000 characters; the CRD
    // bounds spec.intents to 64, so the API server refuses the binding itself, naming the field. Within the
    // bounds the message stays under the limit: 64 names of 253 characters make ~17 000.
    const missing = Array.from({ length: 150 }, (_, i) =>
      `${String(i).padStart(3, '0')}-${suffix}-`.padEnd(240, 'm'),
    );
    const refusal = await binding('many-missing', missing).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 422, reason: 'Invalid' });
    expect((refusal as ApiError).message).toMatch(/spec\.intents: Too many: 150: must have at most 64 items/);
  });

  it('writes the status of a binding whose CEL selection names pods in a message over 32768 characters', async () => {
    // What remains within the bounds: the SelectorResolved message names every pod spec.cel selects, and pod
    // names, set by whoever may create pods, are up to 253 characters. 135 of them make ~34 600 characters.
    // (Within the bounds, IntentsResolved stays under ~17 000, ActionsConsistent under ~32 650, an InvalidCEL
    // message quotes one expression of ≤ 1024; a cluster binding's NimbusPolicyRejected lists every refused
    // fan-out policy and could also pass the limit, but only with ~100 namespaces of refused policies.)
    const pods = Array.from({ length: 135 }, (_, i) =>
      `${String(i).padStart(3, '0')}-${suffix}-`.padEnd(253, 'p'),
    );
    for (const name of pods) {
      // The first create waits for the namespace's default ServiceAccount, which the controller manager makes.
      await pollUntil(`pod ${name}`, 60_000, () =>
        client
          .create(PODS, {
            apiVersion: PODS.apiVersion,
            kind: PODS.kind,
            metadata: { name, namespace: ns.name, labels: { app: 'crowd' } },
            spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
          })
          .then(() => true),
      );
    }
    const intent = `crowd-dns-${suffix}`;
    intentNames.push(intent);
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: intent },
      spec: { intent: { id: 'dnsManipulation', action: 'Block' } },
    } as SecurityIntent);
    await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'crowd', namespace: ns.name },
      spec: { intents: [{ name: intent }], selector: {}, cel: ['labels["app"] == "crowd"'] },
    });
    // Once the operator's pod cache holds all 135 pods, the message is cut.
    const selected = await pollUntil(
      'the binding SelectorResolved condition over every pod',
      30_000,
      () => condition('crowd', 'SelectorResolved'),
      { until: (c) => c?.message?.endsWith('more characters)') === true },
    );
    expect(selected?.status).toBe('True');
    expect(selected?.reason).toBe('CELResolved');
    expect([...(selected?.message ?? '')].length).toBeLessThanOrEqual(MAX_MESSAGE);
    expect(selected?.message).toMatch(/^spec\.cel selects 000-/);
    expect(selected?.message).toMatch(/ … \(truncated, \d+ more characters\)$/);
    expect(await condition('crowd', 'Ready')).toMatchObject({ status: 'True' });
  });

  it('says on the binding why the API server refused its NimbusPolicy when it is too large for etcd', async () => {
    const big = await bigIntents('ns');
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

  it('fans a cluster binding of the longest name out under a shortened NimbusPolicy name', async () => {
    const intent = `dns-${suffix}`;
    intentNames.push(intent);
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: intent },
      spec: { intent: { id: 'dnsManipulation', action: 'Block' } },
    } as SecurityIntent);
    // 253 characters: upstream's fan-out name, nimbus-ctlr-gen-<binding>, would be 269.
    const name = `long-${suffix}-`.padEnd(253, 'l');
    await clusterBinding(name, [intent]);
    const readyCondition = await pollUntil(
      'the cluster binding Ready condition',
      30_000,
      () => clusterCondition(name, 'Ready'),
      { until: (c) => c?.status === 'True' },
    );
    expect(readyCondition?.reason).toBe('PoliciesUpToDate');
    const fanOut = fanOutPolicyName(name);
    expect(fanOut).toHaveLength(253);
    const np = await client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: fanOut });
    expect(np?.spec.rules.map((r) => r.id)).toEqual(['dnsManipulation']);
  });

  it('says on the cluster binding why the API server refused its ClusterNimbusPolicy and fan-out policy', async () => {
    const big = await bigIntents('cluster');
    const name = `too-large-${suffix}`;
    await clusterBinding(name, big);
    const readyCondition = await pollUntil(
      'the cluster binding Ready condition naming the refusal',
      60_000,
      () => clusterCondition(name, 'Ready'),
      { until: (c) => c?.reason === 'NimbusPolicyRejected' },
    );
    expect(readyCondition?.status).toBe('False');
    expect(readyCondition?.message).toContain(
      `the API server refused ClusterNimbusPolicy ${name}, NimbusPolicy ${ns.name}/nimbus-ctlr-gen-${name} (`,
    );
    expect(readyCondition?.message).toMatch(/request is too large|larger than max/);
    expect(readyCondition?.message).toMatch(/split the binding/);
    expect(await client.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name })).toBeUndefined();
  });

  it('says on the binding why an admission policy denied its NimbusPolicy', async () => {
    // A ValidatingAdmissionPolicy of the API server itself: in this namespace, NimbusPolicies named denied-* are
    // refused with 403.
    const probe = { namespace: ns.name, name: 'denied-probe' };
    await admissionPolicy(
      `deny-nimbuspolicies-${suffix}`,
      {
        apiGroups: ['intent.security.nimbus.com'],
        apiVersions: ['v1alpha1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['nimbuspolicies'],
      },
      "!object.metadata.name.startsWith('denied')",
      'NimbusPolicies named denied-* are not allowed in this namespace',
    );
    await untilRefused(
      'the admission policy to deny NimbusPolicies',
      () =>
        client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
          apiVersion: API,
          kind: 'NimbusPolicy',
          metadata: probe,
          spec: {
            selector: { matchLabels: { app: 'probe' } },
            rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
          },
        } as NimbusPolicy),
      () => client.delete(RESOURCES.NimbusPolicy, probe),
      /not allowed in this namespace/,
    );

    const intent = `denied-dns-${suffix}`;
    intentNames.push(intent);
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: intent },
      spec: { intent: { id: 'dnsManipulation', action: 'Block' } },
    } as SecurityIntent);
    await binding('denied-web', [intent]);
    const readyCondition = await pollUntil(
      'the binding Ready condition naming the denial',
      30_000,
      () => condition('denied-web', 'Ready'),
      { until: (c) => c?.reason === 'NimbusPolicyRejected' },
    );
    expect(readyCondition?.status).toBe('False');
    expect(readyCondition?.message).toContain(`the API server refused NimbusPolicy ${ns.name}/denied-web (`);
    expect(readyCondition?.message).toMatch(/HTTP 403 Forbidden: .*not allowed in this namespace/);
    expect(readyCondition?.message).toMatch(/an admission policy or webhook denied the policy/);
  });

  it('keeps reporting an engine object whose update the API server refuses, and says why', async () => {
    copying = createAdapter(env.kubeConfig, copyingAdapter, {
      logger: createLogger('nimbus-copying', { level: 'error' }),
    });
    await copying.start();
    const elector = new LeaderElector(new ObjectClient(env.kubeConfig, 'nimbus-copying'), {
      namespace: ns.name,
      name: adapterLeaseName('copying'),
      identity: `test-${suffix}`,
      leaseDurationMs: 600_000,
      metadata: announcementMetadata('copying', ['acmeCopy']),
    });
    expect(await elector.tryAcquireOrRenew()).toBe(true);
    const intent = `copy-${suffix}`;
    intentNames.push(intent);
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: intent },
      spec: { intent: { id: 'acmeCopy', action: 'Block' } },
    } as SecurityIntent);
    await binding('copied', [intent]);
    const policy = () =>
      client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'copied' });
    await pollUntil('the copying adapter Ready', 30_000, async () =>
      (await policy())?.status?.conditions?.some(
        (c) => c.type === 'nimbus-copying/Ready' && c.status === 'True',
      ),
    );

    // From now on the API server refuses ConfigMap updates to app=blocked in this namespace.
    const probe = { namespace: ns.name, name: `probe-${suffix}` };
    await client.create(CONFIG_MAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: probe,
      data: { app: 'x' },
    });
    await admissionPolicy(
      `deny-blocked-configmaps-${suffix}`,
      { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['configmaps'] },
      "!has(object.data) || !('app' in object.data) || object.data.app != 'blocked'",
      'ConfigMaps may not select app=blocked here',
    );
    await untilRefused(
      'the admission policy to deny ConfigMap updates',
      () => client.patch(CONFIG_MAPS, probe, { data: { app: 'blocked' } }),
      () => client.patch(CONFIG_MAPS, probe, { data: { app: 'x' } }),
      /may not select app=blocked/,
    );

    await client.patch(
      RESOURCES.SecurityIntentBinding,
      { namespace: ns.name, name: 'copied' },
      {
        spec: { selector: { workloadSelector: { matchLabels: { app: 'blocked' } } } },
      },
    );
    const enforced = await pollUntil(
      'the Enforced condition naming the refused update',
      30_000,
      async () => (await policy())?.status?.conditions?.find((c) => c.type === 'Enforced'),
      { until: (c) => c?.reason === 'EngineObjectRejected' },
    );
    expect(enforced?.message).toMatch(/^nimbus-copying: the API server refused an engine object/);
    expect(enforced?.message).toContain('ConfigMap/copied-selected (');
    expect(enforced?.message).toMatch(/HTTP 403 Forbidden: .*may not select app=blocked/);
    // The object keeps its last accepted content, and the policy still lists it: it exists and is the adapter's.
    const configMap = await client.get<KubernetesObject & { data?: Record<string, string> }>(CONFIG_MAPS, {
      namespace: ns.name,
      name: 'copied-selected',
    });
    expect(configMap?.data).toEqual({ app: 'web' });
    expect((await policy())?.status?.adapterPolicies).toEqual(['ConfigMap/copied-selected']);
  });
});
