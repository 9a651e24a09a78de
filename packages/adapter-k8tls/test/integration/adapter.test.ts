import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { type Adapter, createAdapter } from '@nimbus-ts/adapter-sdk';
import { type ClusterNimbusPolicy, crdDirectory, RESOURCES } from '@nimbus-ts/api';
import { createLogger, ObjectClient, PODS, SERVICE_ACCOUNTS } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_MAPS,
  CRON_JOBS,
  createK8tlsAdapter,
  createResultsController,
  DEFAULT_K8TLS_CONFIG,
  JOBS,
  type JobView,
  k8tlsCrdDirectory,
  type ResultsController,
  storeReport,
  TLS_ASSESSMENT_REPORTS,
  type TLSAssessmentReport,
} from '../../src/index.js';
import { K8S_TLSSCAN_REPORT, TLSSCAN_REPORT } from '../unit/samples.js';

// The k8tls adapter and its results controller (in this process) on the real control plane. The real
// kube-controller-manager's cronjob controller makes the Jobs from the adapter's CronJob and its job controller makes
// their pods and finishes the Jobs. Nothing here can run a pod (no kubelet, no container runtime), so the test plays
// exactly those two parts: the report container (it runs the real nimbus-k8tls-report code, storeReport, with the
// job identity the pod's downward-API labels give) and the kubelet (it marks the pod Succeeded).

const API = 'intent.security.nimbus.com/v1alpha1';
type CronJob = KubernetesObject & { spec: { schedule: string } };
type Pod = KubernetesObject & { status?: { phase?: string } };

describe('the k8tls adapter with the real controller-manager', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const logger = createLogger('k8tls-test', { level: 'warn' });
  let scans: TestNamespace;
  let adapter: Adapter;
  let results: ResultsController;
  const bindings: string[] = [];

  /** A ClusterSecurityIntentBinding and the ClusterNimbusPolicy it owns, as the core operator would write them. */
  const bindAndPolicy = async (name: string, params: Record<string, string[]>) => {
    bindings.push(name);
    const csib = await client.create(RESOURCES.ClusterSecurityIntentBinding, {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name },
      spec: { intents: [{ name: 'assess-tls' }], selector: { nsSelector: { matchNames: ['*'] } } },
    } as KubernetesObject);
    return client.create<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, {
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
      spec: { rules: [{ id: 'assessTLS', rule: { action: 'Audit', params } }] },
    } as ClusterNimbusPolicy);
  };
  const cronJob = (name: string) => client.get<CronJob>(CRON_JOBS, { namespace: scans.name, name });
  const report = (name: string) => client.get<TLSAssessmentReport>(TLS_ASSESSMENT_REPORTS, { name });
  const policyStatus = async (name: string) =>
    (await client.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name }))?.status;
  const jobsOf = async (owner: KubernetesObject) =>
    (await client.list<JobView>(JOBS, scans.name)).filter((j) =>
      j.metadata?.ownerReferences?.some((r) => r.uid === owner.metadata?.uid),
    );

  /** Plays the pod of `job`: its report container stores `reportText`, then the kubelet reports it Succeeded. */
  const runPod = async (job: JobView, reportText: string) => {
    const pod = await pollUntil(
      `the job controller to create the pod of ${job.metadata?.name}`,
      60_000,
      async () =>
        (
          await client.list<Pod>(PODS, scans.name, {
            labelSelector: `batch.kubernetes.io/job-name=${job.metadata?.name}`,
          })
        )[0],
    );
    if (!pod) throw new Error('no pod');
    // The identity the CronJob's downward-API env gives the report container, read from the pod as the kubelet would.
    const labels = pod.metadata?.labels ?? {};
    const dir = await mkdtemp(join(tmpdir(), 'k8tls-'));
    await writeFile(join(dir, 'report.json'), reportText);
    await storeReport(env.kubeConfig, {
      reportPath: join(dir, 'report.json'),
      job: {
        namespace: pod.metadata?.namespace ?? '',
        name: labels['batch.kubernetes.io/job-name'] ?? '',
        uid: labels['batch.kubernetes.io/controller-uid'] ?? '',
      },
      logger,
    });
    const now = new Date().toISOString();
    const terminated = (name: string) => ({
      name,
      image: 'x',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
    });
    await client.patchStatus(
      PODS,
      { namespace: pod.metadata?.namespace, name: pod.metadata?.name ?? '' },
      {
        status: {
          phase: 'Succeeded',
          conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }],
          initContainerStatuses: [terminated('k8tls')],
          containerStatuses: [terminated('report')],
          startTime: now,
        },
      },
    );
  };

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), k8tlsCrdDirectory()]);
    scans = await env.namespace('k8tls-scans');
    // deploy/adapter-k8tls creates the scan jobs' ServiceAccount; pods naming a missing one are refused.
    await client.create(SERVICE_ACCOUNTS, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: DEFAULT_K8TLS_CONFIG.serviceAccount, namespace: scans.name },
    });
    const config = { ...DEFAULT_K8TLS_CONFIG, namespace: scans.name };
    adapter = createAdapter(env.kubeConfig, createK8tlsAdapter(config), { logger });
    results = createResultsController(env.kubeConfig, { logger, namespace: scans.name });
    await Promise.all([adapter.start(), results.start()]);
  });
  afterAll(async () => {
    await Promise.all([adapter?.stop(), results?.stop()]);
    // Nothing may outlive this file: every k8tls adapter on the control plane acts on every ClusterNimbusPolicy, and
    // one configured with another scan namespace would take a leftover CronJob here for its own stale object.
    for (const name of bindings) {
      await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name });
      await client.delete(RESOURCES.ClusterNimbusPolicy, { name });
    }
    await scans?.delete({ wait: true });
  });

  it('runs the CronJob the controller-manager makes Jobs of, and reports each finished scan', async () => {
    const name = `tls-${suffix}`;
    const policy = await bindAndPolicy(name, {
      schedule: ['* * * * *'],
      external_addresses: ['shop.example.com:443'],
    });
    const cron = await pollUntil('the CronJob', 30_000, () => cronJob(`${name}-assesstls`), {
      until: (c) => c !== undefined,
    });
    expect(cron?.spec.schedule).toBe('* * * * *');
    expect(cron?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'ClusterNimbusPolicy',
      uid: policy.metadata?.uid,
    });
    const addresses = await client.get<KubernetesObject & { data?: Record<string, string> }>(CONFIG_MAPS, {
      namespace: scans.name,
      name: `${name}-assesstls-addresses`,
    });
    expect(addresses?.data?.addresses).toBe('shop.example.com:443 shop.example.com:443\n');
    // The status lists the objects where they are: in the scan namespace, not the (cluster-scoped) policy's.
    const status = await pollUntil('the policy status', 30_000, () => policyStatus(name), {
      until: (s) => s?.numberOfAdapterPolicies === 2,
    });
    expect([...(status?.adapterPolicies ?? [])].sort()).toEqual([
      `${scans.name}/ConfigMap/${name}-assesstls-addresses`,
      `${scans.name}/CronJob/${name}-assesstls`,
    ]);
    expect(status?.conditions?.find((c) => c.type === 'nimbus-k8tls/Ready')?.status).toBe('True');

    // The cronjob controller schedules a Job within a minute.
    const [job] = await pollUntil(
      'the controller-manager to create a Job from the CronJob',
      150_000,
      () => jobsOf(cron as KubernetesObject),
      {
        until: (jobs) => jobs.length > 0,
        intervalMs: 1000,
      },
    );
    if (!job) throw new Error('no job');
    await runPod(job, TLSSCAN_REPORT);
    const first = await pollUntil(
      'the TLSAssessmentReport of the finished job',
      60_000,
      () => report(`${name}-assesstls`),
      {
        until: (r) => r?.scan.job === job.metadata?.name && r?.scan.outcome === 'Succeeded',
      },
    );
    expect(first?.summary).toEqual({
      endpoints: 2,
      failingEndpoints: 2,
      findings: 4,
      failedFindings: 2,
      critical: 1,
      high: 0,
      medium: 1,
      low: 0,
    });
    expect(first?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'ClusterNimbusPolicy',
      name,
      uid: policy.metadata?.uid,
    });
    expect(first?.scan.completionTime).toBeDefined();

    // An edited report is put back, from the same job's stored report.
    await client.patch(TLS_ASSESSMENT_REPORTS, { name: `${name}-assesstls` }, { summary: { critical: 99 } });
    await pollUntil('the edited report to be repaired', 30_000, () => report(`${name}-assesstls`), {
      until: (r) => r?.summary.critical === 1,
    });

    // The next run replaces the report with its own. That run is started from the CronJob by hand, as
    // `kubectl create job --from=cronjob/…` does (a Job controlled by the CronJob, from its template): the real tick
    // above already proved that the controller-manager schedules this CronJob, and what this step proves, the
    // results controller taking the latest finished Job of the CronJob, is the same for any Job the CronJob
    // controls. A second real tick would only add a minute of waiting on the cronjob controller's own clock.
    const manual = `${name}-assesstls-manual`;
    await env.runKubectl(['create', 'job', manual, `--from=cronjob/${name}-assesstls`, '-n', scans.name]);
    const next = await pollUntil(
      'the Job made from the CronJob',
      30_000,
      () => jobsOf(cron as KubernetesObject),
      {
        until: (jobs) => jobs.some((j) => j.metadata?.name === manual),
      },
    );
    const second = next.find((j) => j.metadata?.name === manual);
    if (!second) throw new Error('no second job');
    await runPod(second, K8S_TLSSCAN_REPORT);
    const replaced = await pollUntil(
      'the report of the second job',
      60_000,
      () => report(`${name}-assesstls`),
      {
        until: (r) => r?.scan.job === second.metadata?.name,
      },
    );
    expect(replaced?.endpoints.map((e) => e.name)).toEqual(['shop/web[http]', 'default/kubernetes[https]']);
    // One real schedule tick of `* * * * *` comes at the next minute boundary (up to 60 s away), so the waits above
    // can exceed the project's 120 s default: a budget that covers the tick and the polls after it, not a retry.
  }, 240_000);

  it('repairs a deleted CronJob, drops the addresses no longer asked for, and goes with the policy', async () => {
    const name = `drift-${suffix}`;
    await bindAndPolicy(name, { schedule: ['@daily'], external_addresses: ['a.example.com:443'] });
    const first = await pollUntil('the CronJob', 30_000, () => cronJob(`${name}-assesstls`), {
      until: (c) => c !== undefined,
    });
    await client.delete(CRON_JOBS, { namespace: scans.name, name: `${name}-assesstls` });
    const again = await pollUntil(
      'the deleted CronJob to be re-created',
      30_000,
      () => cronJob(`${name}-assesstls`),
      {
        until: (c) => c !== undefined && c.metadata?.uid !== first?.metadata?.uid,
      },
    );
    await client.patch(
      CRON_JOBS,
      { namespace: scans.name, name: `${name}-assesstls` },
      { spec: { schedule: '0 0 1 1 *' } },
    );
    await pollUntil('the edited schedule to be repaired', 30_000, () => cronJob(`${name}-assesstls`), {
      until: (c) => c?.spec.schedule === '@daily' && c.metadata?.uid === again?.metadata?.uid,
    });

    // The intent no longer lists external addresses: the ConfigMap goes, and the scan covers the Services.
    await client.patch(
      RESOURCES.ClusterNimbusPolicy,
      { name },
      {
        spec: { rules: [{ id: 'assessTLS', rule: { action: 'Audit', params: { schedule: ['@daily'] } } }] },
      },
    );
    await pollUntil(
      'the addresses ConfigMap to be deleted',
      30_000,
      async () =>
        (await client.get(CONFIG_MAPS, { namespace: scans.name, name: `${name}-assesstls-addresses` })) ===
        undefined,
    );
    const services = await cronJob(`${name}-assesstls`);
    expect(JSON.stringify(services?.spec)).toContain('./k8s_tlsscan');
    expect((await policyStatus(name))?.adapterPolicies).toEqual([`${scans.name}/CronJob/${name}-assesstls`]);

    // Deleting the binding's policy takes the CronJob with it (garbage collector, through the owner reference).
    await client.delete(RESOURCES.ClusterNimbusPolicy, { name });
    await pollUntil(
      'the CronJob to go with its policy',
      60_000,
      async () => (await cronJob(`${name}-assesstls`)) === undefined,
    );
    await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name });
  });
});
