import type { BuildContext, DesiredObject } from '@nimbus-ts/adapter-sdk';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { boundedName } from '@nimbus-ts/k8s';
import type { K8tlsConfig } from './config.js';
import { CONFIG_MAPS, CRON_JOBS } from './kinds.js';

/** The intents the k8tls adapter enforces. */
export const K8TLS_INTENTS: readonly string[] = Object.freeze(['assessTLS']);

/** Upstream's schedule when the intent has no `schedule` parameter. */
export const DEFAULT_SCHEDULE = '@weekly';

/** The label on everything of one assessment (CronJob, its jobs and pods): the CronJob's name. */
export const ASSESSMENT_LABEL = 'tls.nimbus-ts.io/assessment';

/** Where the k8tls container writes its JSON report and the reporter reads it (a shared emptyDir). */
export const REPORT_PATH = '/tmp/report.json';

/** The key of the address list in the external-addresses ConfigMap (upstream's). */
export const ADDRESSES_KEY = 'addresses';

const CRON_MACROS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);
const CRON_FIELD = /^[0-9A-Za-z*/,?-]+$/;
// host:port, where host is a DNS name, an IPv4 address or a bracketed IPv6 address: what openssl s_client -connect
// and nc -z (k8tls's tools) accept, with no spaces (the list is split on spaces).
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})$/;

/**
 * The longest CronJob name the API server accepts: its Jobs are named `<cronjob>-<scheduled minute>` (11 more
 * characters) and must stay DNS labels. It also keeps the name a valid value of {@link ASSESSMENT_LABEL}.
 */
export const MAX_CRON_JOB_NAME_LENGTH = 52;

/**
 * The CronJob of a policy: `<policy>-assesstls`, upstream's name, shortened with a hash suffix when it would
 * exceed {@link MAX_CRON_JOB_NAME_LENGTH} (a ClusterNimbusPolicy name may have 253 characters). Its report
 * carries the same name.
 */
export function cronJobName(policyName: string): string {
  return boundedName([policyName, 'assesstls'], MAX_CRON_JOB_NAME_LENGTH);
}

/**
 * The external-addresses ConfigMap of a policy. Upstream names it `external-addresses` for every policy, so two
 * policies overwrite each other's list; this name is the policy's own.
 */
export function addressesConfigMapName(policyName: string): string {
  return boundedName([cronJobName(policyName), 'addresses']);
}

/**
 * Checks a cron schedule the way the CronJob API will, as far as a builder can: a macro or five fields.
 *
 * @returns a problem to report, or undefined.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    return CRON_MACROS.has(trimmed)
      ? undefined
      : `schedule "${schedule}" is not one of ${[...CRON_MACROS].join(', ')}`;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
    return `schedule "${schedule}" is not a cron schedule of five fields (minute hour day-of-month month day-of-week) or a macro such as @daily`;
  }
  return undefined;
}

/**
 * The k8tls adapter's builder for NimbusPolicies: nothing. A scan covers the cluster, so only a
 * ClusterNimbusPolicy (a ClusterSecurityIntentBinding) starts one, as upstream; the per-namespace NimbusPolicies
 * of such a binding are covered by its cluster-wide scan.
 */
export function buildForNamespacedPolicy(
  _policy: NimbusPolicy,
  _context: BuildContext,
): readonly DesiredObject[] {
  return [];
}

/**
 * Builds the objects of an assessTLS ClusterNimbusPolicy: a CronJob `<policy>-assesstls` in the scan namespace
 * and, with `external_addresses`, the ConfigMap of those addresses. Pure.
 *
 * Each run has two steps sharing an emptyDir: k8tls (an init container) scans and writes its JSON report to
 * {@link REPORT_PATH}; then `nimbus-k8tls-report` (the main container, this package's image) stores the report in
 * a ConfigMap named after the job, which the adapter turns into the policy's TLSAssessmentReport.
 *
 * @throws Error naming the policy, the parameter and the fix when `schedule` or an address is malformed.
 */
export function buildK8tlsObjects(
  policy: ClusterNimbusPolicy,
  context: BuildContext,
  config: K8tlsConfig,
): readonly DesiredObject[] {
  const rule = context.rules[0];
  if (!rule) return [];
  const params = rule.rule.rule.params ?? {};
  const where = `ClusterNimbusPolicy ${policy.metadata.name}, rule ${rule.rule.id}`;
  const schedule = params.schedule?.[0]?.trim() || DEFAULT_SCHEDULE;
  const badSchedule = scheduleProblem(schedule);
  if (badSchedule) throw new Error(`${where}: ${badSchedule}; fix the SecurityIntent's params.schedule`);
  const addresses = (params.external_addresses ?? []).map((a) => a.trim()).filter((a) => a !== '');
  for (const address of addresses) {
    const port = ADDRESS.exec(address)?.[3];
    if (!port || Number(port) < 1 || Number(port) > 65535) {
      throw new Error(
        `${where}: external address "${address}" is not host:port (e.g. example.com:443); fix the SecurityIntent's params.external_addresses`,
      );
    }
  }

  const policyName = policy.metadata.name ?? '';
  const name = cronJobName(policyName);
  const labels = { ...policy.metadata.labels, [ASSESSMENT_LABEL]: name };
  const objects: DesiredObject[] = [];
  const volumes: Record<string, unknown>[] = [{ name: 'work', emptyDir: {} }];
  const scannerMounts: Record<string, unknown>[] = [{ name: 'work', mountPath: '/tmp' }];
  let command: string[];
  if (addresses.length > 0) {
    const configMap = addressesConfigMapName(policyName);
    objects.push({
      apiVersion: CONFIG_MAPS.apiVersion,
      kind: CONFIG_MAPS.kind,
      metadata: { name: configMap, namespace: config.namespace, labels },
      // One "<address> <name>" line per address: the name column is what the report calls the endpoint.
      data: { [ADDRESSES_KEY]: addresses.map((a) => `${a} ${a}\n`).join('') },
    } as DesiredObject);
    volumes.push({ name: 'addresses', configMap: { name: configMap } });
    scannerMounts.push({ name: 'addresses', mountPath: '/var/k8tls', readOnly: true });
    command = ['./tlsscan', '--infile', `/var/k8tls/${ADDRESSES_KEY}`, '--json', REPORT_PATH];
  } else {
    // k8s_tlsscan lists the Services of every namespace and writes the combined report to /tmp/report.json.
    command = ['./k8s_tlsscan'];
  }

  objects.push({
    apiVersion: CRON_JOBS.apiVersion,
    kind: CRON_JOBS.kind,
    metadata: { name, namespace: config.namespace, labels },
    spec: {
      schedule,
      // A scan still running when the next is due is not doubled.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: { [ASSESSMENT_LABEL]: name } },
        spec: {
          backoffLimit: 5,
          template: {
            metadata: { labels: { [ASSESSMENT_LABEL]: name } },
            spec: {
              serviceAccountName: config.serviceAccount,
              restartPolicy: 'Never',
              volumes,
              initContainers: [
                {
                  name: 'k8tls',
                  image: config.scannerImage,
                  command,
                  volumeMounts: scannerMounts,
                },
              ],
              containers: [
                {
                  name: 'report',
                  image: config.reporterImage,
                  command: ['/nodejs/bin/node', '/app/dist/report-main.js'],
                  args: [`--report=${REPORT_PATH}`],
                  env: [
                    {
                      name: 'JOB_NAME',
                      valueFrom: {
                        fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" },
                      },
                    },
                    {
                      name: 'JOB_UID',
                      valueFrom: {
                        fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" },
                      },
                    },
                    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  ],
                  volumeMounts: [{ name: 'work', mountPath: '/tmp', readOnly: true }],
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 65532,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
            },
          },
        },
      },
    },
  } as DesiredObject);
  return objects;
}
