import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { ObjectClient } from './object-client.js';
import type { ResourceType } from './resource.js';

/** The core/v1 Event resource, which `kubectl describe` shows. */
export const EVENTS: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/** Normal for things that went as intended, Warning for what a user should look at. */
export type EventType = 'Normal' | 'Warning';

/**
 * Records Kubernetes Events about objects, as `kubectl describe` shows them. Recording never fails the
 * caller: an Event is a notification, so an error writing one is logged and dropped.
 *
 * Callers should record transitions (a policy written, a condition turning False), not every reconcile,
 * which keeps the Event stream meaningful without server-side aggregation.
 */
export class EventRecorder {
  /**
   * @param client - needs `create` on events in the namespaces of the objects recorded about.
   * @param component - shown as the Event's source, e.g. `nimbus-core-operator`.
   * @param instance - this replica's identity.
   */
  constructor(
    private readonly client: ObjectClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly logger?: Logger,
  ) {}

  /** Records one Event about `obj`; resolves once written or dropped. */
  async record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    const name = obj.metadata?.name ?? 'unknown';
    // Cluster-scoped objects' Events live in "default", as client-go's recorder does.
    const namespace = obj.metadata?.namespace || 'default';
    try {
      await this.client.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name,
          namespace: obj.metadata?.namespace,
          uid: obj.metadata?.uid,
          resourceVersion: obj.metadata?.resourceVersion,
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      } as KubernetesObject);
    } catch (err) {
      this.logger?.warn('could not record an Event', {
        object: `${obj.kind} ${name}`,
        reason,
        error: (err as Error).message,
      });
    }
  }
}
