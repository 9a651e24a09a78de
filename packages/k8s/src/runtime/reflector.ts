import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { ApiServerAccess } from '../cluster-connection.js';
import { rawRequest } from '../raw-request.js';
import { Backoff, sleep } from './backoff.js';
import { internStrings } from './intern.js';
import { collectionPath, type ResourceType } from './resource.js';
import { createStore, type Store, type StoreWriter } from './store.js';
import { type RawWatchEvent, streamWatch, WatchHttpError } from './watch-stream.js';

/** Called for every object that changed or disappeared, after the store holds the new state. */
export type ChangeListener<T extends KubernetesObject> = (obj: T, change: 'applied' | 'deleted') => void;

/** Options of a {@link Reflector}. */
export interface ReflectorOptions {
  /** Only this namespace; default all namespaces. */
  readonly namespace?: string;
  /** A label selector to watch only matching objects. */
  readonly labelSelector?: string;
  /** Page size of the initial and recovery lists. Default 500. */
  readonly pageSize?: number;
  /** Server-side watch timeout: the server ends each watch after about this long, and we resume. Default 290 s. */
  readonly watchTimeoutSeconds?: number;
  /** A watch that receives nothing for this long is treated as dead and reopened. Default 330 s. */
  readonly idleTimeoutMs?: number;
  /**
   * Cache only metadata (labels, owners, deletionTimestamp …), as PartialObjectMetadata: for resources
   * such as Pods whose specs a controller never reads, this keeps memory proportional to what is used.
   */
  readonly metadataOnly?: boolean;
  /** Backoff between failed attempts. Default 800 ms → 30 s. */
  readonly backoff?: Backoff;
  readonly logger?: Logger;
}

/**
 * What is cached of an object just parsed. `metadata.managedFields` is dropped: no controller reads them, and they
 * are often the largest part of an object, so keeping them would multiply a cache's memory. Its strings are
 * interned ({@link internStrings}): cached objects repeat most of theirs, and each would otherwise hold a copy.
 */
function slim<T extends KubernetesObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return internStrings(obj);
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return internStrings({ ...obj, metadata });
}

/** Media type prefix asking the API server for metadata only (meta.k8s.io/v1 PartialObjectMetadata). */
const METADATA_ACCEPT = 'application/json;g=meta.k8s.io;v=v1';

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  // Absent when empty in metadata-only lists.
  items?: T[] | null;
}

/**
 * Keeps a {@link Store} equal to the API server's state of one resource: list, then watch from the list's
 * resourceVersion; resume after disconnects and server timeouts; re-list after `410 Gone`; back off on
 * errors. It is the store's only writer. Listeners hear about every change, including objects found
 * missing on a re-list, so nothing is lost across a disconnect.
 */
export class Reflector<T extends KubernetesObject> {
  /** The cache this reflector fills. */
  readonly store: Store<T>;
  private readonly writer: StoreWriter<T>;
  private readonly listeners: ChangeListener<T>[] = [];
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private listCount = 0;

  /**
   * @param kc - credentials and cluster.
   * @param resource - the resource type to mirror.
   */
  constructor(
    private readonly kc: ApiServerAccess,
    readonly resource: ResourceType,
    private readonly options: ReflectorOptions = {},
  ) {
    [this.store, this.writer] = createStore<T>();
  }

  /** How many complete lists this reflector has made: 1 after start, one more after each `410 Gone`. */
  get lists(): number {
    return this.listCount;
  }

  /** Registers a listener; call before `start()` to hear about the initial list too. */
  onChange(listener: ChangeListener<T>): void {
    this.listeners.push(listener);
  }

  /** Starts the list/watch loop in the background; idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private notify(obj: T, change: 'applied' | 'deleted'): void {
    for (const listener of this.listeners) listener(obj, change);
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.options.labelSelector) params.set('labelSelector', this.options.labelSelector);
    return `${collectionPath(this.resource, this.options.namespace)}?${params}`;
  }

  private async list(): Promise<string> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const res = await rawRequest(
        this.kc,
        this.query({
          limit: String(this.options.pageSize ?? 500),
          ...(continueToken ? { continue: continueToken } : {}),
        }),
        {
          timeoutMs: 60_000,
          ...(this.options.metadataOnly ? { accept: `${METADATA_ACCEPT};as=PartialObjectMetadataList` } : {}),
        },
      );
      if (res.status !== 200) {
        throw new WatchHttpError(
          res.status,
          `list ${this.resource.kind}: HTTP ${res.status} ${res.body.slice(0, 500)}`,
        );
      }
      const page = JSON.parse(res.body) as ListResponse<T>;
      // List items carry no apiVersion/kind; restore them so cached objects look like single GETs.
      for (const item of page.items ?? []) {
        items.push(slim({ ...item, apiVersion: this.resource.apiVersion, kind: this.resource.kind }));
      }
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (continueToken);
    const gone = this.writer.replace(items);
    this.listCount++;
    for (const obj of items) this.notify(obj, 'applied');
    for (const obj of gone) this.notify(obj, 'deleted');
    return resourceVersion;
  }

  private handle(event: RawWatchEvent, setVersion: (rv: string) => void): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; message?: string };
      throw new WatchHttpError(
        status.code ?? 500,
        `watch ${this.resource.kind}: ${status.message ?? 'error event'}`,
      );
    }
    const obj = slim(event.object as unknown as T);
    const rv = obj.metadata?.resourceVersion;
    if (rv) setVersion(rv);
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') {
      this.writer.delete(obj);
      this.notify(obj, 'deleted');
    } else {
      this.writer.apply(obj);
      this.notify(obj, 'applied');
    }
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const backoff = this.options.backoff ?? new Backoff();
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        resourceVersion ??= await this.list();
        const timeoutSeconds = this.options.watchTimeoutSeconds ?? 290;
        const path = this.query({
          watch: 'true',
          allowWatchBookmarks: 'true',
          resourceVersion,
          // Jitter, so that many watches do not all reconnect in the same second.
          timeoutSeconds: String(Math.round(timeoutSeconds * (0.9 + Math.random() * 0.2))),
        });
        let healthy = false;
        await streamWatch(
          this.kc,
          path,
          (event) => {
            this.handle(event, (rv) => {
              resourceVersion = rv;
            });
            if (!healthy) {
              healthy = true;
              backoff.reset();
            }
          },
          signal,
          this.options.idleTimeoutMs ?? 330_000,
          this.options.metadataOnly ? `${METADATA_ACCEPT};as=PartialObjectMetadata` : 'application/json',
        );
        // The server closed a healthy stream (timeoutSeconds): resume from the last resourceVersion.
        backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof WatchHttpError && err.status === 410) {
          // Our resourceVersion was compacted away: start over with a fresh list.
          this.options.logger?.info('watch expired (410 Gone); re-listing', { kind: this.resource.kind });
          resourceVersion = undefined;
          continue;
        }
        const delay = backoff.next();
        this.options.logger?.warn('watch failed; retrying', {
          kind: this.resource.kind,
          error: (err as Error).message,
          retryInMs: delay,
        });
        await sleep(delay, signal);
      }
    }
  }
}
