import type { V1Pod } from '@kubernetes/client-node';
import {
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import { ApiError, createLogger, EVENTS, EventRecorder, PODS } from '@nimbus-ts/k8s';
import { FakeClient } from '@nimbus-ts/k8s/testing';
import { describe, expect, it } from 'vitest';
import { reconcileBinding } from '../../src/controllers/security-intent-binding.js';

// The reconciler's sequencing (reads, plan, writes, status), in milliseconds against the FakeClient whose
// behaviour test/contract proves against the real API server; the wiring to watches stays in the integration tests.
const API = 'intent.security.nimbus.com/v1alpha1';
const NOW = () => new Date('2026-01-01T00:00:00Z');

function setup() {
  const client = new FakeClient({ fieldManager: 'nimbus-core-operator', now: NOW });
  const ctx = {
    client,
    logger: Object.assign(createLogger('test'), { silent: true }),
    now: NOW,
    resyncMs: 600_000,
    events: new EventRecorder(client, 'nimbus-core-operator', 'test'),
    intentPool: defaultRegistry,
    stores: {
      intents: client.store<SecurityIntent>(RESOURCES.SecurityIntent),
      policies: client.store<NimbusPolicy>(RESOURCES.NimbusPolicy),
      pods: client.store<V1Pod>(PODS),
    },
  };
  client.seed(RESOURCES.SecurityIntent, {
    apiVersion: API,
    kind: 'SecurityIntent',
    metadata: { name: 'no-apt' },
    spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
  } as SecurityIntent);
  client.seed(RESOURCES.SecurityIntentBinding, {
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { intents: [{ name: 'no-apt' }], selector: { workloadSelector: { matchLabels: { app: 'web' } } } },
  } as SecurityIntentBinding);
  const binding = () =>
    ctx.client
      .store<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding)
      .get({ namespace: 'shop', name: 'web' }) as SecurityIntentBinding;
  return { client, ctx, binding };
}

describe('reconcileBinding (FakeClient)', () => {
  it('writes the policy and reports Ready in two writes; a second reconcile writes nothing', async () => {
    const { client, ctx, binding } = setup();
    const action = await reconcileBinding(binding(), ctx);
    expect(action.requeueAfterMs).toBe(600_000);
    const np = ctx.stores.policies.get({ namespace: 'shop', name: 'web' });
    expect(np?.spec.rules.map((r) => r.id)).toEqual(['swDeploymentTools']);
    expect(np?.metadata.ownerReferences?.[0]?.uid).toBe(binding().metadata.uid);
    // The policy's status (Created, Built, Enforced) is the enforcement controller's: one write per change there.
    expect(np?.status).toBeUndefined();
    expect(client.writes.filter((w) => w.kind !== 'Event').map((w) => `${w.verb} ${w.kind}`)).toEqual([
      'create NimbusPolicy',
      'applyStatus SecurityIntentBinding',
    ]);
    expect(binding().status).toMatchObject({
      status: 'Created',
      nimbusPolicy: 'web',
      numberOfBoundIntents: 1,
    });
    expect(binding().status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const writes = client.writes.filter((w) => w.kind !== 'Event').length;

    await reconcileBinding(binding(), ctx);
    expect(client.writes.filter((w) => w.kind !== 'Event').length).toBe(writes);
  });

  it('deletes its policy when no intent exists any more, and says why', async () => {
    const { client, ctx, binding } = setup();
    await reconcileBinding(binding(), ctx);
    await client.delete(RESOURCES.SecurityIntent, { name: 'no-apt' });
    await reconcileBinding(binding(), ctx);
    expect(ctx.stores.policies.get({ namespace: 'shop', name: 'web' })).toBeUndefined();
    expect(binding().status).toMatchObject({ nimbusPolicy: '', numberOfBoundIntents: 0 });
    const events = await client.list<{ reason?: string } & { metadata?: object }>(EVENTS, 'shop');
    expect(events.map((e) => e.reason).sort()).toEqual([
      'NoSecurityIntents',
      'PolicyCreated',
      'PolicyDeleted',
    ]);
  });

  it("leaves someone else's policy of the name alone", async () => {
    const { client, ctx, binding } = setup();
    client.seed(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { rules: [], selector: {} },
    } as NimbusPolicy);
    await reconcileBinding(binding(), ctx);
    expect(ctx.stores.policies.get({ namespace: 'shop', name: 'web' })?.spec.rules).toEqual([]);
    expect(binding().status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(
      'NimbusPolicyNotOwned',
    );
  });

  it('a refused policy: the binding says why, then the error is rethrown for the backoff', async () => {
    const { client, ctx, binding } = setup();
    client.failWrites(
      'create',
      RESOURCES.NimbusPolicy,
      new ApiError(422, 'Invalid', 'spec.rules[0].rule.params: too long'),
    );
    await expect(reconcileBinding(binding(), ctx)).rejects.toBeInstanceOf(ApiError);
    expect(binding().status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NimbusPolicyRejected',
    });
    expect(binding().status?.nimbusPolicy).toBe('');
  });
});
