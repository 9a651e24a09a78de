import { fileURLToPath } from 'node:url';
import { checkAdapterLeastPrivilege } from '@nimbus-ts/adapter-sdk/testing';
import { crdDirectory } from '@nimbus-ts/api';
import { parseManifests, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netpolAdapter } from '../../src/index.js';

// The shipped RBAC of deploy/adapter-netpol, proven on the RBAC-enforcing control plane: the adapter does all it
// does with exactly those rules, and without any one of them it fails.

const DEPLOY = fileURLToPath(new URL('../../../../deploy/adapter-netpol', import.meta.url));

describe('the netpol example adapter’s RBAC (deploy/adapter-netpol)', () => {
  const env = envtest();
  let home: TestNamespace;
  let work: TestNamespace;

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    home = await env.namespace('rbac-netpol');
    work = await env.namespace('rbac-netpol-work');
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
      serviceAccount: 'nimbus-netpol',
      homeNamespace: home.name,
      workNamespace: work.name,
      declaration: netpolAdapter,
      rules: [
        { id: 'dnsManipulation', rule: { action: 'Block' } },
        { id: 'denyExternalNetworkAccess', rule: { action: 'Block' } },
      ],
      timeoutMs: 45_000,
    });
    expect(report.withAllRules).toEqual({ ok: true });
    expect(report.withoutRule.length).toBeGreaterThanOrEqual(7);
    expect(report.withoutRule.filter((r) => r.outcome.ok).map((r) => r.rule)).toEqual([]);
  });
});
