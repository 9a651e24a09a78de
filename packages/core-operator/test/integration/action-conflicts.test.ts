import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createLogger, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator.js';

const API = 'intent.security.nimbus.com/v1alpha1';

// Issue 15: the same intent ID twice in one binding, Audit then Block, quietly enforced Audit.
describe('one intent ID asked for with different actions', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const audit = `audit-pkg-${suffix}`;
  const block = `block-pkg-${suffix}`;
  let ns: TestNamespace;
  let operator: Operator;

  const intent = (name: string, action: 'Audit' | 'Block') =>
    client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name },
      spec: { intent: { id: 'swDeploymentTools', action } },
    });
  const binding = () =>
    client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name: 'pkg' });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('actions');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await ns?.delete({ wait: true });
    await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name: `pkg-${suffix}` });
    for (const name of [audit, block]) await client.delete(RESOURCES.SecurityIntent, { name });
  });

  it('enforces the stricter action in one rule, says so, and withdraws the condition once resolved', async () => {
    await intent(audit, 'Audit');
    await intent(block, 'Block');
    await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'pkg', namespace: ns.name },
      spec: {
        intents: [{ name: audit }, { name: block }],
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });
    const np = await pollUntil(
      'the NimbusPolicy',
      30_000,
      () => client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'pkg' }),
      { until: (p) => p !== undefined },
    );
    expect(np?.spec.rules).toHaveLength(1);
    expect(np?.spec.rules[0]).toMatchObject({ id: 'swDeploymentTools', rule: { action: 'Block' } });
    const conflict = await pollUntil('the ActionsConsistent condition', 30_000, async () =>
      (await binding())?.status?.conditions?.find((c) => c.type === 'ActionsConsistent'),
    );
    expect(conflict).toMatchObject({ status: 'False', reason: 'ConflictingActions' });
    expect(conflict?.message).toContain(`SecurityIntent ${audit} (Audit)`);
    expect(conflict?.message).toContain(`SecurityIntent ${block} (Block)`);
    expect(conflict?.message).toContain(`enforces the stricter Block, from ${block}`);
    const status = (await binding())?.status;
    expect(status?.numberOfBoundIntents).toBe(2);
    expect(status?.boundIntents).toEqual([audit, block]);

    // The Audit intent becomes Block: nothing conflicts any more, and the condition goes.
    const live = (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, {
      name: audit,
    })) as SecurityIntent;
    await client.replace(RESOURCES.SecurityIntent, {
      ...live,
      spec: { intent: { ...live.spec.intent, action: 'Block' } },
    });
    await pollUntil('the ActionsConsistent condition to go', 30_000, async () => {
      const conditions = (await binding())?.status?.conditions;
      return (
        conditions?.some((c) => c.type === 'IntentsResolved') === true &&
        !conditions.some((c) => c.type === 'ActionsConsistent')
      );
    });
  });

  it('does the same for a cluster binding, in its ClusterNimbusPolicy and its status', async () => {
    // The first test left both intents at Block: make one Audit again.
    const live = (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, {
      name: block,
    })) as SecurityIntent;
    await client.replace(RESOURCES.SecurityIntent, {
      ...live,
      spec: { intent: { ...live.spec.intent, action: 'Audit' } },
    });
    const name = `pkg-${suffix}`;
    await client.create<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name },
      spec: {
        intents: [{ name: block }, { name: audit }],
        selector: { nsSelector: { matchNames: [ns.name] } },
      },
    });
    const conflict = await pollUntil('the cluster binding’s ActionsConsistent condition', 30_000, async () =>
      (
        await client.get<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, { name })
      )?.status?.conditions?.find((c) => c.type === 'ActionsConsistent'),
    );
    expect(conflict).toMatchObject({ status: 'False', reason: 'ConflictingActions' });
    expect(conflict?.message).toContain(`SecurityIntent ${block} (Audit), SecurityIntent ${audit} (Block)`);
    const cwnp = await client.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name });
    expect(cwnp?.spec.rules).toHaveLength(1);
    expect(cwnp?.spec.rules[0]).toMatchObject({ id: 'swDeploymentTools', rule: { action: 'Block' } });
  });
});
