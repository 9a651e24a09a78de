import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/runtime/api-error.js';
import { ObjectClient } from '../../src/runtime/object-client.js';
import type { ResourceType } from '../../src/runtime/resource.js';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { envtest } from '../../src/testing/vitest.js';

const CONFIGMAP: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

describe('ObjectClient.delete against the real API server', () => {
  const env = envtest();
  // One client, so one keep-alive agent: the request after a delete goes out on the connection the delete used.
  const client = new ObjectClient(env.kubeConfig, 'envtest-delete');
  let ns: TestNamespace;

  const configMap = (name: string) =>
    client.create<KubernetesObject>(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns.name },
    });

  beforeAll(async () => {
    ns = await env.namespace('delete');
  });
  afterAll(() => ns?.delete());

  it('sends the uid precondition: a delete for another uid is refused with 409 and the object survives', async () => {
    const created = await configMap('precondition');
    const ref = { namespace: ns.name, name: 'precondition' };

    const refusal = await client.delete(CONFIGMAP, ref, 'not-the-uid-of-this-object').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((refusal as Error).message).toMatch(
      /the UID in the precondition \(not-the-uid-of-this-object\) does not match/,
    );

    // The next request on the same keep-alive connection is answered normally, not as the delete's leftover bytes.
    const survivor = await client.get(CONFIGMAP, ref);
    expect(survivor?.metadata?.uid).toBe(created.metadata?.uid);

    expect(await client.delete(CONFIGMAP, ref, created.metadata?.uid)).toBe(true);
    expect(await client.get(CONFIGMAP, ref)).toBeUndefined();
  });
});
