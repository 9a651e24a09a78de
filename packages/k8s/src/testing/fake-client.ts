import { randomUUID } from 'node:crypto';
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ApiError } from '../runtime/api-error.js';
import type { KubeClient, WriteResult } from '../runtime/kube-client.js';
import { createOrUpdateWith } from '../runtime/object-client.js';
import { describeRef, type ObjectRef, type ResourceType, refKey, refOf } from '../runtime/resource.js';
import { semanticEqual } from '../runtime/semantic-equal.js';
import type { Store } from '../runtime/store.js';
import type { CrdSchema } from './crd-schema.js';
import { type Ownership, releaseChanged, serverSideApply } from './server-side-apply.js';

/** One write a {@link FakeClient} accepted, for tests that assert what a reconciler wrote (or did not). */
export interface FakeWrite {
  readonly verb: 'create' | 'update' | 'patch' | 'patchStatus' | 'applyStatus' | 'delete';
  /** The field manager of an `applyStatus`. */
  readonly fieldManager?: string;
  readonly kind: string;
  /** `namespace/name`, or `name` for cluster-scoped objects. */
  readonly key: string;
}

/** Options of a {@link FakeClient}. */
export interface FakeClientOptions {
  /** The field manager it reports; default `fake`. */
  readonly fieldManager?: string;
  /**
   * Whether a resource has a status subresource (then `replace` and `patch` leave status alone and
   * `patchStatus` changes only status). Default: every kind but the core kinds that have none.
   */
  readonly statusSubresource?: (resource: ResourceType) => boolean;
  /** The clock of creationTimestamp and deletionTimestamp. */
  readonly now?: () => Date;
  /**
   * CustomResourceDefinitions (e.g. from `readCRDs`) whose schemas `applyStatus` merges by, as the API server
   * does: their `x-kubernetes-list-type` (`map` with `x-kubernetes-list-map-keys`, `set`) and
   * `x-kubernetes-map-type`. Without one, a resource's `status.conditions` merges by `type` (the Kubernetes
   * convention) and every other list is atomic.
   */
  readonly crds?: readonly V1CustomResourceDefinition[];
}

/** The schema assumed for a resource no given CRD describes: conditions keyed by type. */
const CONVENTIONAL_SCHEMA: CrdSchema = {
  type: 'object',
  properties: {
    status: {
      type: 'object',
      properties: {
        conditions: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        },
      },
    },
  },
};

/** Core kinds without a status subresource: their `status`, if any, is ordinary content. */
const WITHOUT_STATUS = new Set([
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Event',
  'Lease',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'ValidatingWebhookConfiguration',
  'Endpoints',
]);

/** Metadata only the server sets: what a client sends is ignored. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp'];

type Obj = KubernetesObject & Record<string, unknown>;

/**
 * An in-memory {@link KubeClient}, the counterpart of controller-runtime's `client/fake`, for millisecond unit
 * tests of reconcilers. It keeps the semantics reconcilers rely on, and the contract suite shared with the real
 * API server (`packages/k8s/test/contract`) proves each of them on both:
 *
 * - every write bumps a cluster-wide `resourceVersion`; a write carrying a stale one is a 409 `Conflict`,
 *   a no-op write changes nothing;
 * - `create` of an existing name is a 409 `AlreadyExists`, and `generateName` makes a fresh name; reading, writing or patching a missing object a 404;
 * - `metadata.generation` starts at 1 and grows when anything but metadata and status changes;
 * - with a status subresource, `create`, `replace` and `patch` ignore `status` and `patchStatus` changes only it;
 * - `applyStatus` is a forced server-side apply with field ownership per manager, merging lists by the CRD's
 *   list types (see {@link FakeClientOptions.crds}); a merge patch or update that changes an applied field takes
 *   it from its applier, as on the API server;
 * - `list` filters by namespace and label selector (`a=b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`);
 * - owner references, labels and annotations are kept as written; a delete with a stale uid precondition is a
 *   409, and an object with finalizers gets a deletionTimestamp instead of going.
 *
 * What it does not do: garbage collection, admission, schema validation, defaulting, watches and
 * managedFields. {@link FakeClient.store} gives a reconciler the cache view it would get from a reflector.
 */
export class FakeClient implements KubeClient {
  readonly fieldManager: string;
  /** Every accepted write, in order. */
  readonly writes: FakeWrite[] = [];
  private readonly objects = new Map<string, Map<string, Obj>>();
  private revision = 0;
  private readonly hasStatus: (resource: ResourceType) => boolean;
  private readonly now: () => Date;
  private readonly failures = new Map<string, unknown>();
  /** Per object (`<apiVersion>/<kind> <key>`), which fields each applying manager owns. */
  private readonly ownership = new Map<string, Ownership>();
  private readonly crds: readonly V1CustomResourceDefinition[];

  constructor(options: FakeClientOptions = {}) {
    this.fieldManager = options.fieldManager ?? 'fake';
    this.crds = options.crds ?? [];
    this.hasStatus = options.statusSubresource ?? ((r) => !WITHOUT_STATUS.has(r.kind));
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Stores objects as they are, status included, as if they had been created and their status written —
   * the starting state of a test. Server metadata (uid, resourceVersion, generation) is filled in where absent.
   */
  seed(resource: ResourceType, ...objects: KubernetesObject[]): this {
    for (const obj of objects) {
      const copy = clone(obj) as Obj;
      copy.apiVersion = resource.apiVersion;
      copy.kind = resource.kind;
      copy.metadata = {
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: this.now().toISOString() as unknown as Date,
        ...copy.metadata,
        resourceVersion: this.nextVersion(),
      };
      this.table(resource).set(this.keyOf(resource, refOf(copy)), copy);
    }
    return this;
  }

  /**
   * Makes every `verb` write to `resource` fail with `error` (an `ApiError` the API server would send, say a
   * 422 or a 403 from admission) until called again with `undefined`: what controller-runtime's interceptor
   * functions are for. Nothing is stored or recorded by a failed write.
   */
  failWrites(verb: FakeWrite['verb'], resource: ResourceType, error: unknown): this {
    const key = `${verb} ${resource.apiVersion}/${resource.kind}`;
    if (error === undefined) this.failures.delete(key);
    else this.failures.set(key, error);
    return this;
  }

  private injected(verb: FakeWrite['verb'], resource: ResourceType): void {
    const key = `${verb} ${resource.apiVersion}/${resource.kind}`;
    if (this.failures.has(key)) throw this.failures.get(key);
  }

  /** A read-only cache view of one resource's objects, always current, as a reflector's store would be. */
  store<T extends KubernetesObject>(resource: ResourceType): Store<T> {
    const table = () => this.table(resource);
    return {
      get: (ref) => clone(table().get(this.keyOf(resource, ref))) as T | undefined,
      list: (namespace) =>
        [...table().values()]
          .filter((o) => namespace === undefined || o.metadata?.namespace === namespace)
          .map((o) => clone(o) as T),
      controlledBy: (uid) =>
        [...table().values()]
          .filter((o) => o.metadata?.ownerReferences?.find((r) => r.controller)?.uid === uid)
          .map((o) => clone(o) as T),
      ready: true,
      waitUntilReady: () => Promise.resolve(),
    };
  }

  async get<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef): Promise<T | undefined> {
    this.checkRef(resource, ref);
    return clone(this.table(resource).get(this.keyOf(resource, ref))) as T | undefined;
  }

  async list<T extends KubernetesObject>(
    resource: ResourceType,
    namespace?: string,
    options: { labelSelector?: string } = {},
  ): Promise<T[]> {
    const matches = parseSelector(options.labelSelector ?? '');
    return [...this.table(resource).values()]
      .filter((o) => !resource.namespaced || namespace === undefined || o.metadata?.namespace === namespace)
      .filter((o) => matches(o.metadata?.labels ?? {}))
      .sort((a, b) => refKey(refOf(a)).localeCompare(refKey(refOf(b))))
      .map((o) => clone(o) as T);
  }

  async create<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T> {
    const generateName = obj.metadata?.generateName;
    if (!obj.metadata?.name && generateName) {
      // The API server appends five random characters to generateName.
      const suffix = randomUUID().replaceAll('-', '').slice(0, 5);
      return this.create(resource, {
        ...obj,
        metadata: { ...obj.metadata, name: `${generateName}${suffix}` },
      });
    }
    this.injected('create', resource);
    const ref = refOf(obj);
    this.checkRef(resource, ref);
    const key = this.keyOf(resource, ref);
    const operation = `create ${describeRef(resource, ref)}`;
    if (!ref.name) throw apiError(operation, 422, 'Invalid', 'metadata.name: Required value');
    if (this.table(resource).has(key)) {
      throw apiError(operation, 409, 'AlreadyExists', `${resource.plural} "${ref.name}" already exists`);
    }
    const stored = clone(obj) as Obj;
    stored.apiVersion = resource.apiVersion;
    stored.kind = resource.kind;
    const metadata = { ...stored.metadata } as Record<string, unknown>;
    for (const field of SERVER_METADATA) delete metadata[field];
    delete metadata.managedFields;
    stored.metadata = {
      ...metadata,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: this.now().toISOString() as unknown as Date,
      resourceVersion: this.nextVersion(),
    } as Obj['metadata'];
    if (this.hasStatus(resource)) delete stored.status;
    this.ownership.delete(`${resource.apiVersion}/${resource.kind} ${key}`);
    this.table(resource).set(key, stored);
    this.writes.push({ verb: 'create', kind: resource.kind, key });
    return clone(stored) as T;
  }

  async replace<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T> {
    const ref = refOf(obj);
    this.injected('update', resource);
    const operation = `update ${describeRef(resource, ref)}`;
    const current = this.existing(resource, ref, operation);
    this.checkVersion(operation, resource, current, obj.metadata?.resourceVersion);
    const next = clone(obj) as Obj;
    if (this.hasStatus(resource)) {
      if ('status' in current) next.status = clone(current.status);
      else delete next.status;
    }
    return this.commit(resource, current, next, 'update') as Promise<T>;
  }

  async patch<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    patch: unknown,
  ): Promise<T> {
    this.injected('patch', resource);
    const operation = `patch ${describeRef(resource, ref)}`;
    const current = this.existing(resource, ref, operation);
    const body = clone(patch) as Obj;
    this.checkVersion(operation, resource, current, body.metadata?.resourceVersion);
    if (this.hasStatus(resource)) delete body.status;
    return this.commit(resource, current, mergePatch(current, body) as Obj, 'patch') as Promise<T>;
  }

  async patchStatus<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    patch: unknown,
  ): Promise<T> {
    this.injected('patchStatus', resource);
    const operation = `patch status of ${describeRef(resource, ref)}`;
    if (!this.hasStatus(resource)) {
      throw apiError(operation, 404, 'NotFound', `${resource.plural} has no status subresource`);
    }
    const current = this.existing(resource, ref, operation);
    const body = (patch ?? {}) as Obj;
    this.checkVersion(operation, resource, current, body.metadata?.resourceVersion);
    const next = clone(current);
    const status = mergePatch(current.status, clone(body.status));
    if (status === undefined) delete next.status;
    else next.status = status;
    // The fields the patch changed are the patcher's now: no applier removes them by leaving them out.
    releaseChanged({ status: current.status }, { status: next.status }, this.ownersOf(resource, ref));
    return this.commit(resource, current, next, 'patchStatus') as Promise<T>;
  }

  /**
   * A forced server-side apply of `status` by this client's field manager: see {@link KubeClient.applyStatus}.
   * {@link FakeClient.as} gives a view of the same objects with another field manager, for several writers.
   */
  async applyStatus<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    status: object,
  ): Promise<T> {
    this.injected('applyStatus', resource);
    const operation = `apply status of ${describeRef(resource, ref)}`;
    if (!this.hasStatus(resource)) {
      throw apiError(operation, 404, 'NotFound', `${resource.plural} has no status subresource`);
    }
    const current = this.existing(resource, ref, operation);
    const ownership = this.ownersOf(resource, ref);
    const applied = serverSideApply(
      { status: clone(current.status) ?? {} },
      { status: clone(status) },
      this.schemaOf(resource),
      this.fieldManager,
      ownership,
    );
    const next = clone(current);
    if (applied.status === undefined || semanticEqual(applied.status, {})) delete next.status;
    else next.status = applied.status;
    return this.commit(resource, current, next, 'applyStatus') as Promise<T>;
  }

  /**
   * Another client over the same objects, writing as `fieldManager`: what a second controller (an adapter beside
   * the core operator) would be, so a test can see two writers share one status.
   */
  as(fieldManager: string): FakeClient {
    const view = Object.create(this) as FakeClient & { fieldManager: string };
    Object.defineProperty(view, 'fieldManager', { value: fieldManager });
    return view;
  }

  private ownersOf(resource: ResourceType, ref: ObjectRef): Ownership {
    const key = `${resource.apiVersion}/${resource.kind} ${this.keyOf(resource, ref)}`;
    let owners = this.ownership.get(key);
    if (!owners) {
      owners = new Map();
      this.ownership.set(key, owners);
    }
    return owners;
  }

  private schemaOf(resource: ResourceType): CrdSchema {
    const [group, version] = resource.apiVersion.includes('/')
      ? resource.apiVersion.split('/')
      : ['', resource.apiVersion];
    const crd = this.crds.find((c) => c.spec.group === group && c.spec.names.kind === resource.kind);
    const schema = crd?.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
    return (schema as CrdSchema | undefined) ?? CONVENTIONAL_SCHEMA;
  }

  async delete(resource: ResourceType, ref: ObjectRef, preconditionUid?: string): Promise<boolean> {
    this.injected('delete', resource);
    this.checkRef(resource, ref);
    const key = this.keyOf(resource, ref);
    const current = this.table(resource).get(key);
    if (!current) return false;
    if (preconditionUid !== undefined && current.metadata?.uid !== preconditionUid) {
      throw apiError(
        `delete ${describeRef(resource, ref)}`,
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${preconditionUid}, UID in object meta: ${current.metadata?.uid}`,
      );
    }
    this.writes.push({ verb: 'delete', kind: resource.kind, key });
    if ((current.metadata?.finalizers?.length ?? 0) > 0) {
      if (!current.metadata?.deletionTimestamp) {
        const next = clone(current);
        next.metadata = { ...next.metadata, deletionTimestamp: this.now().toISOString() as unknown as Date };
        next.metadata.resourceVersion = this.nextVersion();
        this.table(resource).set(key, next);
      }
      return true;
    }
    this.table(resource).delete(key);
    this.ownership.delete(`${resource.apiVersion}/${resource.kind} ${key}`);
    return true;
  }

  createOrUpdate<T extends KubernetesObject>(
    resource: ResourceType,
    desired: T,
    live: T | undefined,
    mayUpdate?: (current: T) => boolean,
  ): Promise<{ result: WriteResult; object: T }> {
    return createOrUpdateWith(this, resource, desired, live, mayUpdate);
  }

  /** Writes `next` over `current` unless nothing changed, keeping server metadata and bumping generation. */
  private commit(resource: ResourceType, current: Obj, next: Obj, verb: FakeWrite['verb']): Promise<Obj> {
    next.apiVersion = resource.apiVersion;
    next.kind = resource.kind;
    const metadata = { ...next.metadata } as Record<string, unknown>;
    delete metadata.managedFields;
    for (const field of SERVER_METADATA) {
      const value = (current.metadata as Record<string, unknown> | undefined)?.[field];
      if (value === undefined) delete metadata[field];
      else metadata[field] = value;
    }
    next.metadata = metadata as Obj['metadata'];
    if (semanticEqual(withoutVersion(next), withoutVersion(current))) return Promise.resolve(clone(current));
    const content = (o: Obj) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status'));
    const statusIsContent = !this.hasStatus(resource);
    if (
      !semanticEqual(content(next), content(current)) ||
      (statusIsContent && !semanticEqual(next.status, current.status))
    ) {
      metadata.generation = ((current.metadata?.generation as number | undefined) ?? 1) + 1;
    }
    metadata.resourceVersion = this.nextVersion();
    const key = this.keyOf(resource, refOf(current));
    // Finalizers removed from an object being deleted: it goes now.
    if (current.metadata?.deletionTimestamp && (next.metadata?.finalizers?.length ?? 0) === 0) {
      this.table(resource).delete(key);
    } else {
      this.table(resource).set(key, next);
    }
    this.writes.push({
      verb,
      kind: resource.kind,
      key,
      ...(verb === 'applyStatus' ? { fieldManager: this.fieldManager } : {}),
    });
    return Promise.resolve(clone(next));
  }

  private existing(resource: ResourceType, ref: ObjectRef, operation: string): Obj {
    this.checkRef(resource, ref);
    const current = this.table(resource).get(this.keyOf(resource, ref));
    if (!current) throw apiError(operation, 404, 'NotFound', `${resource.plural} "${ref.name}" not found`);
    return current;
  }

  private checkVersion(operation: string, resource: ResourceType, current: Obj, wanted: unknown): void {
    if (wanted === undefined || wanted === null || wanted === '') return;
    if (wanted !== current.metadata?.resourceVersion) {
      throw apiError(
        operation,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource.plural} "${current.metadata?.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
  }

  private checkRef(resource: ResourceType, ref: ObjectRef): void {
    if (resource.namespaced && !ref.namespace) {
      throw new Error(`${resource.kind} ${ref.name} is namespaced; its reference needs a namespace`);
    }
  }

  private table(resource: ResourceType): Map<string, Obj> {
    const id = `${resource.apiVersion}/${resource.kind}`;
    let table = this.objects.get(id);
    if (!table) {
      table = new Map();
      this.objects.set(id, table);
    }
    return table;
  }

  private keyOf(resource: ResourceType, ref: ObjectRef): string {
    return refKey(resource.namespaced ? ref : { name: ref.name });
  }

  private nextVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }
}

function apiError(operation: string, code: number, reason: string, message: string): ApiError {
  return new ApiError(code, reason, `${operation}: HTTP ${code} ${reason}: ${message}`);
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

function withoutVersion(obj: Obj): Obj {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

/** RFC 7386 JSON merge patch: objects merge, null removes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/** A label selector as a predicate over labels; an empty selector matches everything. */
function parseSelector(selector: string): (labels: Record<string, string>) => boolean {
  const requirements = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  const tests = requirements
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r): ((labels: Record<string, string>) => boolean) => {
      const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(r);
      if (set) {
        const [, key = '', op, values = ''] = set;
        const allowed = new Set(values.split(',').map((v) => v.trim()));
        return op === 'in'
          ? (l) => key in l && allowed.has(l[key] ?? '')
          : (l) => !(key in l) || !allowed.has(l[key] ?? '');
      }
      const notEqual = /^([^!=]+)!=(.*)$/.exec(r);
      if (notEqual) return (l) => l[notEqual[1]?.trim() ?? ''] !== notEqual[2]?.trim();
      const equal = /^([^!=]+)==?(.*)$/.exec(r);
      if (equal) return (l) => l[equal[1]?.trim() ?? ''] === equal[2]?.trim();
      if (r.startsWith('!')) return (l) => !(r.slice(1).trim() in l);
      return (l) => r in l;
    });
  return (labels) => tests.every((t) => t(labels));
}
