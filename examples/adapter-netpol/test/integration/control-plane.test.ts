import { crdDirectory } from '@nimbus-ts/api';
import { NAMESPACES, ObjectClient } from '@nimbus-ts/k8s';
import { startControlPlane } from '@nimbus-ts/k8s/testing';
import { expect, it } from 'vitest';

it('runs against a control plane of its own', async () => {
  const cp = await startControlPlane(); // etcd + kube-apiserver + kube-controller-manager, RBAC on
  try {
    await cp.installCRDs([crdDirectory()]); // waits until the resources are served
    const alice = await cp.addUser('alice', ['dev']); // an unprivileged identity with its own kubeconfig
    const asAlice = new ObjectClient(alice.kubeConfig, 'alice');
    await expect(asAlice.list(NAMESPACES)).rejects.toMatchObject({ code: 403 }); // no rights until bound
    const admin = new ObjectClient(cp.kubeConfig, 'admin'); // system:masters
    expect(await admin.get(NAMESPACES, { name: 'default' })).toBeDefined();
    // … exercise your controller with cp.kubeConfig …
  } finally {
    await cp.stop();
  }
});
