import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Action } from '../../src/runtime/action.js';
import { setCondition } from '../../src/runtime/conditions.js';
import { Controller } from '../../src/runtime/controller.js';
import { ObjectClient, type WriteResult } from '../../src/runtime/object-client.js';
import type { ResourceType } from '../../src/runtime/resource.js';
import { updateStatus } from '../../src/runtime/status.js';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { pollUntil } from '../../src/testing/poll.js';
import { envtest } from '../../src/testing/vitest.js';

const CRD = fileURLToPath(new URL('./fixtures/widgets.crd.yaml', import.meta.url));
const WIDGET: ResourceType = {
  apiVersion: 'envtest.nimbus-ts.dev/v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};
const CONFIGMAP: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

interface Widget extends KubernetesObject {
  spec: { size: number; colour?: string };
  status?: { phase?: string; conditions?: ReturnType<typeof setCondition>; foreign?: string };
}

describe('Controller against the real API server', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'envtest-controller');
  const results: { widget: string; child: WriteResult; status: WriteResult }[] = [];
  let ns: TestNamespace;
  let controller: Controller<Widget>;

  const childOf = (w: Widget): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${w.metadata?.name}-child`,
      namespace: w.metadata?.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'envtest-controller' },
      ownerReferences: [
        {
          apiVersion: WIDGET.apiVersion,
          kind: WIDGET.kind,
          name: w.metadata?.name ?? '',
          uid: w.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { size: String(w.spec.size) },
  });

  /** A Widget of its own for a test, once the controller has built its child and reported Ready. */
  const readyWidget = async (name: string, size: number) => {
    await client.create(WIDGET, {
      apiVersion: WIDGET.apiVersion,
      kind: WIDGET.kind,
      metadata: { name, namespace: ns.name },
      spec: { size },
    });
    await pollUntil(
      `Widget ${name} to be Ready`,
      30_000,
      () => client.get<Widget>(WIDGET, { namespace: ns.name, name }),
      {
        until: (w) => w?.status?.phase === 'Ready',
      },
    );
    await pollUntil(`the child of ${name}`, 30_000, () =>
      client.get(CONFIGMAP, { namespace: ns.name, name: `${name}-child` }),
    );
  };

  beforeAll(async () => {
    await env.installCRDs([CRD]);
    ns = await env.namespace('ctrl');
    controller = new Controller<Widget>(env.kubeConfig, WIDGET, {
      name: 'widget',
      logger: createLogger('test', { level: 'error' }),
      reflector: { namespace: ns.name },
    }).owns(CONFIGMAP);
    const children = controller.store<V1ConfigMap>(CONFIGMAP);
    await controller.start(async (w: Widget) => {
      const desired = childOf(w);
      const live = children.get({ namespace: w.metadata?.namespace, name: desired.metadata?.name ?? '' });
      const child = (await client.createOrUpdate(CONFIGMAP, desired, live)).result;
      const status = await updateStatus(client, WIDGET, w, (s) => ({
        phase: 'Ready',
        conditions: setCondition(s?.conditions, {
          type: 'Ready',
          status: 'True',
          reason: 'ChildBuilt',
          message: `ConfigMap ${desired.metadata?.name} holds size ${w.spec.size}`,
          observedGeneration: w.metadata?.generation,
        }),
      }));
      results.push({ widget: w.metadata?.name ?? '', child, status });
      return Action.requeue(60_000);
    }, {});
  });
  afterAll(async () => {
    await controller?.stop();
    await ns?.delete();
  });

  it('creates an owned child, repairs drift on it, and writes nothing once converged', async () => {
    const namespace = ns.name;
    await client.create(WIDGET, {
      apiVersion: WIDGET.apiVersion,
      kind: WIDGET.kind,
      metadata: { name: 'w', namespace },
      spec: { size: 2 },
    });
    const children = controller.store<V1ConfigMap>(CONFIGMAP);
    const childRef = { namespace, name: 'w-child' };
    await pollUntil(
      'the child ConfigMap',
      30_000,
      async () => (await client.get(CONFIGMAP, childRef)) !== undefined,
    );
    const child = await client.get<V1ConfigMap>(CONFIGMAP, childRef);
    expect(child?.data).toEqual({ size: '2' });
    expect(child?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Widget',
      name: 'w',
      controller: true,
    });
    await pollUntil('Widget status', 30_000, async () => {
      const w = await client.get<Widget>(WIDGET, { namespace, name: 'w' });
      return w?.status?.phase === 'Ready';
    });

    // Drift: an edit is reverted, a deletion is undone.
    await client.replace(CONFIGMAP, { ...(child as V1ConfigMap), data: { size: '999' } });
    await pollUntil('the edit to be reverted', 30_000, async () => {
      const cm = await client.get<V1ConfigMap>(CONFIGMAP, childRef);
      return cm?.data?.size === '2';
    });
    await client.delete(CONFIGMAP, childRef);
    await pollUntil('the child to be re-created', 30_000, async () => {
      const cm = await client.get<V1ConfigMap>(CONFIGMAP, childRef);
      return cm?.data?.size === '2' && cm.metadata?.uid !== child?.metadata?.uid;
    });
    await pollUntil('the cache to catch up', 30_000, () => children.get(childRef)?.data?.size === '2');

    // Converged: a forced reconcile finds nothing to write.
    const settled = await client.get<V1ConfigMap>(CONFIGMAP, childRef);
    const before = results.length;
    controller.enqueue({ namespace, name: 'w' });
    // Other tests' widgets reconcile too: wait for this one's.
    const forced = await pollUntil('one more reconcile', 30_000, () =>
      results.slice(before).find((r) => r.widget === 'w'),
    );
    expect(forced).toEqual({ widget: 'w', child: 'unchanged', status: 'unchanged' });
    expect((await client.get<V1ConfigMap>(CONFIGMAP, childRef))?.metadata?.resourceVersion).toBe(
      settled?.metadata?.resourceVersion,
    );
  });

  it('updates only the status fields it owns; fields written by others survive', async () => {
    const namespace = ns.name;
    await readyWidget('shared-status', 2);
    const ref = { namespace, name: 'shared-status' };
    await client.patchStatus(WIDGET, ref, { status: { foreign: 'adapter-entry' } });
    const live = await client.get<Widget>(WIDGET, ref);
    await client.replace(WIDGET, { ...(live as Widget), spec: { size: 5 } });
    await pollUntil('the condition to follow the new generation', 30_000, async () => {
      const w = await client.get<Widget>(WIDGET, ref);
      return w?.status?.conditions?.[0]?.message.includes('size 5') === true;
    });
    const w = await client.get<Widget>(WIDGET, ref);
    expect(w?.status?.foreign).toBe('adapter-entry');
    expect(w?.status?.conditions?.[0]?.observedGeneration).toBe(w?.metadata?.generation);
  });

  it('deletion of the owner leaves nothing to reconcile, and the garbage collector removes the child', async () => {
    const namespace = ns.name;
    await readyWidget('doomed', 1);
    await client.delete(WIDGET, { namespace, name: 'doomed' });
    await pollUntil('the child to be garbage-collected', 60_000, async () => {
      return (await client.get(CONFIGMAP, { namespace, name: 'doomed-child' })) === undefined;
    });
  });
});
