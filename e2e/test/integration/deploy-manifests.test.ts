import { fileURLToPath } from 'node:url';
import { crdDirectory } from '@nimbus-ts/api';
import { ObjectClient } from '@nimbus-ts/k8s';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every manifest in deploy/ is accepted by a real API server (server-side dry run: schema, defaulting and admission,
// pod security included), whole and per component.

const DEPLOY = fileURLToPath(new URL('../../../deploy', import.meta.url));
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

  // How many objects each directory holds at least, so a component silently dropped from a kustomization fails;
  // and objects that must be among them, so a file dropped from one fails too.
  it.each([
    {
      dir: '.',
      objects: 73,
      includes: [
        'deployment.apps/nimbus-clair',
        'deployment.apps/nimbus-admission',
        'deployment.apps/nimbus-kyverno',
        'deployment.apps/nimbus-k8tls',
      ],
    },
    { dir: 'core-operator', objects: 13, includes: [] },
    { dir: 'adapter-kubearmor', objects: 7, includes: [] },
    { dir: 'adapter-netpol', objects: 7, includes: [] },
    // The adapter's RBAC (its own, and what Kyverno's background controller needs to generate its objects), the
    // Deployment and the metrics Service.
    {
      dir: 'adapter-kyverno',
      objects: 8,
      includes: [
        'clusterrole.rbac.authorization.k8s.io/nimbus-kyverno:kyverno-background-controller',
        'deployment.apps/nimbus-kyverno',
      ],
    },
    // The scanning CRDs; the scanner's RBAC (cluster-wide, secret reader, Lease), Deployment, and metrics and
    // notifier Services.
    {
      dir: 'adapter-clair',
      objects: 12,
      includes: [
        'customresourcedefinition.apiextensions.k8s.io/imagescanpolicies.scanning.nimbus-ts.io',
        'customresourcedefinition.apiextensions.k8s.io/imageadmissionpolicies.scanning.nimbus-ts.io',
        'clusterrole.rbac.authorization.k8s.io/nimbus-clair-secret-reader',
        'deployment.apps/nimbus-clair',
        'service/nimbus-clair-metrics',
        'service/nimbus-clair-notifier',
      ],
    },
    // The admission adapter's RBAC (its secret reader included: it installs without adapter-clair), Deployment,
    // PodDisruptionBudget, NetworkPolicy, and webhook and metrics Services.
    {
      dir: 'adapter-admission',
      objects: 11,
      includes: [
        'serviceaccount/nimbus-admission',
        'clusterrole.rbac.authorization.k8s.io/nimbus-admission',
        'clusterrole.rbac.authorization.k8s.io/nimbus-admission-secret-reader',
        'clusterrolebinding.rbac.authorization.k8s.io/nimbus-admission',
        'role.rbac.authorization.k8s.io/nimbus-admission',
        'rolebinding.rbac.authorization.k8s.io/nimbus-admission',
        'deployment.apps/nimbus-admission',
        'poddisruptionbudget.policy/nimbus-admission',
        'networkpolicy.networking.k8s.io/nimbus-admission',
        'service/nimbus-admission',
        'service/nimbus-admission-metrics',
      ],
    },
    // Its CRD, the adapter's RBAC (cluster-wide, Lease, scans), the scan jobs' RBAC, the Deployment and the metrics
    // Service.
    {
      dir: 'adapter-k8tls',
      objects: 15,
      includes: [
        'customresourcedefinition.apiextensions.k8s.io/tlsassessmentreports.tls.nimbus-ts.io',
        'role.rbac.authorization.k8s.io/nimbus-k8tls-scans',
        'serviceaccount/nimbus-k8tls-scanner',
        'deployment.apps/nimbus-k8tls',
      ],
    },
  ])(
    'kubectl apply -k deploy/$dir --dry-run=server accepts every object',
    async ({ dir, objects, includes }) => {
      const out = await env.runKubectl(['apply', '--dry-run=server', '-k', `${DEPLOY}/${dir}`]);
      const lines = out.trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(objects);
      expect(lines.every((l) => /(created|configured|unchanged) \(server dry run\)$/.test(l))).toBe(true);
      const accepted = lines.map((l) => l.split(' ')[0]);
      expect(accepted).toEqual(expect.arrayContaining(includes));
    },
  );
});
