import type { KubernetesObject } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-error.js';
import type { KubeClient, WriteResult } from './kube-client.js';
import type { OwnWrites } from './own-writes.js';
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

/** What a status writer applies, and what the status should read afterwards. */
export interface StatusApplyPlan<S> {
  /**
   * Every status field the writer owns, with its value — the whole configuration each time, since a field it
   * applied before and leaves out now is removed — where a list merged by key (conditions) holds only the
   * writer's own items.
   */
  readonly apply: Partial<S>;
  /**
   * The fields the write affects as the whole status should read once it landed (others' list items
   * included): when the current status already reads so, nothing is written.
   */
  readonly expected: Partial<S>;
}

// Lists compare as sets of items: server-side apply keeps its own order when it merges lists by key.
function sameField(a: unknown, b: unknown): boolean {
  if (semanticEqual(a, b)) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((item) => b.some((other) => semanticEqual(item, other)));
}

/**
 * Writes the status fields one writer owns with server-side apply ({@link KubeClient.applyStatus}: its own field
 * manager, forced), so several writers of one status (the core operator, each adapter) never race: there is no
 * resourceVersion precondition, hence no 409 and no re-read, and the API server merges their parts (conditions
 * by type, each writer's list items by key). Nothing is written when the status already reads as `plan` expects.
 *
 * `plan` receives the status as the caller's cache saw it, or as the caller's own last write left it when that is
 * newer (`ownWrites`): a reconcile that another writer's change triggers before the cache shows the caller's own
 * write would otherwise make that write again. See {@link StatusApplyPlan}.
 *
 * @returns `unchanged` (also when the object no longer exists), or `updated`; never `created`.
 */
export async function applyOwnStatus<S extends object>(
  client: Pick<KubeClient, 'applyStatus'>,
  resource: ResourceType,
  live: WithStatus<S>,
  plan: (status: S | undefined) => StatusApplyPlan<S>,
  ownWrites?: OwnWrites,
): Promise<WriteResult> {
  const current = ownWrites ? ownWrites.freshest(resource, live) : live;
  const { apply, expected } = plan(current.status);
  const status = (current.status ?? {}) as Record<string, unknown>;
  if (Object.entries(expected).every(([k, v]) => sameField(v, status[k]))) return 'unchanged';
  // A field given as undefined is left out, so the API server removes it if no other writer owns it.
  const config = Object.fromEntries(Object.entries(apply).filter(([, v]) => v !== undefined));
  try {
    const written = await client.applyStatus<WithStatus<S>>(resource, refOf(live), config);
    ownWrites?.remember(resource, written);
    return 'updated';
  } catch (err) {
    // Deleted since the cache saw it: the deletion event brings the owner back to the queue.
    if (isNotFound(err)) return 'unchanged';
    throw err;
  }
}

/**
 * The {@link StatusApplyPlan} of a writer that owns a whole status (no other writer touches it): it applies
 * every field the status holds, `wanted` over them (a field wanted undefined is removed), which is what a merge
 * patch of `wanted` would leave.
 */
export function wholeStatusPlan<S extends object>(
  status: S | undefined,
  wanted: Partial<S>,
): StatusApplyPlan<S> {
  return { apply: { ...(status ?? {}), ...wanted } as Partial<S>, expected: wanted };
}
