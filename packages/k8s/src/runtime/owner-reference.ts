import type { V1OwnerReference } from '@kubernetes/client-node';

/** An object that can own others: it needs its kind, name and uid. */
export interface Owner {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly uid?: string };
}

/**
 * The controller owner reference to `owner`, with `blockOwnerDeletion` so foreground deletion of the owner
 * waits for its children, as controller-runtime's SetControllerReference does.
 */
export function controllerReference(owner: Owner): V1OwnerReference {
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!owner.apiVersion || !owner.kind || !name || !uid) {
    throw new Error(`cannot reference ${owner.kind ?? 'object'} ${name ?? '?'} as owner: it has no uid yet`);
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `owner` is the controller owner of an object with these owner references. */
export function isControlledBy(refs: readonly V1OwnerReference[] | undefined, owner: Owner): boolean {
  return refs?.some((r) => r.controller && r.uid === owner.metadata?.uid) ?? false;
}
