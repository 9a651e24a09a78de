/**
 * `@nimbus-ts/adapter-k8tls`: the k8tls adapter. For assessTLS ClusterNimbusPolicies it keeps a k8tls CronJob
 * (upstream's name, schedule and external-addresses ConfigMap) in a scan namespace, and turns each finished scan
 * into a cluster-scoped TLSAssessmentReport users can `kubectl get` (see README.md and docs/adr/0002-k8tls-results.md).
 * It runs as its own deployment (`nimbus-k8tls`); the scan jobs run `nimbus-k8tls-report` from the same image.
 *
 * @packageDocumentation
 */
export { createK8tlsAdapter, k8tlsAdapter } from './adapter.js';
export {
  ADDRESSES_KEY,
  ASSESSMENT_LABEL,
  addressesConfigMapName,
  buildK8tlsObjects,
  cronJobName,
  DEFAULT_SCHEDULE,
  K8TLS_INTENTS,
  MAX_CRON_JOB_NAME_LENGTH,
  REPORT_PATH,
  scheduleProblem,
} from './build.js';
export {
  DEFAULT_K8TLS_CONFIG,
  K8TLS_ADAPTER_VERSION,
  K8TLS_ENV,
  type K8tlsConfig,
  k8tlsConfigFromEnv,
} from './config.js';
export { k8tlsCrdDirectory } from './crds.js';
export { CONFIG_MAPS, CRON_JOBS, JOBS, TLS_ASSESSMENT_REPORTS } from './kinds.js';
export {
  type AssessmentInput,
  type AssessmentSummary,
  assessmentReport,
  type CronJobView,
  type JobView,
  jobFinish,
  latestFinishedJob,
  MAX_ENDPOINTS,
  MAX_FINDINGS,
  MAX_TEXT,
  type ReportedEndpoint,
  type ReportedFinding,
  type ScanOutcome,
  type TLSAssessmentReport,
} from './report/assessment.js';
export {
  isFailed,
  type K8tlsEndpoint,
  type K8tlsFinding,
  type K8tlsReport,
  type ParseResult,
  parseK8tlsReport,
} from './report/parse.js';
export {
  MAX_REPORT_BYTES,
  REPORT_DATA_KEY,
  REPORT_LABEL,
  type ReportJob,
  reportConfigMap,
} from './report/report-configmap.js';
export { reportJobFromEnv, type StoreReportOptions, storeReport } from './reporter.js';
export {
  createResultsController,
  type ResultsController,
  type ResultsControllerOptions,
} from './results-controller.js';
