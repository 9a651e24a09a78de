import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdDirectory, ObjectClient, RESOURCES, type SecurityIntent } from '../../src/index.js';
import type { TestNamespace } from '../../src/testing/index.js';
import { envtest } from '../../src/testing/vitest.js';

describe('the intent.security.nimbus.com CRDs on a real API server', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'crd-test');
  const SI = RESOURCES.SecurityIntent;
  let ns: TestNamespace;

  beforeAll(async () => {
    const names = await env.installCRDs([crdDirectory()]);
    expect(names.sort()).toEqual([
      'clusternimbuspolicies.intent.security.nimbus.com',
      'clustersecurityintentbindings.intent.security.nimbus.com',
      'nimbuspolicies.intent.security.nimbus.com',
      'securityintentbindings.intent.security.nimbus.com',
      'securityintents.intent.security.nimbus.com',
    ]);
    ns = await env.namespace('crds');
  });
  afterAll(() => ns?.delete({ wait: true }));

  it('accepts upstream YAML unchanged and defaults severity to Low', async () => {
    const si: SecurityIntent = {
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'SecurityIntent',
      metadata: { name: 'pkg-mgr-exec-crd-test' },
      spec: { intent: { id: 'swDeploymentTools', action: 'Block', params: { paths: ['/usr/bin/apt'] } } },
    };
    const created = await client.create(SI, si);
    expect(created.spec.intent.severity).toBe('Low');
    await client.delete(SI, { name: 'pkg-mgr-exec-crd-test' });
  });

  it('rejects an unknown action with a message naming the field and the allowed values', async () => {
    const err = await client
      .create(SI, {
        apiVersion: 'intent.security.nimbus.com/v1alpha1',
        kind: 'SecurityIntent',
        metadata: { name: 'bad-action' },
        spec: { intent: { id: 'dnsManipulation', action: 'Deny' } },
      } as unknown as SecurityIntent)
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: number },
      );
    expect(err?.code).toBe(422);
    expect(err?.message).toContain('spec.intent.action');
    expect(err?.message).toMatch(/"Block", "Audit", "Enforce"/);
  });

  it('serves the short names and printer columns kubectl shows', async () => {
    const out = await env.runKubectl([
      'api-resources',
      '--api-group=intent.security.nimbus.com',
      '--no-headers',
    ]);
    for (const short of ['si', 'sib', 'csib', 'np', 'cwnp'])
      expect(out).toMatch(new RegExp(`\\s${short}\\s`));
    await client.create(RESOURCES.SecurityIntentBinding, {
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'SecurityIntentBinding',
      metadata: { name: 'columns', namespace: ns.name },
      spec: { intents: [{ name: 'x' }], selector: { workloadSelector: { matchLabels: { app: 'web' } } } },
    });
    const table = await env.runKubectl(['get', 'sib', '-n', ns.name]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE\s+INTENTS\s+NIMBUSPOLICY\s*$/);
    expect(table).toMatch(/^columns\s/m);
  });
});
