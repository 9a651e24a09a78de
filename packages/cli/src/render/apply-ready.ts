import type { KubernetesObject } from '@kubernetes/client-node';
import { SYNTHETIC_UID_PREFIX } from './synthetic-uid.js';

/** How {@link applyReady} treats the identities a rendering makes up. */
export interface ApplyReadyOptions {
  /**
   * Keep every owner reference and `metadata.uid`, made-up UIDs included (`--owner-references`): the objects
   * exactly as the operator and the adapters would write them, for diffing. Applied to a cluster, objects with
   * made-up owners are deleted by the garbage collector soon after they are created.
   */
  readonly ownerReferences: boolean;
}

/** Whether a UID was made up by `nimbus render` rather than handed out by an API server. */
export function isSyntheticUid(uid: string | undefined): boolean {
  return uid?.startsWith(SYNTHETIC_UID_PREFIX) === true;
}

// Fields the API server sets and owns. Sent back, they are ignored at best; a stale resourceVersion makes
// kubectl apply fail with a conflict, and a UID from another object makes an update fail its precondition.
const SERVER_METADATA = [
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const;

/**
 * A rendered object as `kubectl apply` should get it, so that what it creates stays:
 *
 * - owner references without a real UID are left out: their owners were rendered too (a NimbusPolicy, its
 *   binding) and do not exist yet, and the garbage collector deletes an object whose owners' UIDs name
 *   nothing. References with a UID from the input (a binding exported from a cluster) are kept;
 * - `metadata.uid` is left out (the API server assigns one), with the other fields it sets;
 * - `status` is left out: apply ignores it, and the controllers write it.
 *
 * With `ownerReferences`, the UIDs and owner references stay as rendered. The object is copied, not changed.
 */
export function applyReady(object: KubernetesObject, options: ApplyReadyOptions): KubernetesObject {
  const { status: _, ...rest } = object as KubernetesObject & { status?: unknown };
  if (!object.metadata) return rest;
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  if (!options.ownerReferences) {
    delete metadata.uid;
    const kept = (object.metadata.ownerReferences ?? []).filter((r) => r.uid && !isSyntheticUid(r.uid));
    if (kept.length > 0) metadata.ownerReferences = kept;
    else delete metadata.ownerReferences;
  }
  return { ...rest, metadata };
}
