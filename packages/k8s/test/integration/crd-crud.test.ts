import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { envtest } from '../../src/testing/vitest.js';

const CRD = fileURLToPath(new URL('./fixtures/widgets.crd.yaml', import.meta.url));
const group = 'envtest.nimbus-ts.dev';
const version = 'v1';
const plural = 'widgets';

describe('installCRDs and custom objects', () => {
  const env = envtest();
  const api = env.kubeConfig.makeApiClient(CustomObjectsApi);
  let ns: TestNamespace;

  beforeAll(async () => {
    expect(await env.installCRDs([CRD])).toEqual(['widgets.envtest.nimbus-ts.dev']);
    ns = await env.namespace('crud');
  });
  afterAll(() => ns?.delete());

  it('is idempotent: installing the same CRD again succeeds', async () => {
    expect(await env.installCRDs([CRD])).toEqual(['widgets.envtest.nimbus-ts.dev']);
  });

  it('creates, reads, lists, patches the status of, and deletes a custom object', async () => {
    const namespace = ns.name;
    const created = await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 3 },
      },
    });
    // The structural schema's default is applied by the real API server.
    expect(created.spec).toEqual({ size: 3, colour: 'blue' });

    const read = await api.getNamespacedCustomObject({ group, version, namespace, plural, name: 'w1' });
    expect(read.metadata.uid).toBe(created.metadata.uid);

    const list = await api.listNamespacedCustomObject({ group, version, namespace, plural });
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['w1']);

    const patched = await api.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name: 'w1', body: { status: { phase: 'Ready' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.status).toEqual({ phase: 'Ready' });
    expect(patched.spec.size).toBe(3);

    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'w1' });
    await expect(
      api.getNamespacedCustomObject({ group, version, namespace, plural, name: 'w1' }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('rejects an object that violates the schema with 422 and the field in the message', async () => {
    const err = await api
      .createNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural,
        body: {
          apiVersion: `${group}/${version}`,
          kind: 'Widget',
          metadata: { name: 'bad' },
          spec: { size: 0 },
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e as { code: number; body: string },
      );
    expect(err?.code).toBe(422);
    expect(err?.body).toContain('spec.size');
  });

  it('serves the CRD to kubectl, short name included', async () => {
    const out = await env.runKubectl(['api-resources', `--api-group=${group}`, '-o', 'name']);
    expect(out.trim()).toBe('widgets.envtest.nimbus-ts.dev');
    await env.runKubectl(['get', 'wdg', '-n', ns.name]);
  });
});
