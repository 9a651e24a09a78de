import { ObjectClient } from '@nimbus-ts/k8s';
import type { TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll } from 'vitest';
import { crdDirectory } from '../../src/index.js';
import { clientContract } from '../contract/client-contract.js';

// The same suite runs against the in-memory FakeClient in test/unit/fake-client-contract.test.ts: this run is
// what makes the fake's behaviour the API server's.
const env = envtest();
const namespaces: TestNamespace[] = [];
beforeAll(async () => {
  await env.installCRDs([crdDirectory()]);
});
afterAll(() => Promise.all(namespaces.map((ns) => ns.delete())));

clientContract('ObjectClient on the real API server', async () => {
  const ns = await env.namespace('contract');
  namespaces.push(ns);
  return {
    client: new ObjectClient(env.kubeConfig, 'contract-test'),
    namespace: ns.name,
    as: (fieldManager) => new ObjectClient(env.kubeConfig, fieldManager),
  };
});
