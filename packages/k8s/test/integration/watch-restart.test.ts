import { CoreV1Api, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../src/testing/control-plane.js';
import { pollUntil } from '../../src/testing/poll.js';

describe('restarting kube-apiserver and etcd', () => {
  // A control plane of its own: restarting the shared one would disturb other test files.
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false });
  });
  afterAll(() => cp?.stop());

  it('keeps the data, and a client watch that restarts on error sees events from after the restart', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = 'default';
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' } } });

    const informer = makeInformer<V1ConfigMap>(
      cp.kubeConfig,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace }),
    );
    const seen = new Set<string>();
    let errors = 0;
    informer.on('add', (cm) => seen.add(cm.metadata?.name ?? ''));
    // client-node's informer stops on connection errors; restarting it is the caller's documented duty.
    informer.on('error', () => {
      errors++;
      setTimeout(() => void informer.start().catch(() => {}), 500);
    });
    await informer.start();
    await pollUntil('the informer to list "before"', 30_000, () => seen.has('before'));

    const before = cp.pids()['kube-apiserver'];
    await cp.restartApiServer();
    expect(cp.pids()['kube-apiserver']).not.toBe(before);

    await expect(core.readNamespacedConfigMap({ namespace, name: 'before' })).resolves.toMatchObject({
      metadata: { name: 'before' },
    });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after' } } });
    await pollUntil('the informer to see "after"', 60_000, () => seen.has('after'));
    await informer.stop();
    // The restart really broke the connection: the informer saw at least one error and recovered.
    expect(errors).toBeGreaterThan(0);
  });

  it('restarts etcd with its data: the API server serves what was stored before and accepts writes again', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = 'default';
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before-etcd' } } });

    const before = cp.pids().etcd;
    await cp.restartEtcd();
    expect(cp.pids().etcd).toBeDefined();
    expect(cp.pids().etcd).not.toBe(before);

    // A quorum read: served by the restarted etcd, not from the API server's watch cache.
    const list = await core.listNamespacedConfigMap({ namespace, resourceVersion: '' });
    expect(list.items.map((cm) => cm.metadata?.name)).toContain('before-etcd');
    await expect(
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after-etcd' } } }),
    ).resolves.toMatchObject({ metadata: { name: 'after-etcd' } });
  });
});
