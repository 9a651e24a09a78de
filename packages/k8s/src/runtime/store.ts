import type { KubernetesObject } from '@kubernetes/client-node';
import { type ObjectRef, refKey, refOf } from './resource.js';

/**
 * Read side of a cache filled by one reflector. Many readers, one writer.
 *
 * Caveat: the data may be stale by the time you act on it. Read from here to decide, write to the API
 * server, and rely on resourceVersion conflicts and the next reconcile to correct a stale decision.
 */
export interface Store<T extends KubernetesObject> {
  /** The cached object, or undefined. */
  get(ref: ObjectRef): T | undefined;
  /** Every cached object, optionally only those in one namespace. */
  list(namespace?: string): T[];
  /**
   * The cached objects whose controller owner reference (`controller: true`) has this uid, from an index the
   * writer keeps: a reconciler that looks for its own children reads only those, instead of copying and scanning
   * the whole cache on every reconcile (which, with thousands of children, is most of what a process allocates).
   */
  controlledBy(uid: string): T[];
  /** True once the first complete list has been stored. */
  readonly ready: boolean;
  /** Resolves once the first complete list has been stored. */
  waitUntilReady(): Promise<void>;
}

/** Write side of a cache; only the reflector holds it. */
export interface StoreWriter<T extends KubernetesObject> {
  /** Inserts or replaces one object; returns the previous version. */
  apply(obj: T): T | undefined;
  /** Removes one object; returns what was stored. */
  delete(obj: T): T | undefined;
  /** Replaces the whole content after a (re)list; returns the objects that disappeared. */
  replace(objects: readonly T[]): T[];
}

/** The uid of the object's controller owner reference, if it has one. */
function controllerUid(obj: KubernetesObject): string | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
}

/** Creates an empty cache and returns its reader and its writer. */
export function createStore<T extends KubernetesObject>(): [Store<T>, StoreWriter<T>] {
  const objects = new Map<string, T>();
  // Controller uid → the keys of the objects it controls; kept in step with `objects` by every write below.
  const byController = new Map<string, Set<string>>();
  const index = (key: string, obj: T) => {
    const uid = controllerUid(obj);
    if (uid === undefined) return;
    const keys = byController.get(uid);
    if (keys) keys.add(key);
    else byController.set(uid, new Set([key]));
  };
  const unindex = (key: string, obj: T | undefined) => {
    const uid = obj && controllerUid(obj);
    if (uid === undefined) return;
    const keys = byController.get(uid);
    keys?.delete(key);
    if (keys?.size === 0) byController.delete(uid);
  };
  let ready = false;
  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const keyOf = (obj: T) => refKey(refOf(obj));

  const reader: Store<T> = {
    get: (ref) => objects.get(refKey(ref)),
    list: (namespace) => {
      const all = [...objects.values()];
      return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
    },
    controlledBy: (uid) => [...(byController.get(uid) ?? [])].map((key) => objects.get(key) as T),
    get ready() {
      return ready;
    },
    waitUntilReady: () => readyPromise,
  };
  const writer: StoreWriter<T> = {
    apply(obj) {
      const key = keyOf(obj);
      const previous = objects.get(key);
      objects.set(key, obj);
      // Re-indexed only when the controller changed, so the index keeps the cache's order.
      if (!previous || controllerUid(previous) !== controllerUid(obj)) {
        unindex(key, previous);
        index(key, obj);
      }
      return previous;
    },
    delete(obj) {
      const key = keyOf(obj);
      const previous = objects.get(key);
      unindex(key, previous);
      objects.delete(key);
      return previous;
    },
    replace(list) {
      const fresh = new Map(list.map((o) => [keyOf(o), o] as const));
      const gone = [...objects.entries()].filter(([k]) => !fresh.has(k)).map(([, o]) => o);
      objects.clear();
      byController.clear();
      for (const [k, o] of fresh) {
        objects.set(k, o);
        index(k, o);
      }
      if (!ready) {
        ready = true;
        markReady();
      }
      return gone;
    },
  };
  return [reader, writer];
}
