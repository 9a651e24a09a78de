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

/** The ClusterRole deploy/adapter-clair/rbac.yaml ships unbound, for namespaces' owners to bind. */
export const SECRET_READER = 'nimbus-clair-secret-reader';

/**
 * Binds the nimbus-clair-secret-reader ClusterRole, under the name this least-privilege run applied it as, to
 * `serviceAccount` in `namespace`, as that namespace's owner would.
 */
export async function bindSecretReader(
  admin: ObjectClient,
  ctx: ScenarioContext,
  namespace: string,
  serviceAccount: string,
): Promise<void> {
  await admin.create(ROLE_BINDINGS, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'nimbus-clair-secret-reader', namespace },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: ctx.clusterRoleName(SECRET_READER),
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
