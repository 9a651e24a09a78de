import { fileURLToPath } from 'node:url';
import {
  KUBEARMOR_POLICIES,
  type KubeArmorPolicy,
  kubearmorCrdDirectory,
} from '@nimbus-ts/adapter-kubearmor';
import {
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createOperator, type Operator } from '@nimbus-ts/core-operator';
import { NETWORK_POLICIES } from '@nimbus-ts/example-adapter-netpol';
import { createLogger, ObjectClient } from '@nimbus-ts/k8s';
import {
  apiWrites,
  type ComponentProcess,
  pollUntil,
  pollUntilSteady,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The whole chain on a real control plane: the core operator in this process, and both adapters as the real
// processes they are deployed as (their dist/main.js), writing to the same NimbusPolicy statuses at once.

/** A KubeArmorPolicy as stored: with the metadata the SDK and the API server add. */
type StoredPolicy = KubeArmorPolicy & {
  metadata: {
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
};

const API = 'intent.security.nimbus.com/v1alpha1';
const KUBEARMOR_MAIN = fileURLToPath(
  new URL('../../../packages/adapter-kubearmor/dist/main.js', import.meta.url),
);
const NETPOL_MAIN = fileURLToPath(new URL('../../../examples/adapter-netpol/dist/main.js', import.meta.url));
// Writes that count for "nothing changed": engine policies and Nimbus objects (Leases and Events do not).
const WATCHED_GROUPS = ['security.kubearmor.com', 'networking.k8s.io', 'intent.security.nimbus.com'];

describe('the core operator with the KubeArmor and netpol adapters', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const si = (name: string) => `${name}-${suffix}`;
  const intentNames: string[] = [];
  const processes: ComponentProcess[] = [];
  let ns: TestNamespace;
  let operator: Operator;
  let kubearmor: ComponentProcess;
  let netpol: ComponentProcess;

  const startAdapter = (main: string) => {
    const adapter = startComponentProcess(main, [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--lease-namespace=${ns.name}`,
      `--identity=test-${suffix}`,
      '--metrics-port=0',
      '--probe-port=0',
      // Debug: the adapters log the policies they pass over, which is how a test sees them decide.
      '--log-level=debug',
    ]);
    processes.push(adapter);
    return adapter;
  };
  const started = (adapter: ComponentProcess) =>
    pollUntil('the adapter to start', 60_000, () =>
      adapter.logs.some((l) => l.message === 'controllers started'),
    );
  const intent = (name: string, id: string, action: string, extra: Record<string, unknown> = {}) => {
    intentNames.push(si(name));
    return client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: si(name) },
      spec: { intent: { id, action, ...extra } },
    } as SecurityIntent);
  };
  const bind = (name: string, intents: string[]) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name },
      spec: {
        intents: intents.map((n) => ({ name: si(n) })),
        selector: { workloadSelector: { matchLabels: { app: name } } },
      },
    });
  /** A binding of intents of its own (`<binding>-<key>`), once both adapters have reported `engineObjects`. */
  const converged = async (
    binding: string,
    intents: [key: string, id: string, action: string][],
    engineObjects: number,
  ) => {
    for (const [key, id, action] of intents) await intent(`${binding}-${key}`, id, action);
    await bind(
      binding,
      intents.map(([key]) => `${binding}-${key}`),
    );
    await pollUntil(`both adapters to report on ${binding}`, 60_000, () => policy(binding), {
      until: (np) => np?.status?.numberOfAdapterPolicies === engineObjects,
    });
  };
  const policy = (name: string) =>
    client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
  const ksp = (name: string) => client.get<StoredPolicy>(KUBEARMOR_POLICIES, { namespace: ns.name, name });
  const networkPolicy = (name: string) => client.get(NETWORK_POLICIES, { namespace: ns.name, name });
  const condition = async (name: string, type: string) =>
    (await policy(name))?.status?.conditions?.find((c) => c.type === type);
  /** Successful reconciles an adapter process has counted, from its own /metrics. */
  const reconciled = async (adapter: ComponentProcess) => {
    const text = await (await fetch(`http://127.0.0.1:${adapter.metricsPort}/metrics`)).text();
    return [...text.matchAll(/_reconcile_total\{[^}]*outcome="success"[^}]*\} (\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
  /** Settled: neither the API server's write count nor any component's reconcile count moves. */
  const settled = () =>
    pollUntilSteady('everything to settle', 60_000, async () => ({
      writes: await apiWrites(env.kubeConfig, WATCHED_GROUPS),
      operator: operator.reconciles.success,
      kubearmor: await reconciled(kubearmor),
      netpol: await reconciled(netpol),
    }));
  const passedOver = (adapter: ComponentProcess, name: string) =>
    adapter.logs.some(
      (l) =>
        l.message === 'ignoring the policy: no existing binding owns it' &&
        l.policy === `NimbusPolicy ${ns.name}/${name}`,
    );

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), kubearmorCrdDirectory()]);
    ns = await env.namespace('adapters');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
    kubearmor = startAdapter(KUBEARMOR_MAIN);
    netpol = startAdapter(NETPOL_MAIN);
    await Promise.all([started(kubearmor), started(netpol)]);
  });
  afterAll(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    await operator?.stop();
    await ns?.delete({ wait: true });
    for (const name of intentNames) await client.delete(RESOURCES.SecurityIntent, { name });
  });

  it('turns SecurityIntents and a binding into KubeArmorPolicies and NetworkPolicies, listed in one status', async () => {
    await intent('dns', 'dnsManipulation', 'Block', {
      description: 'keep resolv.conf',
      severity: 'High',
      tags: ['MITRE-T1565'],
    });
    await intent('pkg', 'pkgMgrs', 'Audit');
    await intent('escape', 'escapeToHost', 'Enforce');
    await intent('deny', 'denyExternalNetworkAccess', 'Block');
    await intent('coco', 'cocoWorkload', 'Block');
    await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        intents: ['dns', 'pkg', 'escape', 'deny', 'coco'].map((n) => ({ name: si(n) })),
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });
    await pollUntil(
      'both adapters to report',
      60_000,
      async () => (await policy('web'))?.status?.numberOfAdapterPolicies === 7,
    );
    const np = await policy('web');
    expect(await ksp('web-dnsmanipulation')).toMatchObject({
      metadata: {
        annotations: { 'app.kubernetes.io/managed-by': 'nimbus-kubearmor' },
        ownerReferences: [{ kind: 'NimbusPolicy', name: 'web', uid: np?.metadata.uid, controller: true }],
      },
    });
    expect((await ksp('web-dnsmanipulation'))?.spec).toEqual({
      selector: { matchLabels: { app: 'web' } },
      message: 'keep resolv.conf',
      action: 'Block',
      severity: 7,
      tags: ['MITRE-T1565'],
      file: { matchPaths: [{ path: '/etc/resolv.conf', readOnly: true }] },
      process: {},
      network: {},
      capabilities: {},
      syscalls: {},
    });
    const pkg = await ksp('web-swdeploymenttools');
    expect(pkg?.spec.action).toBe('Audit');
    expect(pkg?.spec.process?.matchPaths).toHaveLength(37);
    const hostEscape = await ksp('web-escapetohost-disallowcapabilities');
    expect(hostEscape?.spec.action).toBe('Block');
    expect(hostEscape?.spec.capabilities?.matchCapabilities?.map((c) => c.capability)).toEqual([
      'sys_admin',
      'sys_ptrace',
      'sys_module',
      'dac_read_search',
      'dac_override',
    ]);

    const status = np?.status;
    expect([...(status?.adapterPolicies ?? [])].sort()).toEqual([
      'KubeArmorPolicy/web-dnsmanipulation',
      'KubeArmorPolicy/web-escapetohost-disallowcapabilities',
      'KubeArmorPolicy/web-escapetohost-disallowchroot',
      'KubeArmorPolicy/web-escapetohost-swdeploymenttools',
      'KubeArmorPolicy/web-swdeploymenttools',
      'NetworkPolicy/web-denyexternalnetworkaccess',
      'NetworkPolicy/web-dnsmanipulation',
    ]);
    const enforcement = Object.fromEntries(
      (status?.enforcement ?? []).map((e) => [e.ruleId, [...(e.adapters ?? [])].sort()]),
    );
    expect(enforcement).toEqual({
      dnsManipulation: ['kubearmor', 'netpol'],
      pkgMgrs: ['kubearmor'],
      escapeToHost: ['kubearmor'],
      denyExternalNetworkAccess: ['netpol'],
    });
    // No running adapter enforces cocoWorkload: the Enforced condition says so and names the engine.
    // The operator may judge the policy before it has seen both adapters' Leases: wait for the verdict with both.
    const enforced = await pollUntil('the Enforced condition', 30_000, () => condition('web', 'Enforced'), {
      until: (c) => c?.message?.includes('cocoWorkload') === true && !c.message.includes('dnsManipulation'),
    });
    expect(enforced).toMatchObject({ status: 'False', reason: 'NoRunningAdapter' });
    expect(enforced?.message).toContain('cocoWorkload (deploy an adapter for kyverno)');
    expect(enforced?.message).not.toContain('dnsManipulation');
    expect(await condition('web', 'nimbus-kubearmor/Ready')).toMatchObject({
      status: 'True',
      reason: 'Applied',
    });
    expect(await condition('web', 'nimbus-netpol/Ready')).toMatchObject({
      status: 'True',
      reason: 'Applied',
    });
  });

  it('follows a changed action, and repairs edited or deleted engine policies', async () => {
    await converged(
      'follow',
      [
        ['dns', 'dnsManipulation', 'Block'],
        ['pkg', 'pkgMgrs', 'Audit'],
        ['escape', 'escapeToHost', 'Block'],
      ],
      6,
    );
    const dns = await client.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: si('follow-dns') });
    if (!dns) throw new Error('intent follow-dns is missing');
    await client.replace(RESOURCES.SecurityIntent, {
      ...dns,
      spec: { intent: { ...dns.spec.intent, action: 'Audit' } },
    });
    await pollUntil(
      'the KubeArmorPolicy to audit',
      30_000,
      async () => (await ksp('follow-dnsmanipulation'))?.spec.action === 'Audit',
    );

    const edited = await ksp('follow-swdeploymenttools');
    if (!edited) throw new Error('follow-swdeploymenttools is missing');
    // The edit changes fields the adapter set and adds one it never sets: a selector condition no pod meets, which
    // would leave the policy enforced on nothing. A field the adapter never set survives a server-side apply; the
    // adapter's update replaces the whole content, so it goes too (docs/adr/0014-engine-objects-replaced-not-applied.md).
    await client.replace<StoredPolicy>(KUBEARMOR_POLICIES, {
      ...edited,
      spec: {
        ...edited.spec,
        action: 'Block',
        process: {},
        selector: {
          ...edited.spec.selector,
          matchExpressions: [{ key: 'label', operator: 'In', values: ['nimbus-ts-e2e=no-such-pod'] }],
        } as StoredPolicy['spec']['selector'],
      },
    });
    await pollUntil('the edit to be undone', 30_000, async () => {
      const now = await ksp('follow-swdeploymenttools');
      return (
        now?.spec.action === 'Audit' &&
        now.spec.process?.matchPaths?.length === 37 &&
        !('matchExpressions' in now.spec.selector)
      );
    });

    const before = await ksp('follow-escapetohost-disallowchroot');
    await client.delete(KUBEARMOR_POLICIES, {
      namespace: ns.name,
      name: 'follow-escapetohost-disallowchroot',
    });
    await pollUntil('the deleted policy to be re-created', 30_000, async () => {
      const now = await ksp('follow-escapetohost-disallowchroot');
      return now !== undefined && now.metadata?.uid !== before?.metadata?.uid;
    });
  });

  it('deletes the engine policies of an intent removed from the binding, and their status entries', async () => {
    await converged(
      'shrink',
      [
        ['dns', 'dnsManipulation', 'Block'],
        ['pkg', 'pkgMgrs', 'Audit'],
        ['escape', 'escapeToHost', 'Block'],
        ['deny', 'denyExternalNetworkAccess', 'Block'],
      ],
      7,
    );
    const sib = await client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      namespace: ns.name,
      name: 'shrink',
    });
    if (!sib) throw new Error('binding shrink is missing');
    await client.replace(RESOURCES.SecurityIntentBinding, {
      ...sib,
      spec: { ...sib.spec, intents: sib.spec.intents.filter((i) => i.name !== si('shrink-escape')) },
    });
    await pollUntil('the escapeToHost policies to go', 30_000, async () => {
      const gone = await Promise.all(
        ['disallowchroot', 'disallowcapabilities', 'swdeploymenttools'].map(
          async (sub) => (await ksp(`shrink-escapetohost-${sub}`)) === undefined,
        ),
      );
      return gone.every(Boolean);
    });
    await pollUntil(
      'the status to follow',
      30_000,
      async () => (await policy('shrink'))?.status?.numberOfAdapterPolicies === 4,
    );
    const status = (await policy('shrink'))?.status;
    expect(status?.adapterPolicies?.some((e) => e.includes('escapetohost'))).toBe(false);
    expect(status?.enforcement?.some((e) => e.ruleId === 'escapeToHost')).toBe(false);
  });

  it('restarting an adapter writes nothing and duplicates no entry; a stopped adapter shows in Enforced', async () => {
    await converged(
      'restart',
      [
        ['dns', 'dnsManipulation', 'Block'],
        ['pkg', 'pkgMgrs', 'Audit'],
        ['deny', 'denyExternalNetworkAccess', 'Block'],
      ],
      4,
    );
    const { writes } = await settled();
    // A crash, not a shutdown: the Lease stays held, so the operator's Enforced condition does not change and
    // every write counted below would be the adapter's. The new process has the same identity and renews it.
    await kubearmor.stop('SIGKILL');
    kubearmor = startAdapter(KUBEARMOR_MAIN);
    await started(kubearmor);
    // The restarted adapter lists every policy and reconciles each; once everything has settled, that pass is over.
    const restarted = kubearmor;
    await pollUntil(
      'the restarted adapter to reconcile',
      30_000,
      async () => (await reconciled(restarted)) > 0,
    );
    await settled();
    // The restarted adapter did reconcile (so zero writes means "nothing to change", not "nothing done"),
    // as its own /metrics and /readyz say.
    const metrics = await (await fetch(`http://127.0.0.1:${kubearmor.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /nimbus_kubearmor_reconcile_total\{controller="kubearmor\/nimbuspolicy",outcome="success"\} [1-9]/,
    );
    expect((await fetch(`http://127.0.0.1:${kubearmor.probePort}/readyz`)).status).toBe(200);
    const steadyStateWrites = (await apiWrites(env.kubeConfig, WATCHED_GROUPS)) - writes;
    console.log(`steady-state writes across an adapter restart: ${steadyStateWrites}`);
    expect(steadyStateWrites).toBe(0);
    const status = (await policy('restart'))?.status;
    expect(status?.adapterPolicies).toHaveLength(4);
    expect(new Set(status?.adapterPolicies).size).toBe(4);

    // The netpol adapter stops and releases its Lease: its rules lose their running adapter.
    expect(await netpol.stop()).toBe(0);
    try {
      await pollUntil('Enforced to name denyExternalNetworkAccess', 30_000, async () =>
        ((await condition('restart', 'Enforced'))?.message ?? '').includes('denyExternalNetworkAccess'),
      );
      expect((await condition('restart', 'Enforced'))?.message).not.toContain('dnsManipulation (');
    } finally {
      // Back for the other tests, whatever happened here.
      netpol = startAdapter(NETPOL_MAIN);
      await started(netpol);
    }
    await pollUntil(
      'Enforced to drop it again',
      30_000,
      async () =>
        !((await condition('restart', 'Enforced'))?.message ?? '').includes('denyExternalNetworkAccess'),
    );
  });

  it('ignores a NimbusPolicy no binding owns', async () => {
    await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: { name: 'handmade', namespace: ns.name },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
      },
    });
    // Each adapter says when it passes over a policy: only then is "nothing was built" a finding.
    await pollUntil('both adapters to pass over the policy', 30_000, () =>
      [kubearmor, netpol].every((adapter) => passedOver(adapter, 'handmade')),
    );
    expect(await ksp('handmade-dnsmanipulation')).toBeUndefined();
    expect(await networkPolicy('handmade-dnsmanipulation')).toBeUndefined();
  });

  it('leaves deleting everything to the garbage collector when the binding goes', async () => {
    await converged(
      'collected',
      [
        ['dns', 'dnsManipulation', 'Block'],
        ['deny', 'denyExternalNetworkAccess', 'Block'],
      ],
      3,
    );
    await client.delete(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name: 'collected' });
    await pollUntil(
      'the garbage collector to remove the policy and the engine policies',
      120_000,
      async () =>
        (await policy('collected')) === undefined &&
        (await ksp('collected-dnsmanipulation')) === undefined &&
        (await networkPolicy('collected-denyexternalnetworkaccess')) === undefined,
    );
  });
});
