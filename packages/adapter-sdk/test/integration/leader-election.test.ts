import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { crdDirectory, type NimbusPolicy, RESOURCES } from '@nimbus-ts/api';
import { LEASES, ObjectClient, Reflector } from '@nimbus-ts/k8s';
import {
  type ApiProxy,
  type ComponentProcess,
  importCertificateAuthority,
  isListRequest,
  pollUntil,
  startApiProxy,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 15 item 5: leader election that holds. The component under test is a real adapter process (the SDK's
// runAdapter, built) against the real API server; only the network in front of it is made slow.

const ADAPTER = fileURLToPath(new URL('./fixtures/config-map-adapter.mjs', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';
// Short, valid client-go timings (lease > deadline > 1.2 × retry), so a test sees many renewals in seconds.
const FAST_LEASE = [
  '--leader-elect-lease-duration=2s',
  '--leader-elect-renew-deadline=1500ms',
  '--leader-elect-retry-period=300ms',
];

interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    renewTime?: string;
    leaseTransitions?: number;
    leaseDurationSeconds?: number;
  };
}

describe('leader election', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'leader-election-test');
  const processes: ComponentProcess[] = [];
  let proxy: ApiProxy | undefined;
  let ns: TestNamespace;

  const start = (kubeconfigPath: string, leaseName: string, args: readonly string[]) => {
    const replica = startComponentProcess(ADAPTER, [
      `--kubeconfig=${kubeconfigPath}`,
      `--lease-namespace=${ns.name}`,
      `--lease-name=${leaseName}`,
      '--metrics-port=0',
      '--probe-port=0',
      ...args,
    ]);
    processes.push(replica);
    return replica;
  };
  const lease = (name: string) => client.get<LeaseObject>(LEASES, { namespace: ns.name, name });
  const logged = (p: ComponentProcess, message: string) => p.logs.filter((l) => l.message === message).length;
  const metrics = async (p: ComponentProcess) =>
    (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('leader');
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await proxy?.close();
    await ns?.delete({ wait: true });
  });

  it('keeps renewing while an initial list takes longer than the Lease: one acquisition, no exit', async () => {
    const leaseName = 'slow-list';
    // Every cache's initial list is held back 4 s, twice the Lease duration; Lease reads and writes pass at once.
    proxy = await startApiProxy({
      upstream: env.kubeConfig,
      ca: await importCertificateAuthority(env.ca),
      dir: env.dir,
      delayMs: (req) => (isListRequest(req) && !req.path.includes('/leases') ? 4_000 : 0),
    });
    const a = start(proxy.kubeconfigPath, leaseName, [
      '--leader-elect=true',
      '--identity=replica-a',
      ...FAST_LEASE,
    ]);
    const b = start(proxy.kubeconfigPath, leaseName, [
      '--leader-elect=true',
      '--identity=replica-b',
      ...FAST_LEASE,
    ]);

    const first = await pollUntil('a leader', 30_000, () => lease(leaseName), {
      until: (l) => ['replica-a', 'replica-b'].includes(l?.spec?.holderIdentity ?? ''),
    });
    const leader = first?.spec?.holderIdentity === 'replica-a' ? a : b;
    const standby = leader === a ? b : a;
    // While the leader's caches fill (its lists held back), its Lease must keep being renewed.
    const renewals = new Set<string>();
    await pollUntil('the leader to fill its caches and start', 60_000, async () => {
      const l = await lease(leaseName);
      if (logged(leader, 'controllers started') === 0 && l?.spec?.renewTime) renewals.add(l.spec.renewTime);
      return logged(leader, 'controllers started') > 0 || leader.child.exitCode !== null;
    });
    expect(proxy.delayed).toBeGreaterThan(0);
    expect(leader.child.exitCode).toBeNull();
    expect(standby.child.exitCode).toBeNull();

    const after = await lease(leaseName);
    expect(after?.spec?.holderIdentity).toBe(first?.spec?.holderIdentity);
    // Created by the first holder and never taken over.
    expect(after?.spec?.leaseTransitions ?? 0).toBe(0);
    expect(logged(leader, 'became leader') + logged(standby, 'became leader')).toBe(1);
    expect(logged(standby, 'controllers started')).toBe(0);
    expect(leader.logs.some((l) => l.message === 'lost leadership')).toBe(false);
    // 4 s of held-back lists with a 300 ms retry period: far more than two renewals before the caches filled.
    expect(renewals.size).toBeGreaterThan(3);
    leader.child.kill('SIGTERM');
    standby.child.kill('SIGTERM');
    expect(await leader.exited()).toBe(0);
    expect(await standby.exited()).toBe(0);
  });

  it('gives two replicas with the default identity distinct identities, so exactly one leads', async () => {
    const leaseName = 'default-identity';
    // No --identity (and no POD_NAME in this environment): both processes run on this host, so the host name
    // alone would be shared.
    expect(process.env.POD_NAME).toBeUndefined();
    const replicas = [0, 1].map(() =>
      start(env.kubeconfigPath, leaseName, ['--leader-elect=true', ...FAST_LEASE]),
    );
    const held = await pollUntil('a leader', 30_000, () => lease(leaseName), {
      until: (l) => Boolean(l?.spec?.holderIdentity),
    });
    const leaders = () => replicas.filter((r) => logged(r, 'became leader') > 0);
    await pollUntil('the leader to start its controllers', 30_000, () =>
      replicas.some((r) => logged(r, 'controllers started') > 0),
    );
    const [leader] = leaders();
    if (!leader) throw new Error('no replica logged "became leader"');
    const standby = replicas.find((r) => r !== leader) as ComponentProcess;

    await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
      },
    });
    const reconciled = /nimbus_fixture_reconcile_total\{[^}]*outcome="success"[^}]*\} [1-9]/;
    await pollUntil('the leader to reconcile the policy', 60_000, async () =>
      reconciled.test(await metrics(leader)),
    );
    // The standby has provably been campaigning all along (the Lease was renewed many times since it started).
    await pollUntil('several renewals by the leader', 30_000, () => lease(leaseName), {
      until: (l) => l?.spec?.renewTime !== held?.spec?.renewTime,
    });
    expect(standby.child.exitCode).toBeNull();
    expect(leaders().length).toBe(1);
    expect(logged(standby, 'controllers started')).toBe(0);
    expect(await metrics(standby)).not.toMatch(/nimbus_fixture_reconcile_total\{/);
    expect((await lease(leaseName))?.spec?.holderIdentity).toBe(
      leader.logs.find((l) => l.message === 'became leader')?.identity,
    );
    for (const r of replicas) r.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.exited()));
  });

  it('renews an announcement-only Lease (leader election off) at the announcement retry period, not at leader election’s', async () => {
    const leaseName = 'announce-only';
    // Every write to the Lease, from a watch opened before the adapter starts: the renewals themselves, not samples.
    const writes: LeaseObject[] = [];
    const watch = new Reflector<LeaseObject & KubernetesObject>(env.kubeConfig, LEASES, {
      namespace: ns.name,
    });
    watch.onChange((l, change) => {
      if (change === 'applied' && l.metadata?.name === leaseName) writes.push(l);
    });
    watch.start();
    try {
      // Both cadences short, and distinct: leader election's 300 ms would show as gaps well under 2 s. The
      // defaults (a 60 s Lease renewed every 20 s, issue 18) are pinned by component-config.test.ts.
      const adapter = start(env.kubeconfigPath, leaseName, [
        '--leader-elect=false',
        ...FAST_LEASE,
        '--announcement-lease-duration=6s',
        '--announcement-renew-deadline=4s',
        '--announcement-retry-period=2s',
      ]);
      await pollUntil('the adapter to start', 30_000, () => logged(adapter, 'controllers started'));
      await pollUntil('the announcement’s creation and three renewals', 30_000, () => writes.length >= 4);
      // Each write renews (the writer's own clock) at least one retry period after the one before: no write
      // comes sooner than the configured period allows.
      const times = writes.map((l) => Date.parse(l.spec?.renewTime ?? ''));
      for (const t of times) expect(Number.isNaN(t)).toBe(false);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_900);
      // Readers take the expiry from the Lease: the announcement's duration, not leader election's 2 s.
      expect(writes.at(-1)?.spec).toMatchObject({ leaseDurationSeconds: 6 });
      expect(adapter.child.exitCode).toBeNull();
      adapter.child.kill('SIGTERM');
      expect(await adapter.exited()).toBe(0);
    } finally {
      await watch.stop();
    }
  });

  it('steps down within the renew deadline when Lease requests hang (a black-holed network), not later', async () => {
    const leaseName = 'black-hole';
    let blackHole = false;
    const hanging = await startApiProxy({
      upstream: env.kubeConfig,
      ca: await importCertificateAuthority(env.ca),
      dir: env.dir,
      // Once switched on, Lease requests get no answer at all (held for 10 min): neither success nor error.
      delayMs: (req) => (blackHole && req.path.includes('/leases/') ? 600_000 : 0),
    });
    try {
      const leader = start(hanging.kubeconfigPath, leaseName, [
        '--leader-elect=true',
        '--identity=replica-a',
        '--leader-elect-lease-duration=4s',
        '--leader-elect-renew-deadline=2s',
        '--leader-elect-retry-period=300ms',
      ]);
      await pollUntil('the leader to start', 30_000, () => logged(leader, 'controllers started') > 0);
      blackHole = true;
      const cut = Date.now();
      expect(await leader.exited()).toBe(1);
      // A standby may take the Lease 4 s after the last renewal: the leader must be gone by then.
      expect(Date.now() - cut).toBeLessThan(4_000);
      expect(hanging.delayed).toBeGreaterThan(0);
      expect(leader.logs.find((l) => l.message === 'lost leadership')).toMatchObject({
        identity: 'replica-a',
      });
    } finally {
      await hanging.close();
    }
  });
});
