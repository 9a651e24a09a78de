import {
  type Adapter,
  crdDirectory,
  createAdapter,
  createLogger,
  type NimbusPolicy,
  type NimbusRule,
  NODES,
  ObjectClient,
  RESOURCES,
  type SecurityIntentBinding,
} from '@nimbus-ts/k8s';
import { apiWrites, pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_POLICIES, netpolAdapter } from '../../src/index.js';
import type { NetworkPolicy } from '../../src/network-policy.js';

// The example adapter on a real control plane, driven the way the core operator would drive it: the test
// writes SecurityIntentBindings and the NimbusPolicies they own, and watches what the adapter makes of them.

const API = 'intent.security.nimbus.com/v1alpha1';
/** A NetworkPolicy as the API server returns it: with the metadata the adapter added. */
type StoredNetworkPolicy = NetworkPolicy & {
  metadata: {
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
};
const rule = (id: string, action = 'Block'): NimbusRule => ({ id, rule: { action } });

describe('the netpol example adapter', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const node = `netpol-node-${Math.random().toString(36).slice(2, 7)}`;
  const extraNode = `${node}-b`;
  let ns: TestNamespace;
  let adapter: Adapter;

  const start = async () => {
    const started = createAdapter(env.kubeConfig, netpolAdapter, {
      logger: createLogger('nimbus-netpol', { level: 'warn' }),
    });
    await started.start();
    return started;
  };
  const binding = (name: string) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: name } } } },
    });
  const policy = (name: string, rules: NimbusRule[], owner?: { name: string; uid: string }) =>
    client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name,
        namespace: ns.name,
        ...(owner
          ? {
              ownerReferences: [
                {
                  apiVersion: API,
                  kind: 'SecurityIntentBinding',
                  ...owner,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }
          : {}),
      },
      spec: { selector: { matchLabels: { app: name } }, rules },
    });
  const boundPolicy = async (name: string, rules: NimbusRule[]) => {
    const sib = await binding(name);
    return policy(name, rules, { name, uid: sib.metadata?.uid ?? '' });
  };
  const getPolicy = (name: string) =>
    client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
  const netpol = (name: string) =>
    client.get<StoredNetworkPolicy>(NETWORK_POLICIES, { namespace: ns.name, name });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('netpol');
    await client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
    });
    adapter = await start();
  });
  afterAll(async () => {
    await adapter?.stop();
    await ns?.delete({ wait: true });
    for (const name of [node, extraNode]) await client.delete(NODES, { name });
  });

  it('builds one NetworkPolicy per supported rule, owned by the policy, and reports them in its status', async () => {
    const np = await boundPolicy('web', [
      rule('dnsManipulation'),
      rule('swDeploymentTools'),
      rule('denyExternalNetworkAccess'),
    ]);
    await pollUntil(
      'both NetworkPolicies',
      30_000,
      async () => (await getPolicy('web'))?.status?.numberOfAdapterPolicies === 2,
    );
    const dns = await netpol('web-dnsmanipulation');
    expect(dns?.metadata?.annotations?.['app.kubernetes.io/managed-by']).toBe('nimbus-netpol');
    expect(dns?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: API,
        kind: 'NimbusPolicy',
        name: 'web',
        uid: np.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(dns?.spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { ipBlock: { cidr: '10.244.1.0/24' } },
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    });
    expect((await netpol('web-denyexternalnetworkaccess'))?.spec?.policyTypes).toEqual(['Egress', 'Ingress']);
    const status = (await getPolicy('web'))?.status;
    expect(status?.adapterPolicies).toEqual([
      'NetworkPolicy/web-dnsmanipulation',
      'NetworkPolicy/web-denyexternalnetworkaccess',
    ]);
    expect(status?.enforcement).toEqual([
      { ruleId: 'dnsManipulation', adapters: ['netpol'] },
      { ruleId: 'denyExternalNetworkAccess', adapters: ['netpol'] },
    ]);
    expect(status?.conditions?.find((c) => c.type === 'nimbus-netpol/Ready')).toMatchObject({
      status: 'True',
      reason: 'Applied',
    });
  });

  it('repairs an edited or deleted NetworkPolicy', async () => {
    const edited = await netpol('web-dnsmanipulation');
    if (!edited?.spec) throw new Error('web-dnsmanipulation is missing');
    await client.replace<StoredNetworkPolicy>(NETWORK_POLICIES, {
      ...edited,
      spec: { ...edited.spec, policyTypes: ['Ingress'], egress: [] },
    });
    await pollUntil(
      'the edit to be undone',
      30_000,
      async () => (await netpol('web-dnsmanipulation'))?.spec?.policyTypes?.includes('Egress') === true,
    );
    const before = await netpol('web-denyexternalnetworkaccess');
    await client.delete(NETWORK_POLICIES, { namespace: ns.name, name: 'web-denyexternalnetworkaccess' });
    await pollUntil('the deleted NetworkPolicy to come back', 30_000, async () => {
      const now = await netpol('web-denyexternalnetworkaccess');
      return now !== undefined && now.metadata?.uid !== before?.metadata?.uid;
    });
  });

  it('follows the nodes: a new node pod CIDR joins the policies', async () => {
    await client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: extraNode },
      spec: { podCIDR: '10.245.7.0/24' },
    });
    await pollUntil('the new CIDR', 30_000, async () =>
      JSON.stringify((await netpol('web-dnsmanipulation'))?.spec).includes('10.245.7.0/24'),
    );
  });

  it('deletes the NetworkPolicy of a rule removed from the policy and drops its status entries', async () => {
    const np = await getPolicy('web');
    if (!np) throw new Error('policy web is missing');
    await client.replace(RESOURCES.NimbusPolicy, {
      ...np,
      spec: { ...np.spec, rules: [rule('denyExternalNetworkAccess')] },
    });
    await pollUntil(
      'the dnsManipulation NetworkPolicy to go',
      30_000,
      async () => !(await netpol('web-dnsmanipulation')),
    );
    await pollUntil('the status entries to follow', 30_000, async () => {
      const status = (await getPolicy('web'))?.status;
      return status?.numberOfAdapterPolicies === 1 && status.enforcement?.length === 1;
    });
    expect((await getPolicy('web'))?.status?.adapterPolicies).toEqual([
      'NetworkPolicy/web-denyexternalnetworkaccess',
    ]);
  });

  it('leaves alone policies that no existing binding owns', async () => {
    await policy('loose', [rule('dnsManipulation')]);
    await policy('stale-owner', [rule('dnsManipulation')], {
      name: 'gone',
      uid: '00000000-0000-4000-8000-000000000000',
    });
    // A bound policy created afterwards converges; by then the adapter has seen the other two as well.
    await boundPolicy('later', [rule('dnsManipulation')]);
    await pollUntil(
      'the bound policy',
      30_000,
      async () => (await netpol('later-dnsmanipulation')) !== undefined,
    );
    expect(await netpol('loose-dnsmanipulation')).toBeUndefined();
    expect(await netpol('stale-owner-dnsmanipulation')).toBeUndefined();
    expect((await getPolicy('loose'))?.status).toBeUndefined();
  });

  it('keeps other adapters’ status entries, and a restart writes nothing', async () => {
    const np = await getPolicy('later');
    if (!np) throw new Error('policy later is missing');
    await client.patchStatus(
      RESOURCES.NimbusPolicy,
      { namespace: ns.name, name: 'later' },
      {
        status: {
          adapterPolicies: ['KubeArmorPolicy/later-dnsmanipulation', ...(np.status?.adapterPolicies ?? [])],
          numberOfAdapterPolicies: 2,
          enforcement: [{ ruleId: 'dnsManipulation', adapters: ['kubearmor', 'netpol'] }],
        },
      },
    );
    adapter.resyncAll();
    await pollUntil('the adapter to settle', 30_000, async () => {
      const before = await apiWrites(env.kubeConfig, ['networking.k8s.io', 'intent.security.nimbus.com']);
      await new Promise((r) => setTimeout(r, 1500));
      return (
        (await apiWrites(env.kubeConfig, ['networking.k8s.io', 'intent.security.nimbus.com'])) === before
      );
    });
    expect((await getPolicy('later'))?.status).toMatchObject({
      adapterPolicies: ['KubeArmorPolicy/later-dnsmanipulation', 'NetworkPolicy/later-dnsmanipulation'],
      numberOfAdapterPolicies: 2,
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['kubearmor', 'netpol'] }],
    });

    const writes = await apiWrites(env.kubeConfig, ['networking.k8s.io', 'intent.security.nimbus.com']);
    await adapter.stop();
    adapter = await start();
    // web, loose and later; stale-owner too unless the garbage collector has already removed it (its owner
    // never existed), which depends on whether it has discovered the NimbusPolicy resource yet.
    await pollUntil(
      'the restarted adapter to reconcile every policy',
      30_000,
      () => adapter.reconciles.success >= 3,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await apiWrites(env.kubeConfig, ['networking.k8s.io', 'intent.security.nimbus.com'])).toBe(writes);
    expect((await getPolicy('later'))?.status?.adapterPolicies).toHaveLength(2);
  });
});
