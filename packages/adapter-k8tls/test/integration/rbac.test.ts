import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createAdapter } from '@nimbus-ts/adapter-sdk';
import {
  adapterLeaseName,
  announcementMetadata,
  type ClusterNimbusPolicy,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
} from '@nimbus-ts/api';
import { LeaderElector, ObjectClient, PODS, SERVICE_ACCOUNTS } from '@nimbus-ts/k8s';
import {
  abortable,
  checkLeastPrivilege,
  parseManifests,
  pollUntil,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_MAPS,
  CRON_JOBS,
  createK8tlsAdapter,
  createResultsController,
  DEFAULT_K8TLS_CONFIG,
  JOBS,
  k8tlsCrdDirectory,
  storeReport,
  TLS_ASSESSMENT_REPORTS,
  type TLSAssessmentReport,
} from '../../src/index.js';
import { TLSSCAN_REPORT } from '../unit/samples.js';

// The shipped RBAC of deploy/adapter-k8tls, proven on the RBAC-enforcing control plane, for both identities it
// creates: the adapter (nimbus-k8tls) does all it does with exactly its rules and fails without any one of them, and
// so do the scan jobs (nimbus-k8tls-scanner). The checker moves every Role into one test namespace, which therefore
// stands in for both nimbus-system and the scan namespace nimbus-k8tls-env.

const DEPLOY = fileURLToPath(new URL('../../../../deploy/adapter-k8tls', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';
const SERVICES = { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true } as const;
const SCANNER = DEFAULT_K8TLS_CONFIG.serviceAccount;

/** The RBAC objects of one ServiceAccount: the bindings naming it and the roles they bind. */
function rbacOf(manifests: readonly KubernetesObject[], serviceAccount: string): KubernetesObject[] {
  type Binding = KubernetesObject & {
    roleRef: { kind: string; name: string };
    subjects?: { name: string }[];
  };
  const bindings = manifests.filter(
    (o): o is Binding =>
      (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') &&
      ((o as Binding).subjects ?? []).some((s) => s.name === serviceAccount),
  );
  const roles = manifests.filter((o) =>
    bindings.some((b) => b.roleRef.kind === o.kind && b.roleRef.name === o.metadata?.name),
  );
  return [...roles, ...bindings];
}

describe('the k8tls adapter’s RBAC (deploy/adapter-k8tls)', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'test-admin');
  let home: TestNamespace;
  let manifests: KubernetesObject[];

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), k8tlsCrdDirectory()]);
    home = await env.namespace('rbac-k8tls');
    manifests = parseManifests(await env.runKubectl(['kustomize', DEPLOY]));
    await admin.create(SERVICE_ACCOUNTS, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: SCANNER, namespace: home.name },
    });
  });
  afterAll(async () => {
    await home?.delete();
  });

  it('is enough for everything the adapter does, and every rule is needed', async () => {
    const report = await checkLeastPrivilege({
      kubeConfig: env.kubeConfig,
      addUser: env.addUser,
      manifests: rbacOf(manifests, 'nimbus-k8tls'),
      serviceAccount: 'nimbus-k8tls',
      namespace: home.name,
      timeoutMs: 60_000,
      scenario: async ({ kubeConfig, logger, run, namespace, signal }) => {
        const name = `rbac-k8tls-r${run}`;
        const config = { ...DEFAULT_K8TLS_CONFIG, namespace };
        const declaration = createK8tlsAdapter(config);
        // Its Lease, as runAdapter holds it: leader election and the announcement.
        const elector = new LeaderElector(new ObjectClient(kubeConfig, 'nimbus-k8tls'), {
          namespace,
          name: `${adapterLeaseName('k8tls')}-r${run}`,
          identity: `r${run}`,
          metadata: announcementMetadata('k8tls', declaration.intents, declaration.kinds),
          logger,
        });
        if (!(await elector.tryAcquireOrRenew())) throw new Error('the adapter could not take its Lease');
        const adapter = createAdapter(kubeConfig, declaration, { logger });
        const results = createResultsController(kubeConfig, { logger, namespace });
        const wait = <T>(what: string, check: () => Promise<T>, until: (v: T) => boolean) =>
          pollUntil(what, 20_000, check, { until, signal });
        try {
          // A cache it may not fill never finishes starting: stop waiting once the run's outcome is known.
          await abortable(Promise.all([adapter.start(), results.start()]), signal, 'the adapter to start');
          const csib = await admin.create(RESOURCES.ClusterSecurityIntentBinding, {
            apiVersion: API,
            kind: 'ClusterSecurityIntentBinding',
            metadata: { name },
            spec: { intents: [{ name: 'assess-tls' }], selector: { nsSelector: { matchNames: ['*'] } } },
          } as KubernetesObject);
          const owner = {
            apiVersion: API,
            kind: 'ClusterSecurityIntentBinding',
            name,
            uid: csib.metadata?.uid ?? '',
            controller: true,
          };
          const rules = [
            {
              id: 'assessTLS',
              rule: {
                action: 'Audit',
                params: { schedule: ['@daily'], external_addresses: ['a.example.com:443'] },
              },
            },
          ];
          await admin.create(RESOURCES.ClusterNimbusPolicy, {
            apiVersion: API,
            kind: 'ClusterNimbusPolicy',
            metadata: { name, ownerReferences: [owner] },
            spec: { rules },
          } as ClusterNimbusPolicy);
          // A fan-out NimbusPolicy of the same binding, as the core operator writes one per namespace.
          await admin.create(RESOURCES.NimbusPolicy, {
            apiVersion: API,
            kind: 'NimbusPolicy',
            metadata: { name: `nimbus-ctlr-gen-${name}`, namespace, ownerReferences: [owner] },
            spec: { selector: {}, rules },
          } as NimbusPolicy);
          await wait(
            'the policy status',
            () => admin.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name }),
            (p) => p?.status?.numberOfAdapterPolicies === 2,
          );
          await wait(
            'the fan-out policy reported',
            () =>
              admin.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace, name: `nimbus-ctlr-gen-${name}` }),
            (p) => p?.status?.conditions?.some((c) => c.type === 'nimbus-k8tls/Ready') === true,
          );
          // Drift: a deleted CronJob is re-created.
          const cronJobRef = { namespace, name: `${name}-assesstls` };
          const cronJob = await admin.get(CRON_JOBS, cronJobRef);
          await admin.delete(CRON_JOBS, cronJobRef);
          const again = await wait(
            'the CronJob re-created',
            () => admin.get(CRON_JOBS, cronJobRef),
            (c) => c !== undefined && c.metadata?.uid !== cronJob?.metadata?.uid,
          );
          // A finished scan (the test plays the cronjob controller, the report container and the kubelet: a run per
          // rule at the controller-manager's once-a-minute schedule would take too long).
          const job = await admin.create(JOBS, {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name: `${name}-assesstls-1`,
              namespace,
              ownerReferences: [
                {
                  apiVersion: 'batch/v1',
                  kind: 'CronJob',
                  name: cronJobRef.name,
                  uid: again?.metadata?.uid ?? '',
                  controller: true,
                },
              ],
            },
            spec: {
              backoffLimit: 0,
              template: {
                spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'x' }] },
              },
            },
          } as KubernetesObject);
          const pod = await wait(
            'the job’s pod',
            async () =>
              (
                await admin.list(PODS, namespace, {
                  labelSelector: `batch.kubernetes.io/job-name=${job.metadata?.name}`,
                })
              )[0],
            (p) => p !== undefined,
          );
          const dir = await mkdtemp(join(tmpdir(), 'k8tls-rbac-'));
          await writeFile(join(dir, 'report.json'), TLSSCAN_REPORT);
          await storeReport(env.kubeConfig, {
            reportPath: join(dir, 'report.json'),
            job: { namespace, name: job.metadata?.name ?? '', uid: job.metadata?.uid ?? '' },
            logger,
          });
          await admin.patchStatus(
            PODS,
            { namespace, name: pod?.metadata?.name ?? '' },
            { status: { phase: 'Succeeded' } },
          );
          await wait(
            'the TLSAssessmentReport',
            () => admin.get<TLSAssessmentReport>(TLS_ASSESSMENT_REPORTS, { name: cronJobRef.name }),
            (r) => r?.scan.outcome === 'Succeeded',
          );
          // Cleanup of what is no longer wanted: the addresses go.
          await admin.patch(
            RESOURCES.ClusterNimbusPolicy,
            { name },
            {
              spec: {
                rules: [{ id: 'assessTLS', rule: { action: 'Audit', params: { schedule: ['@daily'] } } }],
              },
            },
          );
          await wait(
            'the addresses ConfigMap deleted',
            () => admin.get(CONFIG_MAPS, { namespace, name: `${name}-assesstls-addresses` }),
            (c) => c === undefined,
          );
        } finally {
          await Promise.all([adapter.stop(), results.stop()]);
          await admin.delete(RESOURCES.ClusterSecurityIntentBinding, { name });
          await admin.delete(RESOURCES.ClusterNimbusPolicy, { name });
          await admin.delete(RESOURCES.NimbusPolicy, { namespace, name: `nimbus-ctlr-gen-${name}` });
          await admin.delete(TLS_ASSESSMENT_REPORTS, { name: `${name}-assesstls` });
          await admin.delete(CRON_JOBS, { namespace, name: `${name}-assesstls` });
        }
      },
    });
    expect(report.withAllRules).toEqual({ ok: true });
    expect(report.withoutRule.length).toBeGreaterThanOrEqual(14);
    expect(report.withoutRule.filter((r) => r.outcome.ok).map((r) => r.rule)).toEqual([]);
    // One run per rule (about 15), each with a whole scan.
  }, 300_000);

  it('is enough for the scan jobs, and every rule is needed', async () => {
    const report = await checkLeastPrivilege({
      kubeConfig: env.kubeConfig,
      addUser: env.addUser,
      manifests: rbacOf(manifests, SCANNER),
      serviceAccount: SCANNER,
      namespace: home.name,
      timeoutMs: 30_000,
      scenario: async ({ kubeConfig, logger, run, namespace }) => {
        const scanner = new ObjectClient(kubeConfig, 'k8tls-scanner');
        // k8s_tlsscan: kubectl get svc -A.
        await scanner.list(SERVICES);
        // nimbus-k8tls-report.
        const dir = await mkdtemp(join(tmpdir(), 'k8tls-scanner-'));
        await writeFile(join(dir, 'report.json'), TLSSCAN_REPORT);
        await storeReport(kubeConfig, {
          reportPath: join(dir, 'report.json'),
          job: { namespace, name: `scan-r${run}`, uid: `00000000-0000-0000-0000-00000000000${run}` },
          logger,
        });
      },
    });
    expect(report.withAllRules).toEqual({ ok: true });
    expect(report.withoutRule.map((r) => r.rule)).toHaveLength(2);
    expect(report.withoutRule.filter((r) => r.outcome.ok).map((r) => r.rule)).toEqual([]);
  });
});
