import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { ApiServerAccess } from '../cluster-connection.js';
import type { Action } from './action.js';
import { Backoff } from './backoff.js';
import { defaultErrorPolicy, type ErrorOutcome, type ErrorPolicy } from './error-outcome.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import type { ReflectorPool } from './reflector-pool.js';
import { describeRef, type ObjectRef, parseKey, type ResourceType, refKey, refOf } from './resource.js';
import type { Store } from './store.js';
import { WorkQueue } from './work-queue.js';

/** Reconciles one existing object towards its desired state; throw to report a failure. */
export type Reconciler<T extends KubernetesObject, C> = (obj: T, ctx: C) => Promise<Action>;

/** Maps a watched object to the keys of primary objects to reconcile. */
export type Mapper<U extends KubernetesObject> = (obj: U) => readonly ObjectRef[];

/** Options of a {@link Controller}. */
export interface ControllerOptions {
  /** Name used in logs and metrics, e.g. `securityintentbinding`. */
  readonly name: string;
  readonly logger: Logger;
  /** Most reconciles at once (different keys). Default 4. */
  readonly concurrency?: number;
  /** Options for every reflector of this controller (tests shorten timeouts). */
  readonly reflector?: ReflectorOptions;
  /**
   * Share caches with other controllers: reflectors come from this pool (whose options then apply), and
   * `stop()` leaves them running for the pool's owner to stop.
   */
  readonly reflectors?: ReflectorPool;
  /** Called after each reconcile with its outcome and duration, e.g. to feed metrics. */
  readonly onReconciled?: (outcome: 'success' | 'error', durationMs: number) => void;
}

/**
 * An error policy that retries every failure with the controller's per-key exponential backoff (800 ms
 * doubling to 5 min, with jitter). {@link Controller.start}'s default, `defaultErrorPolicy`, also stops at a
 * `TerminalError`.
 */
export function backoffErrorPolicy<T extends KubernetesObject, C>(): ErrorPolicy<T, C> {
  return () => ({ kind: 'retry' });
}

/** The delay of the `attempt`th consecutive failure under the controller's backoff. */
export function retryDelayOf(attempt: number): number {
  const backoff = new Backoff({ maxMs: 300_000 });
  let delay = 0;
  for (let i = 0; i < attempt; i++) delay = backoff.next();
  return delay;
}

/** The requeue delay of an {@link ErrorOutcome}, or undefined for none. */
function delayOf(outcome: ErrorOutcome, attempt: number): number | undefined {
  switch (outcome.kind) {
    case 'retry':
      return retryDelayOf(attempt);
    case 'requeueAfter':
      return outcome.ms;
    case 'terminal':
      return undefined;
  }
}

/**
 * Runs a level-triggered reconcile loop for one primary resource:
 * `const c = new Controller(kc, SIB, opts).owns(NP).watches(SI, mapper); await c.start(reconcile, ctx)` (an
 * {@link ErrorPolicy} as the third argument replaces the default one), and `await c.stop()` to end it.
 *
 * Each resource is mirrored by one {@link Reflector}; every change maps to primary keys on a
 * {@link WorkQueue}; the reconciler gets the current cached primary object (a missing object is not
 * reconciled: owned children go with it through garbage collection).
 */
export class Controller<T extends KubernetesObject> {
  private readonly primary: Reflector<T>;
  private readonly queue: WorkQueue;
  private readonly failures = new Map<string, number>();
  private readonly byResource = new Map<string, Reflector<KubernetesObject>>();

  /**
   * @param kc - credentials and cluster.
   * @param resource - the primary resource: its objects are what `reconcile` receives.
   */
  constructor(
    private readonly kc: ApiServerAccess,
    readonly resource: ResourceType,
    private readonly options: ControllerOptions,
  ) {
    this.primary = this.reflectorFor<T>(resource);
    this.primary.onChange((obj) => this.queue.add(refKey(refOf(obj))));
    this.queue = new WorkQueue({ concurrency: options.concurrency ?? 4 });
  }

  private reflectorFor<U extends KubernetesObject>(
    resource: ResourceType,
    metadataOnly = false,
  ): Reflector<U> {
    const id = `${resource.apiVersion}/${resource.kind}`;
    let reflector = this.byResource.get(id);
    if (!reflector) {
      reflector =
        this.options.reflectors?.get<KubernetesObject>(resource, metadataOnly) ??
        new Reflector<KubernetesObject>(this.kc, resource, {
          ...this.options.reflector,
          logger: this.options.logger,
          metadataOnly,
        });
      this.byResource.set(id, reflector);
    }
    return reflector as unknown as Reflector<U>;
  }

  /**
   * Reconciles the controller-owner of every changed or deleted `child`. Sugar for
   * `watches(child, obj => [its controller owner reference, when it is of the primary kind])`.
   * Owners are found by owner reference, never by parsing names.
   */
  owns(child: ResourceType): this {
    return this.watches(child, (obj) => {
      const owner = obj.metadata?.ownerReferences?.find(
        (o) => o.controller && o.kind === this.resource.kind && o.apiVersion === this.resource.apiVersion,
      );
      if (!owner) return [];
      return [
        { name: owner.name, namespace: this.resource.namespaced ? obj.metadata?.namespace : undefined },
      ];
    });
  }

  /**
   * Reconciles the primary objects `mapper` returns for every changed or deleted object of `resource`.
   * With `metadataOnly`, the cache of `resource` holds only metadata (see ReflectorOptions.metadataOnly).
   */
  watches<U extends KubernetesObject>(
    resource: ResourceType,
    mapper: Mapper<U>,
    options: { metadataOnly?: boolean } = {},
  ): this {
    this.reflectorFor<U>(resource, options.metadataOnly).onChange((obj) => {
      for (const ref of mapper(obj)) this.queue.add(refKey(ref));
    });
    return this;
  }

  /** The cache of a resource this controller watches (primary, owned or watched). */
  store<U extends KubernetesObject>(resource: ResourceType): Store<U> {
    const reflector = this.byResource.get(`${resource.apiVersion}/${resource.kind}`);
    if (!reflector)
      throw new Error(`${this.options.name} does not watch ${resource.kind}; add it with owns/watches`);
    return reflector.store as unknown as Store<U>;
  }

  /** Queues a primary key by hand, e.g. from a periodic task. */
  enqueue(ref: ObjectRef): void {
    this.queue.add(refKey(ref));
  }

  /** Queues every cached primary object: a full resync, as after a missed event. */
  enqueueAll(): void {
    for (const obj of this.primary.store.list()) this.queue.add(refKey(refOf(obj)));
  }

  /** Keys waiting in the queue (for metrics). */
  get queueDepth(): number {
    return this.queue.depth;
  }

  /** Starts every reflector, waits for their first lists, then starts reconciling. */
  async start<C>(
    reconcile: Reconciler<T, C>,
    ctx: C,
    errorPolicy: ErrorPolicy<T, C> = defaultErrorPolicy<T, C>(),
  ): Promise<void> {
    const reflectors = [...this.byResource.values()];
    for (const r of reflectors) r.start();
    await Promise.all(reflectors.map((r) => r.store.waitUntilReady()));
    this.queue.start((key) => this.handle(key, reconcile, errorPolicy, ctx));
  }

  /** True once every cache has its first list. */
  get ready(): boolean {
    return [...this.byResource.values()].every((r) => r.store.ready);
  }

  /** Stops reconciling (waits for running reconciles) and stops the watches. */
  async stop(): Promise<void> {
    await this.queue.stop();
    if (!this.options.reflectors) await Promise.all([...this.byResource.values()].map((r) => r.stop()));
  }

  private async handle<C>(key: string, reconcile: Reconciler<T, C>, errorPolicy: ErrorPolicy<T, C>, ctx: C) {
    const ref = parseKey(key);
    const obj = this.primary.store.get(ref);
    const log = this.options.logger.child({
      controller: this.options.name,
      object: describeRef(this.resource, ref),
    });
    if (!obj) {
      this.failures.delete(key);
      log.debug('object is gone; nothing to reconcile');
      return;
    }
    const started = performance.now();
    try {
      const action = await reconcile(obj, ctx);
      this.failures.delete(key);
      this.options.onReconciled?.('success', performance.now() - started);
      if (action.requeueAfterMs !== undefined) this.queue.addAfter(key, action.requeueAfterMs);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onReconciled?.('error', performance.now() - started);
      const outcome = errorPolicy(obj, error, ctx, attempt);
      const delay = delayOf(outcome, attempt);
      log.error('reconcile failed', {
        error: error instanceof Error ? error.message : String(error),
        attempt,
        outcome: outcome.kind,
        retryInMs: delay,
      });
      if (delay !== undefined) this.queue.addAfter(key, delay);
    }
  }
}
