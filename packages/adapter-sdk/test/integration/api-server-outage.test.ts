import { fileURLToPath } from 'node:url';
import { crdDirectory, type NimbusPolicy, RESOURCES, type SecurityIntentBinding } from '@nimbus-ts/api';
import { LEASES, ObjectClient } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  type ControlPlane,
  pollUntil,
  startComponentProcess,
  startControlPlane,
} from '@nimbus-ts/k8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 15 item 5: what a component does when the API server goes away. Without leader election it rides the
// outage out and resumes; with it, a leader that cannot renew within its deadline exits (the Deployment restarts
// it), as controller-runtime's does. The component is a real adapter process (the SDK's runAdapter, built).

const ADAPTER = fileURLToPath(new URL('./fixtures/config-map-adapter.mjs', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';
// The announcement Lease's timing, short so that an outage outlasts its renew deadline in seconds (the defaults,
// a 60 s Lease with a 40 s deadline, are pinned by component-config.test.ts).
const ANNOUNCEMENT = [
  '--announcement-lease-duration=6s',
  '--announcement-renew-deadline=4s',
  '--announcement-retry-period=1s',
];
// Longer than that renew deadline, so the announcement's renewal provably gives up at least once.
const LONG_OUTAGE_MS = 5_000;

interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec?: { holderIdentity?: string; renewTime?: string };
}

describe('an API server outage', () => {
  // A control plane of its own: stopping the shared one would break every other test file.
  let cp: ControlPlane;
  let client: ObjectClient;
  const processes: ComponentProcess[] = [];
  const namespace = 'default';

  const start = (leaseName: string, args: readonly string[]) => {
    const p = startComponentProcess(ADAPTER, [
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--lease-namespace=${namespace}`,
      `--lease-name=${leaseName}`,
      '--metrics-port=0',
      '--probe-port=0',
      ...args,
    ]);
    processes.push(p);
    return p;
  };
  const logged = (p: ComponentProcess, message: string) => p.logs.some((l) => l.message === message);
  // A policy and the binding that owns it (the SDK ignores policies no existing binding owns).
  const createPolicy = async (name: string) => {
    const binding = await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: name } } } },
    });
    await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name,
        namespace,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'SecurityIntentBinding',
            name,
            uid: binding.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { app: name } },
        rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
      },
    });
  };
  const configMap = (name: string) =>
    client.get(
      { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
      { namespace, name },
    );

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false });
    client = new ObjectClient(cp.kubeConfig, 'outage-test');
    await cp.installCRDs([crdDirectory()]);
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await cp?.stop();
  });

  it('without leader election: the process rides it out, keeps announcing, and reconciles what came after', async () => {
    const adapter = start('announce-only', ['--leader-elect=false', ...ANNOUNCEMENT]);
    await pollUntil('the adapter to start', 60_000, () => logged(adapter, 'controllers started'));
    await createPolicy('before');
    await pollUntil(
      'the ConfigMap of "before"',
      30_000,
      async () => (await configMap('before')) !== undefined,
    );
    const announced = await client.get<LeaseObject>(LEASES, { namespace, name: 'announce-only' });
    expect(announced?.spec?.holderIdentity).toBeTruthy();

    await cp.stopApiServer();
    const down = Date.now();
    // The outage is the parameter under test: it lasts until both the watches and the Lease renewal have failed
    // (seen in the logs) and the announcement's renew deadline has passed.
    await pollUntil(
      'the outage to outlast the announcement renew deadline',
      LONG_OUTAGE_MS + 30_000,
      () =>
        (Date.now() - down > LONG_OUTAGE_MS &&
          logged(adapter, 'watch failed; retrying') &&
          logged(adapter, 'could not renew the announcement Lease; retrying')) ||
        adapter.child.exitCode !== null,
    );
    expect(adapter.child.exitCode).toBeNull();
    await cp.startApiServer();
    const up = Date.now();

    await createPolicy('after');
    await pollUntil('the ConfigMap of "after"', 60_000, async () => (await configMap('after')) !== undefined);
    await pollUntil('the announcement to be renewed after the outage', 60_000, async () => {
      const lease = await client.get<LeaseObject>(LEASES, { namespace, name: 'announce-only' });
      return Date.parse(lease?.spec?.renewTime ?? '') > down;
    });
    console.log(`outage ${up - down} ms; after it: reconciled and announced again in ${Date.now() - up} ms`);
    expect(adapter.child.exitCode).toBeNull();
    adapter.child.kill('SIGTERM');
    expect(await adapter.exited()).toBe(0);
  });

  it('with leader election: a leader that cannot renew within its deadline exits non-zero, saying why', async () => {
    const leader = start('elected', [
      '--leader-elect=true',
      '--leader-elect-lease-duration=2s',
      '--leader-elect-renew-deadline=1500ms',
      '--leader-elect-retry-period=300ms',
    ]);
    await pollUntil('the leader to start', 60_000, () => logged(leader, 'controllers started'));
    await cp.stopApiServer();
    try {
      expect(await leader.exited()).toBe(1);
    } finally {
      await cp.startApiServer();
    }
    const lost = leader.logs.find(
      (l) => l.level === 'error' && /lost the leader Lease/.test(String(l.message)),
    );
    expect(lost).toMatchObject({ lease: 'elected', renewDeadlineMs: 1500 });
  });
});
