import type { V1Namespace } from '@kubernetes/client-node';
import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
} from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import { ApiError, createLogger, EventRecorder, NAMESPACES } from '@nimbus-ts/k8s';
import { FakeClient } from '@nimbus-ts/k8s/testing';
import { describe, expect, it } from 'vitest';
import { reconcileClusterBinding } from '../../src/controllers/cluster-security-intent-binding.js';

// The reconciler's sequencing on the FakeClient (proved against the real API server by test/contract in
// @nimbus-ts/k8s); watches and garbage collection stay in the integration tests.
const API = 'intent.security.nimbus.com/v1alpha1';
const NOW = () => new Date('2026-01-01T00:00:00Z');

function setup(matchNames: string[] = ['*']) {
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
      clusterPolicies: client.store<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy),
      policies: client.store<NimbusPolicy>(RESOURCES.NimbusPolicy),
      namespaces: client.store<V1Namespace>(NAMESPACES),
    },
  };
  client.seed(NAMESPACES, { metadata: { name: 'a' } }, { metadata: { name: 'b' } });
  client.seed(RESOURCES.SecurityIntent, {
    apiVersion: API,
    kind: 'SecurityIntent',
    metadata: { name: 'no-apt' },
    spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
  } as SecurityIntent);
  client.seed(RESOURCES.ClusterSecurityIntentBinding, {
    apiVersion: API,
    kind: 'ClusterSecurityIntentBinding',
    metadata: { name: 'all' },
    spec: { intents: [{ name: 'no-apt' }], selector: { nsSelector: { matchNames } } },
  } as ClusterSecurityIntentBinding);
  const binding = () =>
    client
      .store<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding)
      .get({ name: 'all' }) as ClusterSecurityIntentBinding;
  return { client, ctx, binding };
}

describe('reconcileClusterBinding (FakeClient)', () => {
  it('writes the ClusterNimbusPolicy and one policy per namespace; a second pass writes nothing', async () => {
    const { client, ctx, binding } = setup();
    await reconcileClusterBinding(binding(), ctx);
    // The policies' status is the enforcement controllers': the binding controller writes none of it.
    expect(ctx.stores.clusterPolicies.get({ name: 'all' })?.status).toBeUndefined();
    expect(client.writes.filter((w) => w.verb === 'applyStatus').map((w) => w.kind)).toEqual([
      'ClusterSecurityIntentBinding',
    ]);
    expect(
      ctx.stores.policies
        .list()
        .map((p) => p.metadata.namespace)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(binding().status).toMatchObject({
      clusterNimbusPolicy: 'all',
      numberOfNimbusPolicies: 2,
      nimbusPolicyNamespaces: ['a', 'b'],
    });
    const writes = client.writes.filter((w) => w.kind !== 'Event').length;
    await reconcileClusterBinding(binding(), ctx);
    expect(client.writes.filter((w) => w.kind !== 'Event').length).toBe(writes);
  });

  it('a refused namespace policy: the others are written, Ready says which, the error is rethrown', async () => {
    const { client, ctx, binding } = setup();
    client.failWrites(
      'create',
      RESOURCES.NimbusPolicy,
      new ApiError(403, 'Forbidden', 'denied by admission'),
    );
    await expect(reconcileClusterBinding(binding(), ctx)).rejects.toBeInstanceOf(ApiError);
    expect(ctx.stores.clusterPolicies.get({ name: 'all' })).toBeDefined();
    const ready = binding().status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'NimbusPolicyRejected' });
    expect(ready?.message).toContain(
      'NimbusPolicy a/nimbus-ctlr-gen-all, NimbusPolicy b/nimbus-ctlr-gen-all',
    );
  });

  it('an invalid selector writes only the status', async () => {
    const { client, ctx, binding } = setup(['*', 'a']);
    await reconcileClusterBinding(binding(), ctx);
    expect(client.writes.filter((w) => w.kind !== 'Event').map((w) => w.verb)).toEqual(['applyStatus']);
    expect(binding().status?.status).toBe('ValidationFail');
  });
});
