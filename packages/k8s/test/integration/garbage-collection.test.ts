import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { pollUntil } from '../../src/testing/poll.js';
import { envtest } from '../../src/testing/vitest.js';

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

describe('kube-controller-manager', () => {
  const env = envtest();
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const apps = env.kubeConfig.makeApiClient(AppsV1Api);
  let ns: TestNamespace;

  beforeAll(async () => {
    ns = await env.namespace('gc');
  });
  afterAll(() => ns?.delete());

  it('garbage-collects a dependent when its owner is deleted', async () => {
    const namespace = ns.name;
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: owner.metadata?.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'owner', propagationPolicy: 'Background' });
    await pollUntil('the garbage collector to delete the dependent', 60_000, () =>
      core.readNamespacedConfigMap({ namespace, name: 'dependent' }).then(() => false, notFound),
    );
    await expect(core.readNamespacedConfigMap({ namespace, name: 'dependent' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('runs the deployment controller, and cascades a Deployment deletion to its ReplicaSet', async () => {
    const namespace = ns.name;
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    let rsName = '';
    await pollUntil('the deployment controller to create a ReplicaSet', 60_000, async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace });
      rsName = list.items[0]?.metadata?.name ?? '';
      return rsName !== '';
    });
    await pollUntil('the replicaset controller to create a Pod', 60_000, async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return pods.items.length === 1;
    });
    await apps.deleteNamespacedDeployment({ namespace, name: 'web', propagationPolicy: 'Foreground' });
    await pollUntil('the ReplicaSet to be garbage-collected', 60_000, () =>
      apps.readNamespacedReplicaSet({ namespace, name: rsName }).then(() => false, notFound),
    );
    expect((await apps.listNamespacedReplicaSet({ namespace })).items).toHaveLength(0);
  });

  it('gives every namespace a default ServiceAccount and the root CA ConfigMap', async () => {
    await pollUntil('the default ServiceAccount', 60_000, () =>
      core.readNamespacedServiceAccount({ namespace: ns.name, name: 'default' }).then(() => true),
    );
    await pollUntil('kube-root-ca.crt', 60_000, () =>
      core.readNamespacedConfigMap({ namespace: ns.name, name: 'kube-root-ca.crt' }).then(() => true),
    );
    const cm = await core.readNamespacedConfigMap({ namespace: ns.name, name: 'kube-root-ca.crt' });
    expect(cm.data?.['ca.crt']).toBe(env.ca.certPem);
  });

  it('completes namespace deletion, removing what was inside', async () => {
    const doomed = await env.namespace('doomed');
    await core.createNamespacedConfigMap({ namespace: doomed.name, body: { metadata: { name: 'inside' } } });
    await doomed.delete();
    await pollUntil('the namespace controller to finish deleting the namespace', 90_000, () =>
      core.readNamespace({ name: doomed.name }).then(() => false, notFound),
    );
    await expect(core.readNamespace({ name: doomed.name })).rejects.toMatchObject({ code: 404 });
  });
});
