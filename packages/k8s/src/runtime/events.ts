import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { isNotFound } from './api-error.js';
import {
  EventCorrelator,
  type EventCorrelatorOptions,
  type EventOccurrence,
  type EventType,
  type EventWrite,
} from './event-correlator.js';
import type { KubeClient } from './kube-client.js';
import type { ResourceType } from './resource.js';

export type { EventType } from './event-correlator.js';

/** The core/v1 Event resource, which `kubectl describe` shows. */
export const EVENTS: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/** The Event object's fields that change with each repeat: what a patch writes. */
interface EventCount {
  count: number;
  lastTimestamp: string;
}

/** The writes of one aggregated Event: at most one in flight, and one after it for everything seen meanwhile. */
interface WriteQueue {
  running: Promise<void>;
  next: Promise<void> | undefined;
}

/**
 * Records Kubernetes Events about objects, as `kubectl describe` shows them. Recording never fails the
 * caller: an Event is a notification, so an error writing one is logged and dropped.
 *
 * Repeats are aggregated as client-go's recorder does ({@link EventCorrelator}): the same source, object, type,
 * reason and message within a few minutes raise the `count` and `lastTimestamp` of one core/v1 Event (a merge
 * patch) instead of creating another, and each object's writes are rate-limited (25 at once, then one per 5 minutes),
 * so a storm of Events about one object costs a bounded number of requests. Occurrences arriving while that Event
 * is being written share one follow-up write. Callers should still record transitions (a policy written, a
 * condition turning False), not every reconcile, which keeps the Event stream meaningful.
 */
export class EventRecorder {
  private readonly correlator: EventCorrelator;
  private readonly queues = new Map<string, WriteQueue>();

  /**
   * @param client - needs `create` on events in the namespaces of the objects recorded about, and `patch` on
   *   them for repeats.
   * @param component - shown as the Event's source, e.g. `nimbus-core-operator`.
   * @param instance - this replica's identity.
   * @param correlation - the aggregation's window, rate limit and clock; the defaults are client-go's.
   */
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly logger?: Logger,
    correlation: EventCorrelatorOptions = {},
  ) {
    this.correlator = new EventCorrelator(correlation);
  }

  /**
   * Records one occurrence of an Event about `obj`; resolves once it is written (in a write of its own, or
   * counted into the next write of the same Event), or dropped by the rate limit.
   */
  record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> {
    const name = obj.metadata?.name ?? 'unknown';
    const occurrence: EventOccurrence = {
      source: this.component,
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name,
        namespace: obj.metadata?.namespace,
        uid: obj.metadata?.uid,
        resourceVersion: obj.metadata?.resourceVersion,
      },
      // Cluster-scoped objects' Events live in "default", as client-go's recorder does.
      namespace: obj.metadata?.namespace || 'default',
      type,
      reason,
      message: message.slice(0, 1024),
    };
    return this.flush(this.correlator.observe(occurrence));
  }

  /** Writes the Event of `key` now, or, when a write of it is in flight, once right after that one. */
  private flush(key: string): Promise<void> {
    const queue = this.queues.get(key);
    if (!queue) return this.start(key, undefined);
    // The write in flight carries an older count; the next one, shared by every occurrence meanwhile, reads the
    // count when it starts.
    queue.next ??= queue.running.then(() => this.start(key, queue));
    return queue.next;
  }

  private start(key: string, queue: WriteQueue | undefined): Promise<void> {
    const current: WriteQueue = queue ?? { running: Promise.resolve(), next: undefined };
    current.next = undefined;
    const running: Promise<void> = this.write(key).finally(() => {
      if (current.running === running && current.next === undefined) this.queues.delete(key);
    });
    current.running = running;
    this.queues.set(key, current);
    return running;
  }

  /** Sends what the correlator says the API server lacks; never rejects. */
  private async write(key: string): Promise<void> {
    const write = this.correlator.nextWrite(key);
    if (write.kind === 'none') return;
    const { occurrence } = write;
    const about = { object: describeInvolved(occurrence), reason: occurrence.reason };
    if (write.kind === 'drop') {
      this.logger?.debug('too many Events about this object: the write is dropped, the occurrence counted', {
        ...about,
        count: write.count,
      });
      return;
    }
    try {
      if (write.kind === 'patch') {
        try {
          await this.client.patch(
            EVENTS,
            { namespace: occurrence.namespace, name: write.name },
            countOf(write),
          );
          this.correlator.written(key, write.series, write.name, write.count);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // Deleted, or expired by the API server's event TTL: create it again with the whole count, as
          // client-go does.
          this.correlator.lost(key, write.series);
        }
      }
      const created = await this.client.create(EVENTS, this.eventObject(write));
      this.correlator.written(key, write.series, created.metadata?.name ?? '', write.count);
    } catch (err) {
      this.logger?.warn('could not record an Event', { ...about, error: (err as Error).message });
    }
  }

  private eventObject(write: Exclude<EventWrite, { kind: 'none' }>): KubernetesObject {
    const { occurrence } = write;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${occurrence.involvedObject.name}.`, namespace: occurrence.namespace },
      involvedObject: occurrence.involvedObject,
      type: occurrence.type,
      reason: occurrence.reason,
      message: occurrence.message,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
      firstTimestamp: new Date(write.firstTimestamp).toISOString(),
      ...countOf(write),
    } as KubernetesObject;
  }
}

/** `Kind namespace/name` of the object an Event is about, for logs. */
function describeInvolved({ involvedObject: o }: EventOccurrence): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function countOf(write: { count: number; lastTimestamp: number }): EventCount {
  return { count: write.count, lastTimestamp: new Date(write.lastTimestamp).toISOString() };
}
