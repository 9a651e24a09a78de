import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectClient } from '@nimbus-ts/k8s';
import type { TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { dump, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  crdDirectory,
  GROUP,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '../../src/index.js';

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

  // Issue 15: the CRDs bounded nothing, and 40 bindings of 1 MB took the operator from 199 to 377 MiB.
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e as Error & { code: number },
    );
  const binding = (name: string, spec: Partial<SecurityIntentBinding['spec']>): SecurityIntentBinding => ({
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'SecurityIntentBinding',
    metadata: { name, namespace: ns.name },
    spec: { intents: [{ name: 'x' }], selector: {}, ...spec },
  });

  it("refuses the issue's 1 MB binding, naming the field and the limit", async () => {
    const megabyte = `labels.app == "${'a'.repeat(1024 * 1024)}"`;
    const err = await refusal(
      client.create(RESOURCES.SecurityIntentBinding, binding('huge', { cel: [megabyte] })),
    );
    expect(err?.code).toBe(422);
    expect(err?.message).toContain('spec.cel[0]');
    expect(err?.message).toContain('spec.cel[0]: Too long: may not be more than 1024 bytes');
    expect(
      await client.get(RESOURCES.SecurityIntentBinding, { namespace: ns.name, name: 'huge' }),
    ).toBeUndefined();
  });

  it('refuses a label key no pod could carry, with the validation rule’s message', async () => {
    const key = `${'k'.repeat(318)}`;
    const err = await refusal(
      client.create(
        RESOURCES.SecurityIntentBinding,
        binding('long-key', { selector: { workloadSelector: { matchLabels: { [key]: 'v' } } } }),
      ),
    );
    expect(err?.code).toBe(422);
    expect(err?.message).toContain('spec.selector.workloadSelector.matchLabels');
    expect(err?.message).toContain('label keys are at most 317 characters');
  });

  it('still accepts every Nimbus object of examples/ (server-side dry run)', async () => {
    const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
    const objects: Record<string, unknown>[] = [];
    for (const dir of ['intents', 'bindings']) {
      for (const file of readdirSync(join(examples, dir)).filter((f) => f.endsWith('.yaml'))) {
        for (const doc of loadAll(readFileSync(join(examples, dir, file), 'utf8'))) {
          const object = doc as { apiVersion?: string; metadata?: { namespace?: string } } | null;
          if (!object?.apiVersion?.startsWith(`${GROUP}/`)) continue;
          // The examples' namespace (demo) does not exist here; the test namespace stands in for it.
          if (object.metadata?.namespace) object.metadata.namespace = ns.name;
          objects.push(object as Record<string, unknown>);
        }
      }
    }
    expect(objects.length).toBeGreaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-examples-'));
    try {
      const file = join(dir, 'examples.yaml');
      writeFileSync(file, objects.map((o) => dump(o)).join('---\n'));
      const out = await env.runKubectl(['apply', '--dry-run=server', '-f', file]);
      expect(out.trim().split('\n')).toHaveLength(objects.length);
      expect(out).toMatch(/created \(server dry run\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
