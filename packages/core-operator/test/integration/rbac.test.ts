import { fileURLToPath } from 'node:url';
import type { CoreV1Event } from '@kubernetes/client-node';
import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { EVENTS, LeaderElector, ObjectClient, PODS } from '@nimbus-ts/k8s';
import {
  abortable,
  checkLeastPrivilege,
  parseManifests,
  pollUntil,
  type ScenarioContext,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutPolicyName } from '../../src/build/cluster-binding.js';
import { createOperator } from '../../src/operator.js';

// The shipped RBAC of deploy/core-operator, proven on the RBAC-enforcing control plane (with
// OwnerReferencesPermissionEnforcement on): the operator does everything it does with exactly those rules and no 403,
// and without any one of them it fails.

const API = 'intent.security.nimbus.com/v1alpha1';
const DEPLOY = fileURLToPath(new URL('../../../../deploy/core-operator', import.meta.url));

describe('the core operator’s RBAC (deploy/core-operator)', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'rbac-test');
  const namespaces: TestNamespace[] = [];
  let home: TestNamespace;

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    home = await env.namespace('rbac-operator');
    namespaces.push(home);
  });
  afterAll(async () => {
    for (const ns of namespaces) await ns.delete();
  });

  // Everything the operator does: leader election, every cache, SI/SIB/CSIB status, a CEL binding over pods, a
  // cluster binding with its fan-out, the owner references, Events, deleting a policy nobody wants, and creating it
  // again (a repeated Event, whose count the operator raises).
  const scenario = async ({ kubeConfig, logger, run, namespace, signal }: ScenarioContext) => {
    const wait = (what: string, check: () => Promise<boolean>) => pollUntil(what, 20_000, check, { signal });
    const id = `r${run}-${Math.random().toString(36).slice(2, 6)}`;
    const ns = await env.namespace(`rbac-op-${run}`);
    namespaces.push(ns);
    const elector = new LeaderElector(new ObjectClient(kubeConfig, 'nimbus-core-operator'), {
      namespace,
      name: `nimbus-core-operator-${id}`,
      identity: id,
      logger,
    });
    if (!(await elector.tryAcquireOrRenew())) throw new Error('could not take the leader Lease');
    const operator = createOperator(kubeConfig, { logger, identity: id });
    try {
      await abortable(operator.start(), signal, 'the operator to start');
      await admin.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: ns.name, labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'registry.example/web:1' }] },
      });
      await admin.create<SecurityIntent>(RESOURCES.SecurityIntent, {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name: `dns-${id}` },
        spec: { intent: { id: 'dnsManipulation', action: 'Block' } },
      } as SecurityIntent);
      await admin.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
        apiVersion: API,
        kind: 'SecurityIntentBinding',
        metadata: { name: 'web', namespace: ns.name },
        spec: { intents: [{ name: `dns-${id}` }], selector: {}, cel: ['labels["app"] == "web"'] },
      });
      await admin.create<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
        apiVersion: API,
        kind: 'ClusterSecurityIntentBinding',
        metadata: { name: `all-${id}` },
        spec: { intents: [{ name: `dns-${id}` }], selector: { nsSelector: { matchNames: [ns.name] } } },
      } as ClusterSecurityIntentBinding);

      const np = (name: string) =>
        admin.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
      await wait('the policies and every status', async () => {
        const [policy, fanOut, cluster, sib, csib, si] = await Promise.all([
          np('web'),
          np(fanOutPolicyName(`all-${id}`)),
          admin.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name: `all-${id}` }),
          admin.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
            namespace: ns.name,
            name: 'web',
          }),
          admin.get<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
            name: `all-${id}`,
          }),
          admin.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: `dns-${id}` }),
        ]);
        return (
          policy?.spec.selector.matchLabels?.app === 'web' &&
          policy.status?.status === 'Created' &&
          policy.status.conditions?.some((c) => c.type === 'Enforced') === true &&
          fanOut?.status?.status === 'Created' &&
          cluster?.status?.status === 'Created' &&
          sib?.status?.status === 'Created' &&
          csib?.status?.status === 'Created' &&
          si?.status?.status === 'Created'
        );
      });
      await wait('an Event about the binding', async () => {
        const res = await env.runKubectl(['get', 'events', '-n', ns.name, '-o', 'name']);
        return res.trim().length > 0;
      });
      // A binding whose intents are all gone has no policy: the operator deletes it.
      const sib = await admin.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
        namespace: ns.name,
        name: 'web',
      });
      if (!sib) throw new Error('binding web vanished');
      await admin.replace(RESOURCES.SecurityIntentBinding, {
        ...sib,
        spec: { ...sib.spec, intents: [{ name: 'missing' }] },
      });
      await wait('the unwanted policy to be deleted', async () => (await np('web')) === undefined);
      // Its intents back: the policy is created again, which repeats the first PolicyCreated Event (count 2).
      const unwanted = await admin.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
        namespace: ns.name,
        name: 'web',
      });
      if (!unwanted) throw new Error('binding web vanished');
      // The operator writes the binding's status meanwhile: createOrUpdate retries on the conflict.
      await admin.createOrUpdate(
        RESOURCES.SecurityIntentBinding,
        { ...unwanted, spec: { ...unwanted.spec, intents: [{ name: `dns-${id}` }] } },
        unwanted,
      );
      await wait('the PolicyCreated Event of binding web to count 2', async () =>
        (await admin.list<CoreV1Event>(EVENTS, ns.name)).some(
          (e) =>
            e.involvedObject.uid === unwanted.metadata?.uid &&
            e.reason === 'PolicyCreated' &&
            (e.count ?? 0) >= 2,
        ),
      );
      if (operator.reconciles.error > 0) throw new Error(`${operator.reconciles.error} reconciles failed`);
    } finally {
      await operator.stop();
      await elector.stop();
      await admin.delete(RESOURCES.ClusterSecurityIntentBinding, { name: `all-${id}` });
      await admin.delete(RESOURCES.SecurityIntent, { name: `dns-${id}` });
    }
  };

  it('is enough for everything the operator does, and every rule is needed', async () => {
    const manifests = parseManifests(await env.runKubectl(['kustomize', DEPLOY]));
    const report = await checkLeastPrivilege({
      kubeConfig: env.kubeConfig,
      addUser: env.addUser,
      manifests,
      serviceAccount: 'nimbus-core-operator',
      namespace: home.name,
      scenario,
      timeoutMs: 45_000,
    });
    expect(report.withAllRules).toEqual({ ok: true });
    expect(report.withoutRule.length).toBeGreaterThanOrEqual(8);
    const notNeeded = report.withoutRule.filter((r) => r.outcome.ok).map((r) => r.rule);
    expect(notNeeded).toEqual([]);
  });
});
