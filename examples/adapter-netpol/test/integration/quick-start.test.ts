import { createAdapter } from '@nimbus-ts/adapter-sdk';
import { crdDirectory, type NimbusPolicy, RESOURCES, type SecurityIntentBinding } from '@nimbus-ts/api';
import { createLogger, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NETWORK_POLICIES, netpolAdapter } from '../../src/index.js';

const env = envtest(); // the control plane of this run
const client = new ObjectClient(env.kubeConfig, 'quick-start-test');
const adapter = createAdapter(env.kubeConfig, netpolAdapter, {
  logger: createLogger('nimbus-netpol', { level: 'warn' }),
});
let ns: TestNamespace;

beforeAll(async () => {
  await env.installCRDs([crdDirectory()]); // the Nimbus CRDs, served before it returns
  ns = await env.namespace('quick-start'); // one namespace per file keeps test files apart
  await adapter.start();
});
afterAll(async () => {
  await adapter.stop();
  await ns?.delete();
});

it('makes a NetworkPolicy for a NimbusPolicy that a binding owns', async () => {
  // The core operator would write both; here the test plays its part.
  const binding = await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace: ns.name },
    spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: 'web' } } } },
  });
  await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: {
      name: 'web',
      namespace: ns.name,
      ownerReferences: [
        {
          apiVersion: 'intent.security.nimbus.com/v1alpha1',
          kind: 'SecurityIntentBinding',
          name: 'web',
          uid: binding.metadata?.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
    },
  });
  // Eventually consistent: wait for the outcome, and see the last thing read if it never comes.
  const made = await pollUntil('the NetworkPolicy', 30_000, () =>
    client.get(NETWORK_POLICIES, { namespace: ns.name, name: 'web-dnsmanipulation' }),
  );
  expect(made?.metadata?.annotations?.['app.kubernetes.io/managed-by']).toBe('nimbus-netpol');
});
