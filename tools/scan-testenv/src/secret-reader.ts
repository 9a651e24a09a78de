// Shared by the RBAC tests: what a namespace's owner does to let the Clair components read its Secrets by name.

import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectClient, type ResourceType, SECRETS } from '@nimbus-ts/k8s';
import { pollUntil, type ScenarioContext } from '@nimbus-ts/k8s/testing';

const ROLE_BINDINGS: ResourceType = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
};

/**
 * Binds `clusterRole`, a component's secret reader (each component's rbac.yaml in deploy/ ships its own unbound,
 * e.g. nimbus-clair-secret-reader), under the name this least-privilege run applied it as, to `serviceAccount` in
 * `namespace`, as that namespace's owner would.
 */
export async function bindSecretReader(
  admin: ObjectClient,
  ctx: ScenarioContext,
  namespace: string,
  serviceAccount: string,
  clusterRole: string,
): Promise<void> {
  await admin.create(ROLE_BINDINGS, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: clusterRole, namespace },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: ctx.clusterRoleName(clusterRole),
    },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: ctx.namespace }],
  } as KubernetesObject);
  // The authorizer reads bindings from a cache: wait until the component's identity may read a Secret here (a
  // missing one answers 404, a forbidden one 403), so that a run with every rule never sees a 403 from the
  // moment before. A run without the reader's rule never gets there: it goes on after a few seconds, and the
  // component's own 403 ends it.
  const identity = new ObjectClient(ctx.kubeConfig, 'secret-reader-check');
  await pollUntil('the secret reader binding to take effect', 5_000, async () => {
    try {
      await identity.get(SECRETS, { namespace, name: 'secret-reader-probe' });
      return true;
    } catch {
      return false;
    }
  }).catch(() => undefined);
}
