import { FakeClient } from '@nimbus-ts/k8s/testing';
import { clientContract } from '../contract/client-contract.js';

// The same suite runs against the real API server in test/integration/object-client-contract.test.ts.
clientContract('FakeClient', async () => ({ client: new FakeClient(), namespace: 'contract' }));
