import type { ResourceType } from '@nimbus-ts/k8s';

/** `batch/v1` CronJobs: one per assessTLS ClusterNimbusPolicy, in the scan namespace. */
export const CRON_JOBS = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  namespaced: true,
} as const satisfies ResourceType;

/** `batch/v1` Jobs: the runs the CronJob controller makes; the results controller reads the finished ones. */
export const JOBS = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
} as const satisfies ResourceType;

/**
 * Core v1 ConfigMaps: the adapter writes the external addresses of a policy into one, and each scan job writes
 * its k8tls report into one named after the job.
 */
export const CONFIG_MAPS = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
} as const satisfies ResourceType;

/**
 * `tls.nimbus-ts.io/v1alpha1` TLSAssessmentReports (cluster-scoped): the latest finished scan of one assessTLS
 * policy, owned by its ClusterNimbusPolicy. The CRD is `crds/` of this package.
 */
export const TLS_ASSESSMENT_REPORTS = {
  apiVersion: 'tls.nimbus-ts.io/v1alpha1',
  kind: 'TLSAssessmentReport',
  plural: 'tlsassessmentreports',
  namespaced: false,
} as const satisfies ResourceType;
