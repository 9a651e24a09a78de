import { fileURLToPath } from 'node:url';
import {
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { ObjectClient } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';

interface Replica extends ComponentProcess {
  readonly identity: string;
}

describe('the core-operator process', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const id = Math.random().toString(36).slice(2, 7);
  const leaseName = `core-operator-${id}`;
  const replicas: Replica[] = [];
  let ns: TestNamespace;

  const start = (identity: string): Replica => {
    const replica = Object.assign(
      startComponentProcess(MAIN, [
        `--kubeconfig=${env.kubeconfigPath}`,
        `--lease-namespace=${ns.name}`,
        `--lease-name=${leaseName}`,
        `--identity=${identity}`,
        '--metrics-port=0',
        '--probe-port=0',
        '--log-level=info',
      ]),
      { identity },
    );
    replicas.push(replica);
    return replica;
  };
  const holder = async () =>
    (
      await client.get<{ spec?: { holderIdentity?: string } } & { apiVersion: string; kind: string }>(
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true },
        { namespace: ns.name, name: leaseName },
      )
    )?.spec?.holderIdentity;
  const get = async (port: number | undefined, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const exited = (r: Replica) => r.exited();

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('operator');
  });
  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await ns?.delete({ wait: true });
    await client.delete(RESOURCES.SecurityIntent, { name: `pkg-${id}` });
  });

  it('runs one leader among two replicas, serves probes and metrics, and hands over on SIGTERM', async () => {
    const a = start('replica-a');
    const b = start('replica-b');
    await pollUntil('a leader', 60_000, async () =>
      ['replica-a', 'replica-b'].includes((await holder()) ?? ''),
    );
    const leader = (await holder()) === 'replica-a' ? a : b;
    const standby = leader === a ? b : a;

    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: `pkg-${id}` },
      spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
    } as SecurityIntent);
    const sib = await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        intents: [{ name: `pkg-${id}` }],
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });
    const np = () => client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'web' });
    await pollUntil('the leader to build the NimbusPolicy', 60_000, async () => (await np()) !== undefined);

    await pollUntil('both replicas to serve probes', 30_000, () =>
      replicas.every((r) => r.probePort !== undefined),
    );
    for (const r of [leader, standby]) {
      expect((await get(r.probePort, '/healthz')).status).toBe(200);
      expect((await get(r.probePort, '/readyz')).status).toBe(200);
    }
    // The counter moves when a reconcile ends, which is after the policy it wrote appeared: wait for it.
    const reconciled =
      /nimbus_core_operator_reconcile_total\{controller="securityintentbinding",outcome="success"\} [1-9]/;
    const metrics = await pollUntil(
      'a successful binding reconcile on /metrics',
      30_000,
      () => get(leader.metricsPort, '/metrics'),
      { until: (m) => reconciled.test(m.body) },
    );
    expect(metrics.body).toMatch(reconciled);
    expect(standby.logs.some((l) => l.message === 'controllers started')).toBe(false);
    expect(leader.logs.every((l) => typeof l.timestamp === 'string' && l.component === 'core-operator')).toBe(
      true,
    );

    leader.child.kill('SIGTERM');
    expect(await exited(leader)).toBe(0);
    await pollUntil('the standby to take over', 30_000, async () => (await holder()) === standby.identity);
    await pollUntil('the new leader to start', 30_000, () =>
      standby.logs.some((l) => l.message === 'controllers started'),
    );

    await client.replace(RESOURCES.SecurityIntentBinding, {
      ...sib,
      ...(await client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
        namespace: ns.name,
        name: 'web',
      })),
      spec: { ...sib.spec, selector: { workloadSelector: { matchLabels: { app: 'shop' } } } },
    });
    await pollUntil('the new leader to follow the change', 60_000, async () => {
      return (await np())?.spec.selector.matchLabels?.app === 'shop';
    });
    standby.child.kill('SIGTERM');
    expect(await exited(standby)).toBe(0);
  });
});
