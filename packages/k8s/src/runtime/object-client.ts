import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApiServerAccess } from '../cluster-connection.js';
import { rawRequest } from '../raw-request.js';
import { ApiError, isConflict, isNotFound } from './api-error.js';
import type { KubeClient, WriteResult } from './kube-client.js';
import {
  collectionPath,
  describeRef,
  type ObjectRef,
  objectPath,
  type ResourceType,
  refOf,
} from './resource.js';
import { semanticEqual } from './semantic-equal.js';

export type { WriteResult } from './kube-client.js';

/**
 * Thrown by {@link ObjectClient.createOrUpdate} when the object it would update fails the caller's `mayUpdate`
 * check (e.g. another controller created it first): the object is left as it is.
 */
export class ObjectTakenError extends Error {
  /** @param object - the object as the API server holds it. */
  constructor(
    readonly object: KubernetesObject,
    message: string,
  ) {
    super(message);
    this.name = 'ObjectTakenError';
  }
}

/** How often a write re-reads and retries after a resourceVersion conflict. */
const CONFLICT_RETRIES = 5;

/**
 * Plain-JSON CRUD for any resource type. It bypasses client-node's typed serializer, which renames or drops
 * fields of objects it does not know, so custom objects round-trip exactly.
 */
export class ObjectClient implements KubeClient {
  /**
   * @param kc - credentials and cluster.
   * @param fieldManager - recorded in managedFields for every write, e.g. `nimbus-core-operator`.
   */
  constructor(
    readonly kc: ApiServerAccess,
    readonly fieldManager: string,
  ) {}

  private async call<T>(
    operation: string,
    path: string,
    method: string,
    body?: unknown,
    contentType?: string,
  ) {
    const res = await rawRequest(this.kc, path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), contentType: contentType ?? 'application/json' }),
    });
    if (res.status >= 300) throw ApiError.from(operation, res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  private withManager(path: string): string {
    return `${path}?fieldManager=${encodeURIComponent(this.fieldManager)}`;
  }

  /** Reads one object, or undefined when it does not exist. */
  async get<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.call<T>(`get ${describeRef(resource, ref)}`, objectPath(resource, ref), 'GET');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists objects (one page of up to 500; for caches use a Reflector), in `namespace` or everywhere. */
  async list<T extends KubernetesObject>(
    resource: ResourceType,
    namespace?: string,
    options: { labelSelector?: string } = {},
  ): Promise<T[]> {
    const params = new URLSearchParams({ limit: '500' });
    if (options.labelSelector) params.set('labelSelector', options.labelSelector);
    const list = await this.call<{ items?: T[] }>(
      `list ${resource.kind}`,
      `${collectionPath(resource, namespace)}?${params}`,
      'GET',
    );
    return (list.items ?? []).map((item) => ({
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      ...item,
    }));
  }

  /** Creates an object; rejects with ApiError 409 `AlreadyExists` when it exists. */
  create<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T> {
    const ref = refOf(obj);
    return this.call<T>(
      `create ${describeRef(resource, ref)}`,
      this.withManager(collectionPath(resource, ref.namespace)),
      'POST',
      obj,
    );
  }

  /** Replaces an object; `obj.metadata.resourceVersion` makes it conditional (409 Conflict if stale). */
  replace<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T> {
    const ref = refOf(obj);
    return this.call<T>(
      `update ${describeRef(resource, ref)}`,
      this.withManager(objectPath(resource, ref)),
      'PUT',
      obj,
    );
  }

  /** Deletes an object; returns false when it was already gone. */
  async delete(resource: ResourceType, ref: ObjectRef, preconditionUid?: string): Promise<boolean> {
    try {
      const body = preconditionUid ? { preconditions: { uid: preconditionUid } } : undefined;
      await this.call(`delete ${describeRef(resource, ref)}`, objectPath(resource, ref), 'DELETE', body);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Merge-patches an object (not its status subresource): only the fields in `patch` change, without a
   * resourceVersion precondition unless the patch carries one. Rejects with ApiError 404 when the object is gone.
   */
  patch<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef, patch: unknown): Promise<T> {
    return this.call<T>(
      `patch ${describeRef(resource, ref)}`,
      this.withManager(objectPath(resource, ref)),
      'PATCH',
      patch,
      'application/merge-patch+json',
    );
  }

  /** Merge-patches the status subresource. Include `metadata.resourceVersion` in the patch to make it conditional. */
  patchStatus<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    patch: unknown,
  ): Promise<T> {
    return this.call<T>(
      `patch status of ${describeRef(resource, ref)}`,
      this.withManager(`${objectPath(resource, ref)}/status`),
      'PATCH',
      patch,
      'application/merge-patch+json',
    );
  }

  /**
   * Server-side applies `status` to the status subresource (`application/apply-patch+yaml`, this client's field
   * manager, `force=true`): see {@link KubeClient.applyStatus}.
   */
  applyStatus<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    status: object,
  ): Promise<T> {
    const body = {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
      status,
    };
    return this.call<T>(
      `apply status of ${describeRef(resource, ref)}`,
      `${this.withManager(`${objectPath(resource, ref)}/status`)}&force=true`,
      'PATCH',
      // JSON is YAML: the API server takes an apply configuration in either.
      body,
      'application/apply-patch+yaml',
    );
  }

  /** Makes the object match `desired` in the fields the caller owns, writing only on a difference: {@link createOrUpdateWith}. */
  createOrUpdate<T extends KubernetesObject>(
    resource: ResourceType,
    desired: T,
    live: T | undefined,
    mayUpdate: (current: T) => boolean = () => true,
  ): Promise<{ result: WriteResult; object: T }> {
    return createOrUpdateWith(this, resource, desired, live, mayUpdate);
  }
}

/**
 * `createOrUpdate` on any {@link KubeClient}'s get, create and replace: makes the object match `desired` in the
 * fields the caller owns — labels, annotations given in desired, owner references and the content (`spec`,
 * `data`, …) — writing only when they differ.
 *
 * @param live - the current object as the caller's cache sees it (may be stale or undefined). On a
 *   conflict the object is re-read from the API server and the comparison repeated.
 * @param mayUpdate - whether the caller may update this existing object (e.g. it is its own); asked of every
 *   version it would update, including one found only because the create met an existing object.
 * @throws ObjectTakenError when `mayUpdate` refuses the existing object.
 */
export async function createOrUpdateWith<T extends KubernetesObject>(
  client: Pick<KubeClient, 'get' | 'create' | 'replace' | 'fieldManager'>,
  resource: ResourceType,
  desired: T,
  live: T | undefined,
  mayUpdate: (current: T) => boolean = () => true,
): Promise<{ result: WriteResult; object: T }> {
  let current = live;
  for (let attempt = 0; ; attempt++) {
    if (!current) {
      try {
        return { result: 'created', object: await client.create(resource, desired) };
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        // Created by someone else, or our cache was behind: compare with the real thing.
        current = await client.get<T>(resource, refOf(desired));
        if (!current) throw err;
      }
    }
    if (!mayUpdate(current)) {
      throw new ObjectTakenError(
        current,
        `${describeRef(resource, refOf(desired))} exists and may not be updated by ${client.fieldManager}`,
      );
    }
    if (ownedFieldsEqual(desired, current)) return { result: 'unchanged', object: current };
    try {
      const merged = withOwnedFields(current, desired);
      return { result: 'updated', object: await client.replace(resource, merged) };
    } catch (err) {
      if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      current = await client.get<T>(resource, refOf(desired));
    }
  }
}

/** Top-level fields that are not content: identity, server-managed metadata and the status subresource. */
const NOT_CONTENT = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** The content of an object: every top-level field but apiVersion, kind, metadata and status (spec, data, rules …). */
function contentOf(obj: KubernetesObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !NOT_CONTENT.has(k)));
}

/**
 * True when `live` already has the labels, the annotations named in `desired`, the owner references and the
 * content (spec, data, … — every top-level field but metadata and status) of `desired`.
 */
export function ownedFieldsEqual(desired: KubernetesObject, live: KubernetesObject): boolean {
  const d = desired.metadata ?? {};
  const l = live.metadata ?? {};
  const annotationsMatch = Object.entries(d.annotations ?? {}).every(([k, v]) => l.annotations?.[k] === v);
  return (
    annotationsMatch &&
    semanticEqual(d.labels, l.labels) &&
    semanticEqual(d.ownerReferences, l.ownerReferences) &&
    semanticEqual(contentOf(desired), contentOf(live))
  );
}

/** `live` with the owned fields of `desired`, keeping live's resourceVersion, status and other metadata. */
export function withOwnedFields<T extends KubernetesObject>(live: T, desired: T): T {
  const merged: Record<string, unknown> = {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: {
      ...live.metadata,
      labels: desired.metadata?.labels,
      annotations: { ...live.metadata?.annotations, ...desired.metadata?.annotations },
      ownerReferences: desired.metadata?.ownerReferences,
    },
    ...contentOf(desired),
  };
  if ('status' in live) merged.status = (live as { status?: unknown }).status;
  return merged as T;
}
