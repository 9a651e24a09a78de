import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reflector } from '../../src/runtime/reflector.js';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { pollUntil } from '../../src/testing/poll.js';
import { envtest } from '../../src/testing/vitest.js';

describe('a metadata-only Reflector', () => {
  const env = envtest();
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await env.namespace('metadata');
  });
  afterAll(() => ns?.delete());

  it('starts on an empty list (the API server then omits items)', async () => {
    const empty = await env.namespace('metadata-empty');
    const reflector = new Reflector<V1ConfigMap>(
      env.kubeConfig,
      { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
      { namespace: empty.name, metadataOnly: true },
    );
    reflector.start();
    await reflector.store.waitUntilReady();
    expect(reflector.store.list()).toEqual([]);
    await reflector.stop();
    await empty.delete();
  });

  it('caches labels and owners but not the payload, through both list and watch', async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const body = (name: string) => ({
      metadata: { name, labels: { app: name } },
      data: { big: 'x'.repeat(10_000) },
    });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: body('listed') });
    const reflector = new Reflector<V1ConfigMap>(
      env.kubeConfig,
      { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
      { namespace: ns.name, metadataOnly: true },
    );
    reflector.start();
    await reflector.store.waitUntilReady();
    await core.createNamespacedConfigMap({ namespace: ns.name, body: body('watched') });
    await pollUntil(
      'the watched object',
      30_000,
      () => reflector.store.get({ namespace: ns.name, name: 'watched' }) !== undefined,
    );
    for (const name of ['listed', 'watched']) {
      const cached = reflector.store.get({ namespace: ns.name, name });
      expect(cached?.metadata?.labels).toEqual({ app: name });
      expect(cached?.metadata?.uid).toBeTruthy();
      expect(cached?.data).toBeUndefined();
    }
    await reflector.stop();
  });
});
