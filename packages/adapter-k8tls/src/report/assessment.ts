import type { KubernetesObject } from '@kubernetes/client-node';
import { TLS_ASSESSMENT_REPORTS } from '../kinds.js';
import { isFailed, type K8tlsEndpoint, type K8tlsFinding, parseK8tlsReport } from './parse.js';

/** How the latest finished scan ended, as a TLSAssessmentReport says it. */
export type ScanOutcome = 'Succeeded' | 'Failed' | 'ReportMissing' | 'ReportInvalid';

/** A finding as a TLSAssessmentReport stores it (texts bounded). */
export type ReportedFinding = K8tlsFinding;

/** An endpoint as a TLSAssessmentReport stores it. */
export interface ReportedEndpoint {
  readonly name: string;
  readonly namespace?: string;
  readonly host: string;
  readonly port?: number;
  /** How many of its findings did not pass. */
  readonly failed: number;
  readonly findings: readonly ReportedFinding[];
}

/** Counts over the whole scan (before any truncation of the lists). */
export interface AssessmentSummary {
  readonly endpoints: number;
  /** Endpoints with at least one failed finding. */
  readonly failingEndpoints: number;
  readonly findings: number;
  readonly failedFindings: number;
  /** Failed findings by k8tls severity. */
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
}

/**
 * `tls.nimbus-ts.io/v1alpha1` TLSAssessmentReport: the latest finished k8tls scan of one assessTLS policy
 * (cluster-scoped, named like its CronJob, owned by the ClusterNimbusPolicy). Data at the top level, as the
 * Clair adapter's VulnerabilityReport: nobody asks for anything in it, the adapter only reports.
 */
export interface TLSAssessmentReport extends KubernetesObject {
  apiVersion: typeof TLS_ASSESSMENT_REPORTS.apiVersion;
  kind: typeof TLS_ASSESSMENT_REPORTS.kind;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string };
  /** What is assessed: the policy and its CronJob. */
  assessment: {
    policy: string;
    cronJob: { namespace: string; name: string };
    schedule?: string;
  };
  /** The run this report comes from. */
  scan: {
    job: string;
    outcome: ScanOutcome;
    message: string;
    startTime?: string;
    completionTime?: string;
    scanner: { name: 'k8tls'; version?: string };
  };
  summary: AssessmentSummary;
  /** Failing endpoints first; at most {@link MAX_ENDPOINTS}. */
  endpoints: ReportedEndpoint[];
  /** True when endpoints or findings were left out to keep the object small. */
  truncated: boolean;
}

/** Most endpoints a report lists (the summary still counts them all): etcd objects are limited to ~1.5 MiB. */
export const MAX_ENDPOINTS = 500;
/** Most findings listed per endpoint. */
export const MAX_FINDINGS = 20;
/** Longest text kept per field. */
export const MAX_TEXT = 1024;

/** The parts of a batch/v1 Job the results path reads. */
export interface JobView extends KubernetesObject {
  status?: {
    startTime?: string;
    completionTime?: string;
    conditions?: {
      type: string;
      status: string;
      lastTransitionTime?: string;
      reason?: string;
      message?: string;
    }[];
  };
}

/** The parts of a batch/v1 CronJob the results path reads. */
export interface CronJobView extends KubernetesObject {
  spec?: { schedule?: string };
}

/** `Complete` or `Failed` when the Job has finished (its condition is True), otherwise undefined. */
export function jobFinish(
  job: JobView,
): { state: 'Complete' | 'Failed'; at?: string; message?: string } | undefined {
  for (const state of ['Complete', 'Failed'] as const) {
    const condition = job.status?.conditions?.find((c) => c.type === state && c.status === 'True');
    if (condition) {
      const at =
        state === 'Complete'
          ? (job.status?.completionTime ?? condition.lastTransitionTime)
          : condition.lastTransitionTime;
      return { state, ...(at ? { at } : {}), ...(condition.message ? { message: condition.message } : {}) };
    }
  }
  return undefined;
}

/** The most recently finished of `jobs` (by finish time, then creation, then name), or undefined. */
export function latestFinishedJob<J extends JobView>(jobs: readonly J[]): J | undefined {
  const key = (j: J) =>
    `${jobFinish(j)?.at ?? ''}|${j.metadata?.creationTimestamp ?? ''}|${j.metadata?.name ?? ''}`;
  return jobs
    .filter((j) => jobFinish(j) !== undefined)
    .reduce<J | undefined>((best, j) => (best === undefined || key(j) > key(best) ? j : best), undefined);
}

const bounded = (value: string) => (value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT - 1)}…` : value);
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

function summarize(endpoints: readonly K8tlsEndpoint[]): AssessmentSummary {
  const counts = { critical: 0, high: 0, medium: 0, low: 0 };
  let findings = 0;
  let failedFindings = 0;
  let failingEndpoints = 0;
  for (const endpoint of endpoints) {
    const failed = endpoint.findings.filter(isFailed);
    findings += endpoint.findings.length;
    failedFindings += failed.length;
    if (failed.length > 0) failingEndpoints++;
    for (const f of failed) {
      const severity = f.severity?.toLowerCase();
      if (severity && (SEVERITIES as readonly string[]).includes(severity))
        counts[severity as keyof typeof counts]++;
    }
  }
  return { endpoints: endpoints.length, failingEndpoints, findings, failedFindings, ...counts };
}

function reported(endpoint: K8tlsEndpoint): { endpoint: ReportedEndpoint; truncated: boolean } {
  // Failed findings first, so truncation drops passes before failures.
  const ordered = [...endpoint.findings.filter(isFailed), ...endpoint.findings.filter((f) => !isFailed(f))];
  const findings = ordered
    .slice(0, MAX_FINDINGS)
    .map(
      (f) =>
        Object.fromEntries(Object.entries(f).map(([k, v]) => [k, bounded(v)])) as unknown as ReportedFinding,
    );
  return {
    endpoint: {
      name: bounded(endpoint.name),
      ...(endpoint.namespace ? { namespace: endpoint.namespace } : {}),
      host: bounded(endpoint.host),
      ...(endpoint.port !== undefined ? { port: endpoint.port } : {}),
      failed: endpoint.findings.filter(isFailed).length,
      findings,
    },
    truncated: ordered.length > MAX_FINDINGS,
  };
}

const EMPTY_SUMMARY: AssessmentSummary = summarize([]);

/** What {@link assessmentReport} is made from. */
export interface AssessmentInput {
  /** The policy's CronJob. */
  readonly cronJob: CronJobView;
  /** Its latest finished Job. */
  readonly job: JobView;
  /** The text the job's reporter stored (the k8tls JSON report), or undefined when it stored none. */
  readonly reportText: string | undefined;
  /** The ClusterNimbusPolicy the CronJob belongs to. */
  readonly policy: string;
}

/**
 * The TLSAssessmentReport of a CronJob's latest finished Job: the parsed k8tls report when the job stored one,
 * otherwise the outcome and why (without owner references: the caller adds the policy as owner). Pure.
 */
export function assessmentReport(input: AssessmentInput): TLSAssessmentReport {
  const { cronJob, job, reportText, policy } = input;
  const finish = jobFinish(job);
  const jobName = job.metadata?.name ?? '';
  const base = {
    apiVersion: TLS_ASSESSMENT_REPORTS.apiVersion,
    kind: TLS_ASSESSMENT_REPORTS.kind,
    metadata: { name: cronJob.metadata?.name ?? '' },
    assessment: {
      policy,
      cronJob: { namespace: cronJob.metadata?.namespace ?? '', name: cronJob.metadata?.name ?? '' },
      ...(cronJob.spec?.schedule ? { schedule: cronJob.spec.schedule } : {}),
    },
  };
  const times = {
    ...(job.status?.startTime ? { startTime: job.status.startTime } : {}),
    ...(finish?.at ? { completionTime: finish.at } : {}),
  };
  const failure = (outcome: ScanOutcome, message: string, version?: string): TLSAssessmentReport => ({
    ...base,
    scan: {
      job: jobName,
      outcome,
      message,
      ...times,
      scanner: { name: 'k8tls', ...(version ? { version } : {}) },
    },
    summary: EMPTY_SUMMARY,
    endpoints: [],
    truncated: false,
  });
  const where = `job ${cronJob.metadata?.namespace}/${jobName}`;
  if (reportText === undefined) {
    return finish?.state === 'Failed'
      ? failure(
          'Failed',
          bounded(
            `${where} failed${finish.message ? `: ${finish.message}` : ''}; see its pods' logs (kubectl logs -n ${cronJob.metadata?.namespace} job/${jobName} -c k8tls)`,
          ),
        )
      : failure(
          'ReportMissing',
          `${where} finished without storing a report in ConfigMap ${jobName}; check that its ServiceAccount may create ConfigMaps in ${cronJob.metadata?.namespace} and see the logs of its report container`,
        );
  }
  const parsed = parseK8tlsReport(reportText);
  if (!parsed.ok) {
    return failure(
      'ReportInvalid',
      bounded(`${where}: ${parsed.error}; check the k8tls image and its version`),
    );
  }
  const summary = summarize(parsed.report.endpoints);
  const ordered = [...parsed.report.endpoints]
    .map(reported)
    .sort(
      (a, b) =>
        b.endpoint.failed - a.endpoint.failed ||
        (a.endpoint.name < b.endpoint.name ? -1 : a.endpoint.name > b.endpoint.name ? 1 : 0),
    );
  const kept = ordered.slice(0, MAX_ENDPOINTS);
  return {
    ...base,
    scan: {
      job: jobName,
      outcome: 'Succeeded',
      message: `${summary.endpoints} endpoints scanned, ${summary.failingEndpoints} with failed checks`,
      ...times,
      scanner: { name: 'k8tls', ...(parsed.report.version ? { version: parsed.report.version } : {}) },
    },
    summary,
    endpoints: kept.map((e) => e.endpoint),
    truncated: ordered.length > MAX_ENDPOINTS || kept.some((e) => e.truncated),
  };
}
