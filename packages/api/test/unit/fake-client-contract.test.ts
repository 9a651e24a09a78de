import { FakeClient, readCRDs } from '@nimbus-ts/k8s/testing';
import { crdDirectory } from '../../src/index.js';
import { clientContract } from '../contract/client-contract.js';

// The same suite runs against the real API server in test/integration/object-client-contract.test.ts.
const crds = await readCRDs([crdDirectory()]);
clientContract('FakeClient', async () => {
  const client = new FakeClient({ crds });
  return { client, namespace: 'contract', as: (fieldManager) => client.as(fieldManager) };
});
