import type { KubernetesObject } from '@kubernetes/client-node';
import {
  KUBEARMOR_POLICIES,
  type KubeArmorPolicy,
  kubearmorAdapter,
  kubearmorCrdDirectory,
} from '@nimbus-ts/adapter-kubearmor';
import { type Adapter, createAdapter } from '@nimbus-ts/adapter-sdk';
import {
  adapterLeaseName,
  announcementMetadata,
  type ClusterSecurityIntentBinding,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createOperator, type Operator } from '@nimbus-ts/core-operator';
import { createLogger, LEASES, LeaderElector, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Rendering, StatusReport } from '../../src/index.js';
import { run } from '../helpers.js';

// `nimbus status` against a real API server with the core operator and the KubeArmor adapter running: first
// everything converges and the CLI reports it healthy (exit 0), and `nimbus render` of the same manifests
// matches what was made; then the adapter stops, an engine policy it would have repaired is deleted, and the
// CLI reports both (exit 3).

const API = 'intent.security.nimbus.com/v1alpha1';

describe('nimbus status on a real control plane', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'cli-status-test');
  const logger = createLogger('cli-status-test', { level: 'warn' });
  const suffix = Math.random().toString(36).slice(2, 7);
  const intentNames = { dns: `dns-${suffix}`, escape: `escape-${suffix}` };
  const csibName = `cluster-dns-${suffix}`;
  let ns: TestNamespace;
  let operator: Operator;
  let adapter: Adapter;
  let announcement: LeaderElector;
  const intent = (name: string, id: string, description: string): SecurityIntent => ({
    apiVersion: API,
    kind: 'SecurityIntent',
    metadata: { name },
    spec: { intent: { id, description, action: 'Block' } },
  });
  const intents = [
    intent(intentNames.dns, 'dnsManipulation', 'resolv.conf stays as it is'),
    intent(intentNames.escape, 'escapeToHost', 'stay in the container'),
  ];
  const binding: SecurityIntentBinding = {
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web' },
    spec: {
      intents: intents.map((si) => ({ name: si.metadata.name ?? '' })),
      selector: { workloadSelector: { matchLabels: { app: 'web' } } },
    },
  };
  const lease = () => ({ namespace: ns.name, name: adapterLeaseName('kubearmor') });

  const status = async (...extra: string[]) => {
    const result = await run([
      'status',
      '-n',
      ns.name,
      '-o',
      'json',
      '--kubeconfig',
      env.kubeconfigPath,
      ...extra,
    ]);
    return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as StatusReport) : undefined };
  };
  const policy = () => admin.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'web' });
  const condition = async (type: string) =>
    (await policy())?.status?.conditions?.find((c) => c.type === type);
  /** Starts the adapter and announces it on a Lease as runAdapter does, so the operator counts it as running. */
  const startAdapter = async () => {
    announcement = new LeaderElector(new ObjectClient(env.kubeConfig, 'nimbus-kubearmor'), {
      ...lease(),
      identity: `cli-test-${suffix}`,
      leaseDurationMs: 600_000,
      metadata: announcementMetadata('kubearmor', kubearmorAdapter.intents),
      logger,
    });
    expect(await announcement.tryAcquireOrRenew()).toBe(true);
    adapter = createAdapter(env.kubeConfig, kubearmorAdapter, { logger });
    await adapter.start();
  };
  /** Healthy with both bindings: the cluster binding is in this namespace's scope only once its fan-out exists. */
  const converged = () =>
    pollUntil('nimbus status to report both bindings healthy', 60_000, async () => {
      const { code, report } = await status();
      // Converged means the adapter has also written its enforcement entries, not only that nothing is unhealthy.
      // Both bindings' policies count: the fan-out NimbusPolicy of the cluster binding is written (and enforced)
      // after the namespaced one, so waiting on the first alone let the test read the second half-done.
      const rules = report?.bindings[0]?.policies[0]?.rules ?? [];
      const objects = report?.bindings[0]?.policies[0]?.adapters[0]?.objects ?? [];
      const fanOutObjects = report?.bindings[1]?.policies[1]?.adapters[0]?.objects ?? [];
      return (
        code === 0 &&
        report?.bindings.length === 2 &&
        rules.length === 2 &&
        rules.every((r) => r.adapters.length > 0) &&
        objects.every((o) => o.state === 'present') &&
        fanOutObjects.length > 0 &&
        fanOutObjects.every((o) => o.state === 'present')
      );
    });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), kubearmorCrdDirectory()]);
    ns = await env.namespace('cli-status');
    operator = createOperator(env.kubeConfig, { logger });
    await operator.start();
    await startAdapter();

    for (const si of intents) await admin.create(RESOURCES.SecurityIntent, si);
    await admin.create(RESOURCES.SecurityIntentBinding, {
      ...binding,
      metadata: { ...binding.metadata, namespace: ns.name },
    });
    await admin.create<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name: csibName },
      spec: {
        intents: [{ name: intentNames.dns }],
        selector: { nsSelector: { matchNames: [ns.name] }, workloadSelector: { matchLabels: { app: 'db' } } },
      },
    });
  });

  afterAll(async () => {
    await adapter?.stop();
    await operator?.stop();
    await admin.delete(RESOURCES.ClusterSecurityIntentBinding, { name: csibName });
    await ns?.delete({ wait: true });
    for (const name of Object.values(intentNames)) await admin.delete(RESOURCES.SecurityIntent, { name });
  });

  it('reports every binding healthy once the operator and the adapter have converged (exit 0)', async () => {
    await converged();
    const { code, report, stderr } = await status();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report?.namespace).toBe(ns.name);
    expect(report?.healthy).toBe(true);
    expect(report?.bindings.map((b) => `${b.kind} ${b.namespace ?? ''}/${b.name}`)).toEqual([
      `SecurityIntentBinding ${ns.name}/web`,
      `ClusterSecurityIntentBinding /${csibName}`,
    ]);

    const [sib, csib] = report?.bindings ?? [];
    expect(sib?.intents).toEqual([
      { name: intentNames.dns, found: true, id: 'dnsManipulation', action: 'Block', problems: [] },
      { name: intentNames.escape, found: true, id: 'escapeToHost', action: 'Block', problems: [] },
    ]);
    expect(sib?.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', stale: false });
    const np = sib?.policies[0];
    expect(np).toMatchObject({
      kind: 'NimbusPolicy',
      namespace: ns.name,
      name: 'web',
      found: true,
      problems: [],
    });
    expect(np?.conditions.find((c) => c.type === 'Enforced')).toMatchObject({
      status: 'True',
      reason: 'AdaptersRunning',
    });
    expect(np?.rules).toEqual([
      { id: 'dnsManipulation', adapters: ['kubearmor'] },
      { id: 'escapeToHost', adapters: ['kubearmor'] },
    ]);
    expect(np?.adapters.map((a) => [a.name, a.condition?.type, a.condition?.status])).toEqual([
      ['kubearmor', 'nimbus-kubearmor/Ready', 'True'],
    ]);
    expect(np?.adapters[0]?.objects.map((o) => `${o.entry} ${o.state}`)).toEqual([
      'KubeArmorPolicy/web-dnsmanipulation present',
      'KubeArmorPolicy/web-escapetohost-disallowchroot present',
      'KubeArmorPolicy/web-escapetohost-disallowcapabilities present',
      'KubeArmorPolicy/web-escapetohost-swdeploymenttools present',
    ]);

    // The cluster binding: its ClusterNimbusPolicy, and the fan-out NimbusPolicy in this namespace only.
    expect(csib?.policies.map((p) => `${p.kind} ${p.namespace ?? ''}/${p.name}`)).toEqual([
      `ClusterNimbusPolicy /${csibName}`,
      `NimbusPolicy ${ns.name}/nimbus-ctlr-gen-${csibName}`,
    ]);
    expect(csib?.policies[1]?.adapters[0]?.objects.map((o) => o.entry)).toEqual([
      `KubeArmorPolicy/nimbus-ctlr-gen-${csibName}-dnsmanipulation`,
    ]);

    // The same as a tree, the way a person reads it (not a terminal here, so plain ASCII).
    const tree = await run(['status', '-n', ns.name], { env: { KUBECONFIG: env.kubeconfigPath } });
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain(`ok SecurityIntentBinding ${ns.name}/web\n`);
    expect(tree.stdout).toContain('   `- ok adapter kubearmor  nimbus-kubearmor/Ready=True Applied');
    expect(tree.stdout).toContain(`      |- ok KubeArmorPolicy ${ns.name}/web-dnsmanipulation\n`);
    expect(tree.stdout).toContain(`2 binding(s) in namespace ${ns.name}: 2 healthy, 0 degraded`);
  });

  it('renders offline exactly the NimbusPolicy and KubeArmorPolicies the operator and the adapter made', async () => {
    await converged();
    const rendered = await run(
      ['render', '-f', '-', '-n', ns.name, '--adapter', 'kubearmor', '-o', 'rendering'],
      {
        stdin: [...intents, binding].map((o) => stringify(o)).join('---\n'),
      },
    );
    expect(rendered.code).toBe(0);
    const [offline] = (JSON.parse(rendered.stdout) as Rendering).policies;
    const live = await policy();
    expect(offline?.policy.spec).toEqual(live?.spec);
    expect(offline?.policy.metadata.ownerReferences?.map(({ uid: _, ...ref }) => ref)).toEqual(
      live?.metadata.ownerReferences?.map(({ uid: _, ...ref }) => ref),
    );
    expect(offline?.objects).toHaveLength(4);
    for (const { object } of offline?.objects ?? []) {
      const made = await admin.get<KubeArmorPolicy & KubernetesObject>(KUBEARMOR_POLICIES, {
        namespace: ns.name,
        name: object.metadata?.name ?? '',
      });
      expect(made?.spec, object.metadata?.name).toEqual((object as { spec?: unknown }).spec);
      expect(made?.metadata?.annotations).toMatchObject(object.metadata?.annotations ?? {});
      expect(made?.metadata?.ownerReferences?.map(({ uid: _, ...ref }) => ref)).toEqual(
        object.metadata?.ownerReferences?.map(({ uid: _, ...ref }) => ref),
      );
    }
  });

  it('reports a stopped adapter and an engine policy nobody repairs any more (exit 3)', async () => {
    await converged();
    try {
      await stoppedAdapterIsReported();
    } finally {
      // Running again for the other tests, whatever happened here; it re-creates the deleted engine policy.
      await adapter.stop();
      await startAdapter();
    }
  });

  /** Stops the adapter, deletes an engine policy it made, and checks what `nimbus status` says. */
  async function stoppedAdapterIsReported() {
    // A stopped adapter's Lease is released or expires; deleting it is the quickest way to the same state.
    await adapter.stop();
    await admin.delete(LEASES, lease());
    await pollUntil(
      'the operator to notice the adapter stopped',
      60_000,
      async () => (await condition('Enforced'))?.status === 'False',
    );
    await admin.delete(KUBEARMOR_POLICIES, { namespace: ns.name, name: 'web-escapetohost-disallowchroot' });

    const { code, report } = await status();
    expect(code).toBe(3);
    expect(report?.healthy).toBe(false);
    const np = report?.bindings[0]?.policies[0];
    expect(np?.problems).toEqual([
      expect.stringMatching(
        /^Enforced is False \(NoRunningAdapter\): no running adapter enforces dnsManipulation \(deploy an adapter for kubearmor( or netpol)?\)/,
      ),
    ]);
    // The adapter's last report is still there; the object it listed is gone.
    expect(np?.adapters[0]?.condition).toMatchObject({ type: 'nimbus-kubearmor/Ready', status: 'True' });
    expect(np?.adapters[0]?.objects.map((o) => `${o.name} ${o.state}`)).toEqual([
      'web-dnsmanipulation present',
      'web-escapetohost-disallowchroot missing',
      'web-escapetohost-disallowcapabilities present',
      'web-escapetohost-swdeploymenttools present',
    ]);
    expect(np?.adapters[0]?.problems).toEqual([
      `KubeArmorPolicy ${ns.name}/web-escapetohost-disallowchroot is listed in the policy status but does not exist`,
    ]);

    const yaml = await run(['status', '-n', ns.name, '-o', 'yaml', '--kubeconfig', env.kubeconfigPath]);
    expect(yaml.code).toBe(3);
    expect(yaml.stdout).toContain('state: missing');
    const tree = await run(['status', '-A', '--kubeconfig', env.kubeconfigPath]);
    expect(tree.code).toBe(3);
    expect(tree.stdout).toContain(`FAIL KubeArmorPolicy ${ns.name}/web-escapetohost-disallowchroot missing`);
    expect(tree.stdout).toContain('FAIL Enforced=False NoRunningAdapter');
  }
});
