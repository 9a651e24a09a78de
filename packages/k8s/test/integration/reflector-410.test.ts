import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Reflector } from '../../src/runtime/reflector.js';
import { type ControlPlane, startControlPlane } from '../../src/testing/control-plane.js';
import { pollUntil } from '../../src/testing/poll.js';

describe('Reflector after 410 Gone', () => {
  // Without the watch cache, watches are served by etcd, and compacting every second makes a resumed
  // watch's resourceVersion expire: the real 410 path, not a simulation.
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({
      controllerManager: false,
      apiServerFlags: { 'watch-cache': 'false', 'etcd-compaction-interval': '1s' },
    });
  });
  afterAll(() => cp?.stop());

  it('re-lists and keeps its cache equal to the server', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const reflector = new Reflector<V1ConfigMap>(
      cp.kubeConfig,
      { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
      // The server ends each watch after about a second; resuming then uses the last resourceVersion seen.
      { namespace: 'default', watchTimeoutSeconds: 1, logger: createLogger('test', { level: 'error' }) },
    );
    reflector.start();
    await reflector.store.waitUntilReady();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    await pollUntil(
      '"before" in the cache',
      30_000,
      () => reflector.store.get({ namespace: 'default', name: 'before' }) !== undefined,
    );

    // Writes elsewhere move the revision on; compaction then expires the quiet watch's resourceVersion.
    let i = 0;
    await pollUntil(
      'a 410 and a re-list',
      60_000,
      async () => {
        await core.createNamespacedConfigMap({
          namespace: 'kube-public',
          body: { metadata: { name: `churn-${i++}` } },
        });
        return reflector.lists >= 2;
      },
      100,
    );

    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'before' });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });
    await pollUntil('the cache to follow', 30_000, () => {
      const names = reflector.store.list().map((c) => c.metadata?.name);
      return names.includes('after') && !names.includes('before');
    });
    await reflector.stop();
    expect(reflector.lists).toBeGreaterThanOrEqual(2);
  });
});
