import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { MANAGED_BY_ANNOTATION, managerName } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { ResourceType } from '@nimbus-ts/k8s';
import { controllerReference } from '@nimbus-ts/k8s';
import type { AdapterDeclaration, DesiredObject, SupportedRule } from './declaration.js';
import { supportedRules } from './supported-rules.js';

/** One object the adapter wants, with the kind it belongs to. */
export interface DesiredChild {
  readonly resource: ResourceType;
  readonly object: DesiredObject;
}

/** What an adapter wants for one policy: the rules it enforces and the finished objects. */
export interface DesiredState {
  readonly rules: readonly SupportedRule[];
  readonly children: readonly DesiredChild[];
}

/**
 * How an engine object is listed in a policy's `status.adapterPolicies` (upstream's formats): `<Kind>/<name>` for an
 * object in the policy's namespace or a cluster-scoped one, `<namespace>/<Kind>/<name>` for a namespaced object of a
 * ClusterNimbusPolicy (upstream's k8tls CronJobs), so readers such as `nimbus status` can find it.
 *
 * @param namespace - the object's namespace when it is not the policy's; omit it otherwise.
 */
export function statusEntry(kind: string, name: string, namespace?: string): string {
  return namespace ? `${namespace}/${kind}/${name}` : `${kind}/${name}`;
}

/**
 * Runs the adapter's builder for one policy and finishes each object: the namespace (the policy's, for a
 * namespaced kind built from a NimbusPolicy), a controller owner reference to the policy, and the
 * `app.kubernetes.io/managed-by` annotation. Pure: no cluster is needed, so `nimbus render` uses it too.
 *
 * @param inputs - cached objects of the declared inputs; missing names are passed as empty lists.
 * @throws Error naming the adapter and the policy when the builder returns an object of an undeclared kind,
 *   without a name, twice with the same name, or a cluster-scoped object for a namespaced policy (the
 *   garbage collector does not honour such owner references).
 */
export function desiredState(
  declaration: AdapterDeclaration,
  policy: NimbusPolicy | ClusterNimbusPolicy,
  inputs: Readonly<Record<string, readonly KubernetesObject[]>> = {},
): DesiredState {
  const rules = supportedRules(
    policy.spec.rules,
    declaration.intents,
    declaration.registry ?? defaultRegistry,
  );
  const allInputs = Object.fromEntries(
    Object.keys(declaration.inputs ?? {}).map((name) => [name, inputs[name] ?? []]),
  );
  const context = { rules, inputs: allInputs };
  const built =
    rules.length === 0
      ? []
      : policy.kind === 'NimbusPolicy'
        ? declaration.build(policy, context)
        : (declaration.buildCluster?.(policy, context) ?? []);
  const namespace = policy.kind === 'NimbusPolicy' ? policy.metadata.namespace : undefined;
  const where = `adapter ${declaration.name} building ${policy.kind} ${namespace ? `${namespace}/` : ''}${policy.metadata.name}`;
  let owner: ReturnType<typeof controllerReference>;
  try {
    owner = controllerReference(policy);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  const seen = new Set<string>();
  const children = built.map((object): DesiredChild => {
    const resource = declaration.kinds.find(
      (k) => k.apiVersion === object.apiVersion && k.kind === object.kind,
    );
    if (!resource) {
      throw new Error(
        `${where}: built a ${object.apiVersion}/${object.kind}, which is not among the kinds it declares; add it to the declaration's kinds`,
      );
    }
    const name = object.metadata?.name;
    if (!name) throw new Error(`${where}: built a ${object.kind} without metadata.name`);
    if (namespace && !resource.namespaced) {
      throw new Error(`${where}: a namespaced policy cannot own the cluster-scoped ${object.kind} ${name}`);
    }
    const objectNamespace = resource.namespaced ? (namespace ?? object.metadata?.namespace) : undefined;
    if (resource.namespaced && !objectNamespace) {
      throw new Error(`${where}: the namespaced ${object.kind} ${name} needs metadata.namespace`);
    }
    const key = `${object.kind}/${objectNamespace ?? ''}/${name}`;
    if (seen.has(key)) throw new Error(`${where}: built ${object.kind} ${name} twice`);
    seen.add(key);
    // A namespace a builder gave a cluster-scoped object is dropped: the API server would ignore it, and
    // keeping it would make the object's key differ from the live one's, so it would be deleted as stale.
    const { namespace: _ignored, ...metadata } = object.metadata ?? {};
    return {
      resource,
      object: {
        ...object,
        metadata: {
          ...metadata,
          name,
          ...(objectNamespace ? { namespace: objectNamespace } : {}),
          annotations: {
            ...object.metadata?.annotations,
            [MANAGED_BY_ANNOTATION]: managerName(declaration.name),
          },
          ownerReferences: [owner],
        },
      },
    };
  });
  return { rules, children };
}
