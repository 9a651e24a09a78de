import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { pollUntil } from '../../src/testing/poll.js';
import { envtest } from '../../src/testing/vitest.js';

describe('RBAC on the harness API server', () => {
  const env = envtest();
  const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  let ns: TestNamespace;
  let other: TestNamespace;

  beforeAll(async () => {
    ns = await env.namespace('rbac');
    other = await env.namespace('rbac-other');
  });
  afterAll(async () => {
    await ns?.delete();
    await other?.delete();
  });

  it('denies an unprivileged user with 403 until a RoleBinding grants access, and only where it grants it', async () => {
    const alice = await env.addUser('alice', ['team-a']);
    const asAlice = alice.kubeConfig.makeApiClient(CoreV1Api);
    const denied = await asAlice.listNamespacedConfigMap({ namespace: ns.name }).then(
      () => undefined,
      (e: unknown) => e as { code: number; body: string },
    );
    expect(denied?.code).toBe(403);
    expect(JSON.parse(denied?.body ?? '{}').message).toContain(
      'User "alice" cannot list resource "configmaps"',
    );

    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'team-a-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        // Bound through the group, proving the certificate's O attribute is read as a group.
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
      },
    });
    await pollUntil('the RoleBinding to take effect', 30_000, () =>
      asAlice.listNamespacedConfigMap({ namespace: ns.name }).then(() => true),
    );
    await env.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'visible' } } });
    const list = await asAlice.listNamespacedConfigMap({ namespace: ns.name });
    expect(list.items.map((c) => c.metadata?.name)).toContain('visible');

    await expect(asAlice.listNamespacedConfigMap({ namespace: other.name })).rejects.toMatchObject({
      code: 403,
    });
    await expect(
      asAlice.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'x' } } }),
    ).rejects.toMatchObject({ code: 403 });
  });
});
