import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef, ResourceType } from './resource.js';

/** What a write did. */
export type WriteResult = 'unchanged' | 'created' | 'updated';

/**
 * The API-server operations reconcilers use, and nothing else: what a reconciler depends on, so a unit test can
 * hand it the in-memory `FakeClient` of `@nimbus-ts/k8s/testing` and the process the HTTP {@link ObjectClient}.
 * Both behave alike where reconcilers can tell (resourceVersion preconditions, 404, 409 `AlreadyExists` and
 * `Conflict`, generation, the status subresource, label selection); a contract suite run against both proves it.
 *
 * Errors are `ApiError`s with the API server's code and reason.
 */
export interface KubeClient {
  /** Recorded in managedFields for every write, e.g. `nimbus-core-operator`. */
  readonly fieldManager: string;
  /** Reads one object, or undefined when it does not exist. */
  get<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef): Promise<T | undefined>;
  /** Lists objects in `namespace` or everywhere, optionally by label selector (`a=b,c`). */
  list<T extends KubernetesObject>(
    resource: ResourceType,
    namespace?: string,
    options?: { labelSelector?: string },
  ): Promise<T[]>;
  /** Creates an object; rejects with ApiError 409 `AlreadyExists` when it exists. */
  create<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T>;
  /**
   * Replaces an object (not its status, where the resource has a status subresource);
   * `obj.metadata.resourceVersion` makes it conditional (409 `Conflict` if stale).
   */
  replace<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T>;
  /** Deletes an object; returns false when it was already gone. A stale `preconditionUid` is a 409. */
  delete(resource: ResourceType, ref: ObjectRef, preconditionUid?: string): Promise<boolean>;
  /** Merge-patches an object (not its status subresource); 404 when it is gone. */
  patch<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef, patch: unknown): Promise<T>;
  /** Merge-patches the status subresource; a `metadata.resourceVersion` in the patch makes it conditional. */
  patchStatus<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef, patch: unknown): Promise<T>;
  /**
   * Server-side applies `status` to the status subresource as {@link KubeClient.fieldManager}, forcing
   * ownership: the fields given become this manager's, fields it applied before and leaves out now are removed
   * (unless another manager owns them too), lists marked `x-kubernetes-list-type: map` merge item by key and
   * `set` lists value by value. There is no resourceVersion precondition, so it never meets a 409: several
   * writers that each apply only the fields they own (each with its own field manager) share one status
   * without racing. Rejects with ApiError 404 when the object is gone.
   */
  applyStatus<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef, status: object): Promise<T>;
  /**
   * Makes the object match `desired` in the fields the caller owns, writing only when they differ (see
   * {@link createOrUpdateWith}).
   */
  createOrUpdate<T extends KubernetesObject>(
    resource: ResourceType,
    desired: T,
    live: T | undefined,
    mayUpdate?: (current: T) => boolean,
  ): Promise<{ result: WriteResult; object: T }>;
}
