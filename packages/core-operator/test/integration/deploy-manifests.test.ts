import { fileURLToPath } from 'node:url';
import { crdDirectory, ObjectClient } from '@nimbus-ts/k8s';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every manifest in deploy/ is accepted by a real API server (server-side dry run: schema, defaulting and admission,
// pod security included), whole and per component.

const DEPLOY = fileURLToPath(new URL('../../../../deploy', import.meta.url));
const NAMESPACES = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

describe('deploy/ manifests', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'deploy-test');
  let createdNamespace = false;

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    // A dry run creates nothing, so namespaced objects need their namespace to exist for real.
    if (!(await admin.get(NAMESPACES, { name: 'nimbus-system' }))) {
      await admin.create(NAMESPACES, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'nimbus-system' },
      });
      createdNamespace = true;
    }
  });
  afterAll(async () => {
    if (createdNamespace) await admin.delete(NAMESPACES, { name: 'nimbus-system' });
  });

  // How many objects each directory holds at least, so a component silently dropped from a kustomization fails.
  it.each([
    { dir: '.', objects: 37 },
    { dir: 'core-operator', objects: 13 },
    { dir: 'adapter-kubearmor', objects: 7 },
    { dir: 'adapter-netpol', objects: 7 },
    // Its own CRDs (two or more), the RBAC, the Deployment, and the metrics and notifier Services.
    { dir: 'adapter-clair', objects: 10 },
  ])('kubectl apply -k deploy/$dir --dry-run=server accepts every object', async ({ dir, objects }) => {
    const out = await env.runKubectl(['apply', '--dry-run=server', '-k', `${DEPLOY}/${dir}`]);
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(objects);
    expect(lines.every((l) => /(created|configured|unchanged) \(server dry run\)$/.test(l))).toBe(true);
  });
});
