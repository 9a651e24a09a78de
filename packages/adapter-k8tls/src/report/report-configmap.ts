import type { KubernetesObject } from '@kubernetes/client-node';
import { CONFIG_MAPS, JOBS } from '../kinds.js';

/** The label that marks a ConfigMap as a scan job's k8tls report (its value is `k8tls`). */
export const REPORT_LABEL = 'tls.nimbus-ts.io/report';

/** The ConfigMap key holding the report's JSON text. */
export const REPORT_DATA_KEY = 'report.json';

/**
 * Largest report stored: a ConfigMap holds at most 1 MiB, and the rest of the object needs room. A larger report is
 * stored without its whitespace; one still too large fails the job with a message.
 */
export const MAX_REPORT_BYTES = 1_000_000;

/** Which job the report belongs to: from the pod's own labels (downward API). */
export interface ReportJob {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * The ConfigMap a scan job stores its report in: named after the job, in its namespace, controlled by the job
 * (so the garbage collector removes it with the job when the CronJob's history limit drops the job). No
 * `blockOwnerDeletion`: setting it would need `update` on `jobs/finalizers`, which the job's ServiceAccount does not
 * have. Pure.
 *
 * @throws Error saying the size when the report cannot fit in a ConfigMap even without whitespace.
 */
export function reportConfigMap(
  job: ReportJob,
  reportText: string,
): KubernetesObject & { data: Record<string, string> } {
  let text = reportText;
  if (Buffer.byteLength(text) > MAX_REPORT_BYTES) {
    try {
      text = JSON.stringify(JSON.parse(text));
    } catch {
      // Not JSON: stored as it is if it fits, and the adapter reports it as invalid.
    }
  }
  const size = Buffer.byteLength(text);
  if (size > MAX_REPORT_BYTES) {
    throw new Error(
      `the k8tls report of job ${job.namespace}/${job.name} is ${size} bytes, more than the ${MAX_REPORT_BYTES} a ConfigMap can hold; scan fewer endpoints per policy (e.g. a ClusterSecurityIntentBinding per group of external addresses)`,
    );
  }
  return {
    apiVersion: CONFIG_MAPS.apiVersion,
    kind: CONFIG_MAPS.kind,
    metadata: {
      name: job.name,
      namespace: job.namespace,
      labels: { [REPORT_LABEL]: 'k8tls' },
      ownerReferences: [
        { apiVersion: JOBS.apiVersion, kind: JOBS.kind, name: job.name, uid: job.uid, controller: true },
      ],
    },
    data: { [REPORT_DATA_KEY]: text },
  };
}
