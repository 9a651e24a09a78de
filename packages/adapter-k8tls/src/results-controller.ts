import type { KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_BY_ANNOTATION, managerName } from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  type Component,
  Controller,
  type ControllerMetrics,
  isControlledBy,
  type Logger,
  ObjectClient,
  type ReflectorOptions,
} from '@nimbus-ts/k8s';
import { CONFIG_MAPS, CRON_JOBS, JOBS, TLS_ASSESSMENT_REPORTS } from './kinds.js';
import { assessmentReport, type CronJobView, type JobView, latestFinishedJob } from './report/assessment.js';
import { REPORT_DATA_KEY, REPORT_LABEL } from './report/report-configmap.js';

/** Options of {@link createResultsController}. */
export interface ResultsControllerOptions {
  readonly logger: Logger;
  /** The scan namespace: the only namespace whose CronJobs, Jobs and ConfigMaps it watches. */
  readonly namespace: string;
  readonly metrics?: ControllerMetrics;
  /** Options of its caches (tests shorten timeouts). */
  readonly reflector?: ReflectorOptions;
}

/** A running results controller. */
export interface ResultsController extends Component {
  /** Reconciles finished so far, for tests and metrics. */
  readonly reconciles: { success: number; error: number };
}

const MANAGER = managerName('k8tls');

/**
 * The results path: for every CronJob the k8tls adapter manages in the scan namespace, keeps a cluster-scoped
 * TLSAssessmentReport (same name, owned by the CronJob's ClusterNimbusPolicy) equal to the report of its latest
 * finished Job, which the job's `nimbus-k8tls-report` stored in a ConfigMap named after the job. Level-triggered:
 * a new Job, a finished Job, a new report ConfigMap or an edited or deleted report reconciles the CronJob, and the
 * report is written only when its content differs.
 */
export function createResultsController(
  kc: ApiServerAccess,
  options: ResultsControllerOptions,
): ResultsController {
  const name = 'k8tls/results';
  const client = new ObjectClient(kc, MANAGER);
  const reconciles = { success: 0, error: 0 };
  const record = options.metrics?.recorder(name);
  const controller = new Controller<CronJobView>(kc, CRON_JOBS, {
    name,
    logger: options.logger,
    reflector: { ...options.reflector, namespace: options.namespace },
    concurrency: 2,
    onReconciled: (outcome, durationMs) => {
      reconciles[outcome]++;
      record?.(outcome, durationMs);
    },
  });
  options.metrics?.trackQueue(name, () => controller.queueDepth);
  controller.owns(JOBS);
  // A report ConfigMap is controlled by its Job; the Job's controller is the CronJob.
  controller.watches<KubernetesObject>(CONFIG_MAPS, (cm) => {
    if (cm.metadata?.labels?.[REPORT_LABEL] === undefined) return [];
    const owner = cm.metadata?.ownerReferences?.find((o) => o.kind === JOBS.kind);
    const job =
      owner && controller.store<JobView>(JOBS).get({ namespace: cm.metadata?.namespace, name: owner.name });
    const cronJob = job?.metadata?.ownerReferences?.find((o) => o.controller && o.kind === CRON_JOBS.kind);
    return cronJob ? [{ namespace: cm.metadata?.namespace, name: cronJob.name }] : [];
  });
  // The report's name is the CronJob's: an edited or deleted report is put back.
  controller.watches<KubernetesObject>(TLS_ASSESSMENT_REPORTS, (report) =>
    report.metadata?.annotations?.[MANAGED_BY_ANNOTATION] === MANAGER
      ? [{ namespace: options.namespace, name: report.metadata?.name ?? '' }]
      : [],
  );

  const reconcile = async (cronJob: CronJobView): Promise<Action> => {
    if (cronJob.metadata?.annotations?.[MANAGED_BY_ANNOTATION] !== MANAGER) return Action.awaitChange();
    const policy = cronJob.metadata?.ownerReferences?.find(
      (o) => o.controller && o.kind === 'ClusterNimbusPolicy',
    );
    if (!policy || cronJob.metadata?.deletionTimestamp) return Action.awaitChange();
    const jobs = controller
      .store<JobView>(JOBS)
      .list()
      .filter(
        (j) =>
          j.metadata?.namespace === cronJob.metadata?.namespace &&
          isControlledBy(j.metadata?.ownerReferences, cronJob),
      );
    const job = latestFinishedJob(jobs);
    if (!job) return Action.awaitChange();
    const configMap = controller
      .store<KubernetesObject & { data?: Record<string, string> }>(CONFIG_MAPS)
      .get({ namespace: job.metadata?.namespace, name: job.metadata?.name ?? '' });
    // Only a ConfigMap the job's own pod wrote (controlled by this Job, by uid) is its report.
    const reportText =
      configMap &&
      configMap.metadata?.labels?.[REPORT_LABEL] !== undefined &&
      isControlledBy(configMap.metadata?.ownerReferences, job)
        ? configMap.data?.[REPORT_DATA_KEY]
        : undefined;
    const built = assessmentReport({ cronJob, job, reportText, policy: policy.name });
    const desired = {
      ...built,
      metadata: {
        ...built.metadata,
        labels: { ...cronJob.metadata?.labels },
        annotations: { [MANAGED_BY_ANNOTATION]: MANAGER },
        ownerReferences: [{ ...policy, controller: true, blockOwnerDeletion: true }],
      },
    };
    const live = controller
      .store<KubernetesObject>(TLS_ASSESSMENT_REPORTS)
      .get({ name: desired.metadata.name });
    const { result } = await client.createOrUpdate(TLS_ASSESSMENT_REPORTS, desired, live, (current) =>
      isControlledBy(current.metadata?.ownerReferences, {
        ...policy,
        metadata: { name: policy.name, uid: policy.uid },
      }),
    );
    if (result !== 'unchanged') {
      options.logger.info(`${result} TLSAssessmentReport ${desired.metadata.name}`, {
        job: job.metadata?.name,
        outcome: built.scan.outcome,
        failingEndpoints: built.summary.failingEndpoints,
      });
    }
    return Action.awaitChange();
  };

  return {
    reconciles,
    get ready() {
      return controller.ready;
    },
    start: () => controller.start(reconcile, undefined),
    stop: () => controller.stop(),
  };
}
