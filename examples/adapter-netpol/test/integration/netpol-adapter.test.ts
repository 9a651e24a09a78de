import { Writable } from 'node:stream';
import { type Adapter, createAdapter } from '@nimbus-ts/adapter-sdk';
import {
  crdDirectory,
  type NimbusPolicy,
  type NimbusRule,
  RESOURCES,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createLogger, NODES, ObjectClient } from '@nimbus-ts/k8s';
import { apiWrites, pollUntil, pollUntilSteady, type TestNamespace } from '@nimbus-ts/k8s/testing';
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
// Writes that count for "nothing changed": the adapter's NetworkPolicies and policy statuses.
const WATCHED_GROUPS = ['networking.k8s.io', 'intent.security.nimbus.com'];

describe('the netpol example adapter', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const node = `netpol-node-${Math.random().toString(36).slice(2, 7)}`;
  const extraNode = `${node}-b`;
  let ns: TestNamespace;
  let adapter: Adapter;
  // The adapter's debug lines, kept to see what it decided; warnings and errors still reach the terminal.
  const decisions: { message: string; policy?: string }[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: string; message: string; policy?: string };
        if (entry.level === 'debug') decisions.push(entry);
        else if (entry.level === 'warn' || entry.level === 'error') process.stdout.write(`${line}\n`);
      }
      done();
    },
  });
  const ignored = (name: string) =>
    decisions.some(
      (d) =>
        d.message === 'ignoring the policy: no existing binding owns it' &&
        d.policy === `NimbusPolicy ${ns.name}/${name}`,
    );

  const start = async () => {
    const started = createAdapter(env.kubeConfig, netpolAdapter, {
      logger: createLogger('nimbus-netpol', { level: 'debug', stream: logStream }),
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
  /** A bound policy of a test's own, once the adapter has reported a NetworkPolicy for each rule. */
  const converged = async (name: string, rules: NimbusRule[]) => {
    await boundPolicy(name, rules);
    return pollUntil(`the NetworkPolicies of ${name}`, 30_000, () => getPolicy(name), {
      until: (p) => p?.status?.numberOfAdapterPolicies === rules.length,
    });
  };

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
    await converged('repair', [rule('dnsManipulation'), rule('denyExternalNetworkAccess')]);
    const edited = await netpol('repair-dnsmanipulation');
    if (!edited?.spec) throw new Error('repair-dnsmanipulation is missing');
    // Besides fields the adapter set, the edit adds one it never sets: a pod selector condition no pod meets, which
    // would leave the policy applied to nothing. The SDK replaces an engine object's whole content, so that goes too.
    await client.replace<StoredNetworkPolicy>(NETWORK_POLICIES, {
      ...edited,
      spec: {
        ...edited.spec,
        podSelector: {
          ...edited.spec.podSelector,
          matchExpressions: [{ key: 'example.com/no-such-label', operator: 'Exists' }],
        } as StoredNetworkPolicy['spec']['podSelector'],
        policyTypes: ['Ingress'],
        egress: [],
      },
    });
    await pollUntil('the edit to be undone', 30_000, async () => {
      const spec = (await netpol('repair-dnsmanipulation'))?.spec;
      return spec?.policyTypes?.includes('Egress') === true && !('matchExpressions' in spec.podSelector);
    });
    const before = await netpol('repair-denyexternalnetworkaccess');
    await client.delete(NETWORK_POLICIES, { namespace: ns.name, name: 'repair-denyexternalnetworkaccess' });
    await pollUntil('the deleted NetworkPolicy to come back', 30_000, async () => {
      const now = await netpol('repair-denyexternalnetworkaccess');
      return now !== undefined && now.metadata?.uid !== before?.metadata?.uid;
    });
  });

  it('follows the nodes: a new node pod CIDR joins the policies', async () => {
    await converged('nodes', [rule('dnsManipulation')]);
    const cidrs = async () => JSON.stringify((await netpol('nodes-dnsmanipulation'))?.spec);
    await client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: extraNode },
      spec: { podCIDR: '10.245.7.0/24' },
    });
    try {
      await pollUntil('the new CIDR', 30_000, async () => (await cidrs()).includes('10.245.7.0/24'));
    } finally {
      // Gone, and seen to be gone, before another test builds a policy from the nodes.
      await client.delete(NODES, { name: extraNode });
      await pollUntil('the CIDR to leave', 30_000, async () => !(await cidrs()).includes('10.245.7.0/24'));
    }
  });

  it('deletes the NetworkPolicy of a rule removed from the policy and drops its status entries', async () => {
    await converged('shrink', [rule('dnsManipulation'), rule('denyExternalNetworkAccess')]);
    const np = await getPolicy('shrink');
    if (!np) throw new Error('policy shrink is missing');
    await client.replace(RESOURCES.NimbusPolicy, {
      ...np,
      spec: { ...np.spec, rules: [rule('denyExternalNetworkAccess')] },
    });
    await pollUntil(
      'the dnsManipulation NetworkPolicy to go',
      30_000,
      async () => !(await netpol('shrink-dnsmanipulation')),
    );
    await pollUntil('the status entries to follow', 30_000, async () => {
      const status = (await getPolicy('shrink'))?.status;
      return status?.numberOfAdapterPolicies === 1 && status.enforcement?.length === 1;
    });
    expect((await getPolicy('shrink'))?.status?.adapterPolicies).toEqual([
      'NetworkPolicy/shrink-denyexternalnetworkaccess',
    ]);
  });

  it('leaves alone policies that no existing binding owns', async () => {
    await policy('loose', [rule('dnsManipulation')]);
    await policy('stale-owner', [rule('dnsManipulation')], {
      name: 'gone',
      uid: '00000000-0000-4000-8000-000000000000',
    });
    // A bound policy created alongside converges: the adapter is at work.
    await boundPolicy('bound', [rule('dnsManipulation')]);
    await pollUntil(
      'the bound policy',
      30_000,
      async () => (await netpol('bound-dnsmanipulation')) !== undefined,
    );
    // The adapter says when it passes over a policy; stale-owner may instead be gone already (the garbage collector
    // removes it once it has discovered the NimbusPolicy resource), and then there is nothing to pass over.
    await pollUntil(
      'the adapter to pass over the two unowned policies',
      30_000,
      async () => ignored('loose') && (ignored('stale-owner') || !(await getPolicy('stale-owner'))),
    );
    expect(await netpol('loose-dnsmanipulation')).toBeUndefined();
    expect(await netpol('stale-owner-dnsmanipulation')).toBeUndefined();
    expect((await getPolicy('loose'))?.status).toBeUndefined();
  });

  it('keeps other adapters’ status entries, and a restart writes nothing', async () => {
    await converged('later', [rule('dnsManipulation')]);
    // Another adapter's entries arrive, and this adapter's own are lost on the way: the adapter must put its own
    // back, and it can only do that from the status it read, so the result shows whether it kept the others.
    await client.patchStatus(
      RESOURCES.NimbusPolicy,
      { namespace: ns.name, name: 'later' },
      {
        status: {
          adapterPolicies: ['KubeArmorPolicy/later-dnsmanipulation'],
          numberOfAdapterPolicies: 1,
          enforcement: [{ ruleId: 'dnsManipulation', adapters: ['kubearmor'] }],
        },
      },
    );
    const expected = {
      adapterPolicies: ['KubeArmorPolicy/later-dnsmanipulation', 'NetworkPolicy/later-dnsmanipulation'],
      numberOfAdapterPolicies: 2,
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['kubearmor', 'netpol'] }],
    };
    await pollUntil('the adapter to restore its own entries', 30_000, () => getPolicy('later'), {
      until: (p) => p?.status?.numberOfAdapterPolicies === 2,
    });
    expect((await getPolicy('later'))?.status).toMatchObject(expected);

    // Settled: neither the API server's write count nor the adapter's reconcile count moves.
    const progress = async () => ({
      writes: await apiWrites(env.kubeConfig, WATCHED_GROUPS),
      reconciles: adapter.reconciles.success,
    });
    const { writes } = await pollUntilSteady('the adapter to settle', 60_000, progress);
    await adapter.stop();
    adapter = await start();
    // The restarted adapter lists every policy and reconciles each once; settled again, that pass is over.
    await pollUntil('the restarted adapter to reconcile', 30_000, () => adapter.reconciles.success > 0);
    await pollUntilSteady('the restarted adapter to settle', 60_000, progress);
    expect(await apiWrites(env.kubeConfig, WATCHED_GROUPS)).toBe(writes);
    expect((await getPolicy('later'))?.status?.adapterPolicies).toHaveLength(2);
  });
});
