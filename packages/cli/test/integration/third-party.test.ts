import { type Adapter, type AdapterDeclaration, createAdapter } from '@nimbus-ts/adapter-sdk';
import {
  adapterLeaseName,
  announcementMetadata,
  crdDirectory,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createOperator, type Operator } from '@nimbus-ts/core-operator';
import { createLogger, LEASES, LeaderElector, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { StatusReport } from '../../src/index.js';
import { fixture, run } from '../helpers.js';

// A third-party adapter with its own intent ID, running next to the core operator: what it announces on its
// Lease is enough for the operator (the intent is supported, the policy enforced) and for `nimbus status` (its
// objects are looked up, exit 0) without the CLI having its code; `nimbus validate` accepts the ID once the
// adapter's module is loaded with --adapter. When the adapter stops, both say so again.

const API = 'intent.security.nimbus.com/v1alpha1';
const ACME = fixture('adapters/acme.mjs');

describe('a third-party adapter and its intent ID, on a real control plane', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'cli-third-party-test');
  const logger = createLogger('cli-third-party-test', { level: 'warn' });
  const suffix = Math.random().toString(36).slice(2, 7);
  const intentName = `guard-${suffix}`;
  let ns: TestNamespace;
  let operator: Operator;
  let adapter: Adapter;

  const intent: SecurityIntent = {
    apiVersion: API,
    kind: 'SecurityIntent',
    metadata: { name: intentName },
    spec: { intent: { id: 'acmeGuard', action: 'Block' } },
  };
  const binding = (namespace: string): SecurityIntentBinding => ({
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace },
    spec: {
      intents: [{ name: intentName }],
      selector: { workloadSelector: { matchLabels: { app: 'web' } } },
    },
  });
  const status = async () => {
    const result = await run(['status', '-n', ns.name, '-o', 'json', '--kubeconfig', env.kubeconfigPath]);
    return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as StatusReport) : undefined };
  };
  const supported = async () =>
    (
      await admin.get<SecurityIntent>(RESOURCES.SecurityIntent, { name: intentName })
    )?.status?.conditions?.find((c) => c.type === 'IntentSupported');

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('cli-third-party');
    operator = createOperator(env.kubeConfig, { logger });
    await operator.start();
    const acme = ((await import(ACME)) as { default: AdapterDeclaration }).default;
    // The adapter as runAdapter runs it: its controllers, and its Lease announcing its name, IDs and kinds.
    const announcement = new LeaderElector(new ObjectClient(env.kubeConfig, 'nimbus-acme'), {
      namespace: ns.name,
      name: adapterLeaseName('acme'),
      identity: `acme-${suffix}`,
      leaseDurationMs: 600_000,
      metadata: announcementMetadata(acme.name, acme.intents, acme.kinds),
      logger,
    });
    expect(await announcement.tryAcquireOrRenew()).toBe(true);
    adapter = createAdapter(env.kubeConfig, acme, { logger });
    await adapter.start();
    await admin.create(RESOURCES.SecurityIntent, intent);
    await admin.create(RESOURCES.SecurityIntentBinding, binding(ns.name));
  });

  afterAll(async () => {
    await adapter?.stop();
    await operator?.stop();
    await ns?.delete({ wait: true });
    await admin.delete(RESOURCES.SecurityIntent, { name: intentName });
  });

  it('is known to the operator and to nimbus status while it runs (exit 0)', async () => {
    await pollUntil('nimbus status to report the binding healthy', 60_000, async () => {
      const { code, report } = await status();
      const objects = report?.bindings[0]?.policies[0]?.adapters.flatMap((a) => a.objects) ?? [];
      return code === 0 && objects.length === 1;
    });
    expect(await supported()).toMatchObject({ status: 'True', reason: 'KnownIntentID' });
    const { code, report, stderr } = await status();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [sib] = report?.bindings ?? [];
    expect(sib?.intents).toEqual([
      { name: intentName, found: true, id: 'acmeGuard', action: 'Block', problems: [] },
    ]);
    const np = sib?.policies[0];
    expect(np?.conditions.find((c) => c.type === 'Enforced')).toMatchObject({
      status: 'True',
      reason: 'AdaptersRunning',
    });
    // Looked up through the kinds the Lease announces: the CLI has no code for this adapter.
    expect(
      np?.adapters.map((a) => [a.name, a.condition?.status, a.objects.map((o) => `${o.entry} ${o.state}`)]),
    ).toEqual([['acme', 'True', ['ConfigMap/web-acmeguard present']]]);
  });

  it('is accepted by nimbus validate with the adapter module loaded, and flagged without it', async () => {
    const manifests = [intent, binding('shop')].map((o) => stringify(o)).join('---\n');
    const without = await run(['validate', '-f', '-'], { stdin: manifests });
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('unknown intent ID "acmeGuard": no adapter enforces it');
    const loaded = await run(['validate', '-f', '-', '--adapter', ACME], { stdin: manifests });
    expect(loaded.stdout).toContain('"acmeGuard" is not in the ID pool; adapter acme enforces it');
    expect(loaded.code).toBe(0);
    // And render builds what the running adapter built.
    const rendered = await run(['render', '-f', '-', '-n', ns.name, '--adapter', ACME, '-o', 'table'], {
      stdin: manifests.replace('namespace: shop', `namespace: ${ns.name}`),
    });
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/ acme +ConfigMap\/web-acmeguard\n/);
  });

  it('is flagged again by the operator and nimbus status once it stops (exit 3)', async () => {
    // A stopped adapter's Lease is released or expires; deleting it is the quickest way to the same state.
    await adapter.stop();
    await admin.delete(LEASES, { namespace: ns.name, name: adapterLeaseName('acme') });
    await pollUntil(
      'the operator to flag the intent again',
      60_000,
      async () => (await supported())?.status === 'False',
    );
    expect(await supported()).toMatchObject({ reason: 'UnknownIntentID' });
    const { code, report } = await status();
    expect(code).toBe(3);
    const [sib] = report?.bindings ?? [];
    expect(sib?.intents[0]?.problems).toEqual([
      expect.stringContaining('intent ID acmeGuard is neither in the ID pool'),
    ]);
    // Without a running adapter to say what a ConfigMap entry is, its object is listed but not looked up.
    expect(sib?.policies[0]?.adapters.flatMap((a) => a.objects.map((o) => `${o.entry} ${o.state}`))).toEqual([
      'ConfigMap/web-acmeguard unchecked',
    ]);
  });
});
