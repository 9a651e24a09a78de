import { ApiError } from '@nimbus-ts/k8s';

/**
 * What reading Secret `namespace`/`name` as ServiceAccount `serviceAccount` (`<namespace>:<name>`) failed with,
 * said so that the reader knows the fix: a 403 means the namespace has not bound `clusterRole` (the component's
 * secret reader, shipped unbound) to it (the components may read Secrets only where a namespace allows it), and the
 * message gives the command. Any other error is returned as it is.
 *
 * @example
 * ```ts
 * client.get(SECRETS, { namespace, name }).catch((error) => {
 *   throw secretAccessError(error, namespace, name, 'nimbus-system:nimbus-admission', 'nimbus-admission-secret-reader');
 * });
 * ```
 */
export function secretAccessError(
  error: unknown,
  namespace: string,
  name: string,
  serviceAccount: string,
  clusterRole: string,
): unknown {
  if (!(error instanceof ApiError) || error.code !== 403) return error;
  return new Error(
    `${serviceAccount} may not read Secret ${namespace}/${name} (HTTP 403 Forbidden): namespace ${namespace} has not ` +
      `bound ClusterRole ${clusterRole} to it. Fix: kubectl -n ${namespace} create rolebinding ` +
      `${clusterRole} --clusterrole=${clusterRole} --serviceaccount=${serviceAccount}`,
    { cause: error },
  );
}
