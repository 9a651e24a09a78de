import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, EventRecorder } from '../../src/runtime/events.js';
import { ObjectClient } from '../../src/runtime/object-client.js';
import type { ObjectRef, ResourceType } from '../../src/runtime/resource.js';
import { apiWrites } from '../../src/testing/api-writes.js';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { envtest } from '../../src/testing/vitest.js';

const CONFIGMAP: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

/** The real client, counting the Event writes it sends: the recorder's own share of the API server's writes. */
class CountingClient extends ObjectClient {
  eventWrites = 0;

  override create<T extends KubernetesObject>(resource: ResourceType, obj: T): Promise<T> {
    if (resource.plural === 'events') this.eventWrites++;
    return super.create(resource, obj);
  }

  override patch<T extends KubernetesObject>(
    resource: ResourceType,
    ref: ObjectRef,
    patch: unknown,
  ): Promise<T> {
    if (resource.plural === 'events') this.eventWrites++;
    return super.patch(resource, ref, patch);
  }
}

describe('EventRecorder against the real API server', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'envtest-events-admin');
  let ns: TestNamespace;

  /** A fresh object to record about: each test its own, so their rate-limit buckets never meet. */
  const subject = (name: string) =>
    admin.create<KubernetesObject>(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns.name },
    });
  const eventsAbout = async (obj: KubernetesObject) =>
    (await admin.list<CoreV1Event>(EVENTS, ns.name)).filter(
      (e) => e.involvedObject.uid === obj.metadata?.uid,
    );
  const eventWrites = () => apiWrites(env.kubeConfig, [''], { resources: ['events'] });

  beforeAll(async () => {
    ns = await env.namespace('events');
  });
  afterAll(() => ns?.delete());

  it('counts 50 occurrences of the same Event into one Event with count 50, in two writes', async () => {
    const client = new CountingClient(env.kubeConfig, 'envtest-events');
    const recorder = new EventRecorder(client, 'envtest-events', 'replica-1');
    const storm = await subject('storm');
    const serverWritesBefore = await eventWrites();

    await Promise.all(
      Array.from({ length: 50 }, () => recorder.record(storm, 'Warning', 'Flapping', 'it happened again')),
    );

    const events = await eventsAbout(storm);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'Flapping',
      message: 'it happened again',
      count: 50,
      source: { component: 'envtest-events' },
      reportingComponent: 'envtest-events',
      reportingInstance: 'replica-1',
      involvedObject: { kind: 'ConfigMap', name: 'storm', namespace: ns.name },
    });
    // The first occurrence is created; the 49 seen while that create was in flight share one patch.
    expect(client.eventWrites).toBe(2);
    // The API server agrees (other components of the shared control plane may write an Event meanwhile).
    const serverWrites = (await eventWrites()) - serverWritesBefore;
    expect(serverWrites).toBeGreaterThanOrEqual(2);
    expect(serverWrites).toBeLessThan(10);
  });

  it('keeps different types, reasons and messages apart, and counts each one’s repeats', async () => {
    const recorder = new EventRecorder(
      new ObjectClient(env.kubeConfig, 'envtest-events'),
      'envtest-events',
      'r',
    );
    const policy = await subject('distinct');
    const kinds = [
      ['Normal', 'PolicyUpdated', 'updated shop/a'],
      ['Normal', 'PolicyUpdated', 'updated shop/b'],
      ['Normal', 'PolicyCreated', 'updated shop/a'],
      ['Warning', 'PolicyUpdated', 'updated shop/a'],
    ] as const;
    for (let round = 0; round < 3; round++) {
      for (const [type, reason, message] of kinds) await recorder.record(policy, type, reason, message);
    }

    const events = await eventsAbout(policy);
    expect(
      events
        .map((e) => [e.type, e.reason, e.message, e.count])
        .sort((a, b) => String(a).localeCompare(String(b))),
    ).toEqual(kinds.map((k) => [...k, 3]).sort((a, b) => String(a).localeCompare(String(b))));
  });

  it('bounds a sustained storm about one object by its burst of 25 writes', async () => {
    const client = new CountingClient(env.kubeConfig, 'envtest-events');
    const recorder = new EventRecorder(client, 'envtest-events', 'r');
    const noisy = await subject('sustained');
    const serverWritesBefore = await eventWrites();

    // One after another, each awaited, as a controller records: no write is in flight to share.
    for (let i = 0; i < 40; i++) await recorder.record(noisy, 'Warning', 'Failing', 'still failing');

    const events = await eventsAbout(noisy);
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(25);
    expect(client.eventWrites).toBe(25);
    // Fewer writes than occurrences, whatever else writes an Event meanwhile: 15 were counted but not sent.
    const serverWrites = (await eventWrites()) - serverWritesBefore;
    expect(serverWrites).toBeGreaterThanOrEqual(25);
    expect(serverWrites).toBeLessThan(40);
  });

  it('creates an Event again, with the whole count, when it was deleted meanwhile', async () => {
    const recorder = new EventRecorder(
      new ObjectClient(env.kubeConfig, 'envtest-events'),
      'envtest-events',
      'r',
    );
    const obj = await subject('deleted-event');
    await recorder.record(obj, 'Normal', 'Synced', 'synced');
    await recorder.record(obj, 'Normal', 'Synced', 'synced');
    const [first] = await eventsAbout(obj);
    expect(first?.count).toBe(2);
    await admin.delete(EVENTS, { namespace: ns.name, name: first?.metadata?.name ?? '' });

    await recorder.record(obj, 'Normal', 'Synced', 'synced');

    const events = await eventsAbout(obj);
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata?.name).not.toBe(first?.metadata?.name);
    expect(events[0]?.count).toBe(3);
    expect(events[0]?.firstTimestamp).toEqual(first?.firstTimestamp);
  });
});
