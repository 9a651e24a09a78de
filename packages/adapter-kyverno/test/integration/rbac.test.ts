import { fileURLToPath } from 'node:url';
import { checkAdapterLeastPrivilege } from '@nimbus-ts/adapter-sdk/testing';
import { crdDirectory } from '@nimbus-ts/api';
import { parseManifests, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { kyvernoCrdDirectories } from '@nimbus-ts/kyverno-testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyvernoAdapter } from '../../src/index.js';

// The shipped RBAC of deploy/adapter-kyverno, proven on the RBAC-enforcing control plane: the adapter does all it
// does with exactly those rules (its Lease, Policies built, repaired, followed and deleted, status and Events, and
// the watches of ClusterNimbusPolicies, ClusterPolicies and Clair's VulnerabilityReports, where a 403 fails the
// run), and without any one of them it fails. Kyverno itself need not run: only its CRDs are needed.

const DEPLOY = fileURLToPath(new URL('../../../../deploy/adapter-kyverno', import.meta.url));
const REPORT_CRD = fileURLToPath(
  new URL('../../../scan-api/crds/scanning.nimbus-ts.io_vulnerabilityreports.yaml', import.meta.url),
);

describe('the Kyverno adapter’s RBAC (deploy/adapter-kyverno)', () => {
  const env = envtest();
  let home: TestNamespace;
  let work: TestNamespace;

  beforeAll(async () => {
    // Only kyverno.io's (Policy, ClusterPolicy and their kin), the kinds the adapter writes: the reports and CEL
    // policy groups are large and take half a minute to install for nothing here.
    const kyvernoIo = (await kyvernoCrdDirectories()).filter((d) => d.endsWith('/kyverno'));
    expect(kyvernoIo).toHaveLength(1);
    await env.installCRDs([crdDirectory(), REPORT_CRD, ...kyvernoIo]);
    home = await env.namespace('rbac-kyverno');
    work = await env.namespace('rbac-kyverno-work');
  });
  afterAll(async () => {
    await work?.delete();
    await home?.delete();
  });

  it('is enough for everything the adapter does, and every rule is needed', async () => {
    const report = await checkAdapterLeastPrivilege({
      kubeConfig: env.kubeConfig,
      addUser: env.addUser,
      manifests: parseManifests(await env.runKubectl(['kustomize', DEPLOY])),
      serviceAccount: 'nimbus-kyverno',
      homeNamespace: home.name,
      workNamespace: work.name,
      declaration: kyvernoAdapter,
      rules: [
        { id: 'escapeToHost', rule: { action: 'Block' } },
        { id: 'cocoWorkload', rule: { action: 'Block', params: { runtimeClass: ['kata-qemu'] } } },
      ],
      timeoutMs: 45_000,
    });
    expect(report.withAllRules).toEqual({ ok: true });
    expect(report.withoutRule.length).toBeGreaterThanOrEqual(9);
    expect(report.withoutRule.filter((r) => r.outcome.ok).map((r) => r.rule)).toEqual([]);
  });
});
