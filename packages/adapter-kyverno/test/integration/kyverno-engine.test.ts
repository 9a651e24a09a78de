import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type ClusterNimbusPolicy,
  crdDirectory,
  type NimbusPolicy,
  type NimbusRule,
  RESOURCES,
} from '@nimbus-ts/api';
import { ObjectClient, type ResourceType, rawRequest } from '@nimbus-ts/k8s';
import {
  apiWrites,
  type ComponentProcess,
  pollUntil,
  pollUntilSteady,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { type RunningKyverno, startKyverno } from '@nimbus-ts/kyverno-testenv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KYVERNO_CLUSTER_POLICIES, KYVERNO_POLICIES, VULNERABILITY_REPORTS } from '../../src/index.js';

// The engine semantics, not just the objects: the adapter process (dist/main.js) builds Kyverno policies from
// NimbusPolicies fed to it directly, and real Kyverno (v1.19, out of cluster, URL webhooks) enforces them on the
// real API server — a privileged pod refused with Kyverno's message, a baseline pod admitted, an audited one
// admitted and reported, a Deployment mutated.

const API = 'intent.security.nimbus.com/v1alpha1';
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
// The Clair adapter's report kind, read as the adapter's input; installed from its single source of truth.
const REPORT_CRD = fileURLToPath(
  new URL('../../../scan-api/crds/scanning.nimbus-ts.io_vulnerabilityreports.yaml', import.meta.url),
);
const EPHEMERAL_REPORTS: ResourceType = {
  apiVersion: 'reports.kyverno.io/v1',
  kind: 'EphemeralReport',
  plural: 'ephemeralreports',
  namespaced: true,
};

interface StoredKyvernoPolicy extends KubernetesObject {
  spec: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string }[] };
}

/** An API server answer's body, as far as these tests read it. */
interface Answer {
  message?: string;
  metadata: { uid: string };
  spec: { template: { spec: { runtimeClassName?: string } } };
}

/** An EphemeralReport, as far as these tests read it. */
interface EphemeralReport extends KubernetesObject {
  spec?: { results?: { policy: string; rule: string; result: string }[] };
}

const pod = (
  name: string,
  labels: Record<string, string>,
  securityContext: Record<string, unknown> = {},
) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/app:1.0', securityContext }] },
});

describe('the Kyverno adapter with real Kyverno', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'test-admin');
  const suffix = Math.random().toString(36).slice(2, 7);
  let ns: TestNamespace;
  let other: TestNamespace;
  let kyverno: RunningKyverno | undefined;
  let adapter: ComponentProcess | undefined;

  /** Starts the adapter process (dist/main.js) and waits until its controllers run. */
  const startAdapter = async () => {
    const started = startComponentProcess(MAIN, [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--lease-namespace=${ns.name}`,
      `--identity=test-${suffix}`,
      '--metrics-port=0',
      '--probe-port=0',
    ]);
    await pollUntil('the adapter to start', 60_000, () =>
      started.logs.some((l) => l.message === 'controllers started'),
    );
    return started;
  };
  /** Successful reconciles the adapter process has counted, from its own /metrics. */
  const reconciled = async (process: ComponentProcess) => {
    const text = await (await fetch(`http://127.0.0.1:${process.metricsPort}/metrics`)).text();
    return [...text.matchAll(/_reconcile_total\{[^}]*outcome="success"[^}]*\} (\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };

  /** POSTs an object as admin and returns the API server's answer (status and parsed body). */
  const post = async (path: string, object: unknown, dryRun = false) => {
    const res = await rawRequest(env.kubeConfig, `${path}${dryRun ? '?dryRun=All' : ''}`, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify(object),
    });
    return { status: res.status, body: JSON.parse(res.body) as Answer };
  };
  const createPod = (namespace: string, object: unknown, dryRun = false) =>
    post(`/api/v1/namespaces/${namespace}/pods`, object, dryRun);

  /** A binding and a NimbusPolicy it controls, as the core operator would write them. */
  const feedPolicy = async (name: string, rules: NimbusRule[], app = name) => {
    const sib = await admin.create<KubernetesObject & { spec: unknown }>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app } } } },
    });
    return admin.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name,
        namespace: ns.name,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'SecurityIntentBinding',
            name,
            uid: sib.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: { selector: { matchLabels: { app } }, rules },
    });
  };
  const policy = (name: string) =>
    admin.get<StoredKyvernoPolicy>(KYVERNO_POLICIES, { namespace: ns.name, name });
  const nimbusPolicy = (name: string) =>
    admin.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
  /** Until Kyverno reports the policy Ready (its webhooks configured for it). */
  const kyvernoReady = (get: () => Promise<StoredKyvernoPolicy | undefined>, what: string) =>
    pollUntil(`Kyverno to report ${what} Ready`, 60_000, get, {
      until: (p) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), REPORT_CRD]);
    kyverno = await startKyverno({
      kubeconfigPath: env.kubeconfigPath,
      dir: join(env.dir, `kyverno-${suffix}`),
    });
    ns = await env.namespace('kyverno-engine');
    other = await env.namespace('kyverno-other');
    adapter = await startAdapter();
  }, 900_000);

  // A failed step says what the adapter logged about it: its warnings and errors name the object and the API error.
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    const problems = (adapter?.logs ?? []).filter((l) => l.level === 'warn' || l.level === 'error');
    console.error(`the adapter's warnings and errors:\n${problems.map((l) => JSON.stringify(l)).join('\n')}`);
  });

  afterAll(async () => {
    await adapter?.stop();
    await admin.delete(KYVERNO_CLUSTER_POLICIES, { name: `guard-${suffix}-escapetohost` }).catch(() => false);
    await other?.delete();
    await ns?.delete();
    await kyverno?.stop();
  });

  it('escapeToHost with Block: a privileged pod is refused with Kyverno’s message, a baseline pod admitted', async () => {
    await feedPolicy('guarded', [{ id: 'escapeToHost', rule: { action: 'Block' } }]);
    await pollUntil('the adapter to list its Policy in the status', 30_000, () => nimbusPolicy('guarded'), {
      until: (np) => np?.status?.adapterPolicies?.includes('KyvernoPolicy/guarded-escapetohost') === true,
    });
    const built = await kyvernoReady(() => policy('guarded-escapetohost'), 'guarded-escapetohost');
    expect(built?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'NimbusPolicy',
      name: 'guarded',
      controller: true,
    });

    const refused = await createPod(ns.name, pod('breakout', { app: 'guarded' }, { privileged: true }));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain(
      'admission webhook "validate.kyverno.svc-fail" denied the request',
    );
    expect(refused.body.message).toContain('guarded-escapetohost');
    expect(refused.body.message).toContain('pod-security-standard');
    expect(refused.body.message).toContain('It violates PodSecurity "baseline:latest"');
    expect(refused.body.message).toContain('spec.containers[0].securityContext.privileged is forbidden');

    const admitted = await createPod(ns.name, pod('baseline', { app: 'guarded' }));
    expect(admitted.status).toBe(201);
  });

  it('repairs a deleted Policy, and once the NimbusPolicy is gone Kyverno no longer refuses', async () => {
    const before = await policy('guarded-escapetohost');
    await admin.delete(KYVERNO_POLICIES, { namespace: ns.name, name: 'guarded-escapetohost' });
    await pollUntil('the adapter to re-create the Policy', 30_000, () => policy('guarded-escapetohost'), {
      until: (p) => p !== undefined && p.metadata?.uid !== before?.metadata?.uid,
    });

    await admin.delete(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'guarded' });
    // The garbage collector of the real kube-controller-manager removes what the policy controlled.
    await pollUntil(
      'the Policy to be garbage-collected',
      60_000,
      async () => (await policy('guarded-escapetohost')) === undefined,
    );
    await pollUntil(
      'Kyverno to admit a privileged pod again',
      60_000,
      async () =>
        (await createPod(ns.name, pod('after', { app: 'guarded' }, { privileged: true }), true)).status ===
        201,
    );
  });

  it('escapeToHost with Audit: a privileged pod is admitted and reported', async () => {
    await feedPolicy('audited', [{ id: 'escapeToHost', rule: { action: 'Audit' } }]);
    await kyvernoReady(() => policy('audited-escapetohost'), 'audited-escapetohost');

    const admitted = await createPod(
      ns.name,
      pod('audited-breakout', { app: 'audited' }, { privileged: true }),
    );
    expect(admitted.status).toBe(201);
    const uid = admitted.body.metadata.uid;
    const report = await pollUntil('Kyverno to report the violation', 60_000, async () => {
      const reports = await admin.list<EphemeralReport>(EPHEMERAL_REPORTS, ns.name);
      return reports.find((r) => r.metadata?.labels?.['audit.kyverno.io/resource.uid'] === uid);
    });
    const results = report?.spec?.results ?? [];
    expect(results).toContainEqual(
      expect.objectContaining({
        policy: `${ns.name}/audited-escapetohost`,
        rule: 'pod-security-standard',
        result: 'fail',
      }),
    );
  });

  it('cocoWorkload: a new Deployment comes out with the intent’s runtimeClassName; others are left alone', async () => {
    await feedPolicy('confidential', [
      { id: 'cocoWorkload', rule: { action: 'Block', params: { runtimeClass: ['kata-qemu'] } } },
    ]);
    await kyvernoReady(() => policy('confidential-mutateoncreate'), 'confidential-mutateoncreate');
    // Kyverno's policy validation accepts the mutate-existing policy too (its targets are confined to the Policy's
    // namespace), and the adapter lists both.
    await kyvernoReady(() => policy('confidential-mutateexisting'), 'confidential-mutateexisting');
    expect((await nimbusPolicy('confidential'))?.status?.adapterPolicies).toEqual([
      'KyvernoPolicy/confidential-mutateoncreate',
      'KyvernoPolicy/confidential-mutateexisting',
    ]);
    const deployment = (name: string, app: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { app } },
      spec: {
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/app:1.0' }] },
        },
      },
    });
    const path = `/apis/apps/v1/namespaces/${ns.name}/deployments`;
    const mutated = await post(path, deployment('enclave', 'confidential'));
    expect(mutated.status).toBe(201);
    expect(mutated.body.spec.template.spec.runtimeClassName).toBe('kata-qemu');
    const untouched = await post(path, deployment('plain', 'plain'));
    expect(untouched.status).toBe(201);
    expect(untouched.body.spec.template.spec.runtimeClassName).toBeUndefined();
  });

  it('virtualPatch: Kyverno accepts every catalogued mitigation and enforces it, sparing images Clair found clean', async () => {
    const cves = ['CVE-2021-44228', 'CVE-2022-0185', 'CVE-2022-0492', 'CVE-2024-21626'];
    await feedPolicy('patched', [
      { id: 'virtualPatch', rule: { action: 'Block', params: { cveList: cves } } },
    ]);
    // Kyverno's own policy validation accepts each rule, JMESPath and all, and configures its webhooks for it.
    for (const cve of cves)
      await kyvernoReady(() => policy(`patched-virtualpatch-${cve.toLowerCase()}`), cve);

    // runc's CVE-2024-21626: a working directory under /proc/self/fd is refused, with the catalogue's message. The
    // pod satisfies the other three mitigations, so only this one can refuse it.
    const hardened = (name: string, image: string, workingDir?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'patched' } },
      spec: {
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'app',
            image,
            env: [{ name: 'LOG4J_FORMAT_MSG_NO_LOOKUPS', value: 'true' }],
            ...(workingDir ? { workingDir } : {}),
          },
        ],
      },
    });
    const image = 'registry.example.com/shop/app:1.0';
    const leaky = await createPod(ns.name, hardened('leaky', image, '/proc/self/fd/8'), true);
    expect(leaky.status).toBe(400);
    expect(leaky.body.message).toContain('patched-virtualpatch-cve-2024-21626');
    expect(leaky.body.message).toContain('a container workingDir may not be under /proc/self/fd');
    expect((await createPod(ns.name, hardened('tidy', image, '/app'), true)).status).toBe(201);
    // Log4Shell: a container without LOG4J_FORMAT_MSG_NO_LOOKUPS=true is refused.
    const bare = hardened('bare', image);
    bare.spec.containers[0] = { name: 'app', image, env: [] };
    const log4shell = await createPod(ns.name, bare, true);
    expect(log4shell.status).toBe(400);
    expect(log4shell.body.message).toContain('patched-virtualpatch-cve-2021-44228');

    // Clair scanned the image completely and found none of the CVEs: the adapter rebuilds the policies, and Kyverno
    // admits the same pods from that image.
    const digest = `sha256:${'d'.repeat(64)}`;
    await admin.create<KubernetesObject>(VULNERABILITY_REPORTS, {
      apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
      kind: 'VulnerabilityReport',
      metadata: { name: 'shop-app', namespace: ns.name },
      image: {
        registry: 'registry.example.com',
        repository: 'shop/app',
        tag: '1.0',
        digest,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      scanner: { name: 'Clair' },
      report: {
        updateTimestamp: new Date().toISOString(),
        summary: { total: 0, critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0, fixable: 0 },
        fixableSummary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
        vulnerabilities: [],
        truncated: false,
        ignoredUnfixed: 0,
      },
    } as KubernetesObject);
    const spared = await pollUntil(
      'the adapter to spare the clean image',
      30_000,
      () => policy('patched-virtualpatch-cve-2024-21626'),
      {
        until: (p) => JSON.stringify(p?.spec ?? {}).includes(`registry.example.com/shop/app:1.0`),
      },
    );
    expect(spared?.metadata?.annotations?.['nimbus-ts.io/virtual-patch-evidence']).toMatch(
      /^0 of 1 scanned images/,
    );
    await pollUntil(
      'Kyverno to admit the clean image under /proc/self/fd',
      60_000,
      async () =>
        (await createPod(ns.name, hardened('leaky', image, '/proc/self/fd/8'), true)).status === 201,
    );
    // An image Clair never scanned is still patched.
    const unscanned = await createPod(
      ns.name,
      hardened('leaky', 'registry.example.com/shop/other:2.0', '/proc/self/fd/8'),
      true,
    );
    expect(unscanned.status).toBe(400);
  });

  it('writes nothing once converged, across an adapter restart, though Kyverno defaults fields of its policies', async () => {
    // Kyverno's policy webhook fills in defaults and its controllers write status: the adapter must not take
    // either for drift. Writes to kyverno.io and to the Nimbus kinds are counted by the API server itself.
    const groups = ['kyverno.io', 'intent.security.nimbus.com'];
    const current = adapter as ComponentProcess;
    const settled = () =>
      pollUntilSteady('everything to settle', 60_000, async () => ({
        writes: await apiWrites(env.kubeConfig, groups),
        adapter: await reconciled(current),
      }));
    const { writes } = await settled();
    // A crash, not a shutdown: the Lease stays held, so every write counted below would be the new process's.
    await current.stop('SIGKILL');
    const restarted = await startAdapter();
    adapter = restarted;
    await pollUntil(
      'the restarted adapter to reconcile every policy',
      30_000,
      async () => (await reconciled(restarted)) >= 3,
    );
    await pollUntilSteady('everything to settle again', 60_000, async () => ({
      writes: await apiWrites(env.kubeConfig, groups),
      adapter: await reconciled(restarted),
    }));
    // The restarted adapter did reconcile every policy (so zero writes means "nothing to change").
    expect((await apiWrites(env.kubeConfig, groups)) - writes).toBe(0);
  });

  it('a ClusterNimbusPolicy becomes a ClusterPolicy enforced only in the namespaces its binding selects', async () => {
    const name = `guard-${suffix}`;
    const csib = await admin.create<KubernetesObject & { spec: unknown }>(
      RESOURCES.ClusterSecurityIntentBinding,
      {
        apiVersion: API,
        kind: 'ClusterSecurityIntentBinding',
        metadata: { name },
        spec: {
          intents: [],
          selector: {
            nsSelector: { matchNames: [ns.name] },
            workloadSelector: { matchLabels: { app: 'fleet' } },
          },
        },
      },
    );
    await admin.create<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, {
      apiVersion: API,
      kind: 'ClusterNimbusPolicy',
      metadata: {
        name,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'ClusterSecurityIntentBinding',
            name,
            uid: csib.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: {
        nsSelector: { matchNames: [ns.name] },
        workloadSelector: { matchLabels: { app: 'fleet' } },
        rules: [
          { id: 'escapeToHost', rule: { action: 'Block' } },
          { id: 'cocoWorkload', rule: { action: 'Block', params: { runtimeClass: ['kata-qemu'] } } },
        ],
      },
    });
    const clusterPolicies = [`${name}-escapetohost`, `${name}-cocoworkload`, `${name}-cocoworkload-existing`];
    await pollUntil(
      'the adapter to list its ClusterPolicies',
      30_000,
      () => admin.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name }),
      {
        until: (p) =>
          clusterPolicies.every(
            (c) => p?.status?.adapterPolicies?.includes(`KyvernoClusterPolicy/${c}`) === true,
          ),
      },
    );
    // Kyverno's policy validation accepts every one of them (it refused a mutate-existing ClusterPolicy whose
    // admission rule had no targets), and loads them.
    for (const clusterPolicy of clusterPolicies) {
      await kyvernoReady(
        () => admin.get<StoredKyvernoPolicy>(KYVERNO_CLUSTER_POLICIES, { name: clusterPolicy }),
        clusterPolicy,
      );
    }
    const fleetDeployment = await post(`/apis/apps/v1/namespaces/${ns.name}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fleet-enclave', labels: { app: 'fleet' } },
      spec: {
        selector: { matchLabels: { app: 'fleet' } },
        template: {
          metadata: { labels: { app: 'fleet' } },
          spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/app:1.0' }] },
        },
      },
    });
    expect(fleetDeployment.status).toBe(201);
    expect(fleetDeployment.body.spec.template.spec.runtimeClassName).toBe('kata-qemu');

    const refused = await createPod(
      ns.name,
      pod('fleet-breakout', { app: 'fleet' }, { privileged: true }),
      true,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain(`${name}-escapetohost`);
    // Kyverno has provably loaded the policy (above); the namespace the binding does not select is left alone.
    const elsewhere = await createPod(
      other.name,
      pod('fleet-elsewhere', { app: 'fleet' }, { privileged: true }),
      true,
    );
    expect(elsewhere.status).toBe(201);

    await admin.delete(RESOURCES.ClusterSecurityIntentBinding, { name });
    await admin.delete(RESOURCES.ClusterNimbusPolicy, { name });
    await pollUntil(
      'the ClusterPolicy to be garbage-collected',
      60_000,
      async () => (await admin.get(KYVERNO_CLUSTER_POLICIES, { name: `${name}-escapetohost` })) === undefined,
    );
  });
});
