import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceType } from './resource.js';

/** A resourceVersion as a number, when it is one (etcd's revisions are); undefined otherwise. */
function revision(obj: KubernetesObject): bigint | undefined {
  const rv = obj.metadata?.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * The objects a controller wrote last, until its cache has caught up with them: "read your own writes". A watch
 * delivers another writer's change (the core operator's, an adapter's) as soon as it lands, and the reconcile it
 * triggers may still see a cached copy that predates the controller's own last write; planned from that copy, the
 * write would be made again. {@link OwnWrites.freshest} hands back the newer of the two instead.
 *
 * Versions are compared as numbers, which etcd's resourceVersions are; when one is not a number the cached object
 * is used, as without this. At most `limit` objects are remembered, the oldest forgotten first.
 */
export class OwnWrites {
  private readonly written = new Map<string, KubernetesObject>();

  /** @param limit - how many objects to remember at most; default 4096. */
  constructor(private readonly limit = 4096) {}

  private static key(resource: ResourceType, obj: KubernetesObject): string {
    return `${resource.apiVersion}/${resource.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  }

  /** Remembers what a write returned: the object as the API server holds it after the write. */
  remember(resource: ResourceType, written: KubernetesObject): void {
    const key = OwnWrites.key(resource, written);
    this.written.delete(key);
    this.written.set(key, written);
    if (this.written.size > this.limit) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }

  /** `cached`, or the object this controller last wrote when that is the same object and newer. */
  freshest<T extends KubernetesObject>(resource: ResourceType, cached: T): T {
    const key = OwnWrites.key(resource, cached);
    const written = this.written.get(key);
    if (!written) return cached;
    const mine = revision(written);
    const theirs = revision(cached);
    if (
      written.metadata?.uid === cached.metadata?.uid &&
      mine !== undefined &&
      theirs !== undefined &&
      mine > theirs
    ) {
      return written as T;
    }
    // The cache has caught up (or it is another object of the name): nothing left to remember.
    this.written.delete(key);
    return cached;
  }
}
