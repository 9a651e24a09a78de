import type { KubernetesObject } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-error.js';
import type { KubeClient, WriteResult } from './kube-client.js';
import { type ResourceType, refOf } from './resource.js';
import { semanticEqual } from './semantic-equal.js';

/** An object with a status of type S. */
export type WithStatus<S> = KubernetesObject & { status?: S };

/**
 * Sets the status fields a controller owns, and only those, with a merge patch conditioned on the
 * resourceVersion; other writers' fields (e.g. adapters' entries) are left alone.
 *
 * `compute` receives the current status and returns the owned fields' desired values (`undefined` removes
 * a field). Nothing is written when they already hold those values. On a conflict the object is re-read
 * and `compute` runs again on the fresh status.
 *
 * @returns `unchanged` (also when the object no longer exists), or `updated`; never `created`.
 */
export async function updateStatus<S extends object>(
  client: Pick<KubeClient, 'get' | 'patchStatus'>,
  resource: ResourceType,
  live: WithStatus<S>,
  compute: (status: S | undefined) => Partial<S>,
  retries = 5,
): Promise<WriteResult> {
  let current: WithStatus<S> | undefined = live;
  for (let attempt = 0; current; attempt++) {
    const wanted = compute(current.status);
    const status = (current.status ?? {}) as Record<string, unknown>;
    const changed = Object.entries(wanted).filter(([k, v]) => !semanticEqual(v, status[k]));
    if (changed.length === 0) return 'unchanged';
    const patch = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      // A merge patch removes a field given as null.
      status: Object.fromEntries(changed.map(([k, v]) => [k, v === undefined ? null : v])),
    };
    try {
      await client.patchStatus(resource, refOf(current), patch);
      return 'updated';
    } catch (err) {
      // Deleted since the cache saw it: there is no status left to update, and the deletion event
      // brings the owner back to the queue.
      if (isNotFound(err)) return 'unchanged';
      if (!isConflict(err) || attempt >= retries) throw err;
      current = await client.get<WithStatus<S>>(resource, refOf(current));
    }
  }
  // The object was deleted while we retried: nothing left to update.
  return 'unchanged';
}
