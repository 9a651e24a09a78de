import { readFile } from 'node:fs/promises';
import { ApiError, type ApiServerAccess, type Logger, ObjectClient } from '@nimbus-ts/k8s';
import { CONFIG_MAPS } from './kinds.js';
import { type ReportJob, reportConfigMap } from './report/report-configmap.js';

/** Where the reporter finds the report and whose it is. */
export interface StoreReportOptions {
  /** The k8tls JSON report written by the scan step. */
  readonly reportPath: string;
  /** The job this pod runs for. */
  readonly job: ReportJob;
  readonly logger: Logger;
}

/**
 * The scan job's last step (`nimbus-k8tls-report`): stores the k8tls report in the ConfigMap named after the job
 * (see {@link reportConfigMap}). A ConfigMap of that name already there is an earlier pod of the same job that
 * stored it: nothing to do (so the ServiceAccount needs `create` on ConfigMaps and nothing else).
 *
 * @returns whether this call created the ConfigMap.
 * @throws Error naming the file when the report is missing (the scan wrote none) or too large.
 */
export async function storeReport(kc: ApiServerAccess, options: StoreReportOptions): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(options.reportPath, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the k8tls report ${options.reportPath}: ${(error as Error).message}; the k8tls step wrote no report (see its logs)`,
    );
  }
  const configMap = reportConfigMap(options.job, text);
  const client = new ObjectClient(kc, 'nimbus-k8tls-report');
  try {
    await client.create(CONFIG_MAPS, configMap);
  } catch (error) {
    if (error instanceof ApiError && error.code === 409) {
      options.logger.info('the report of this job is already stored', { configMap: options.job.name });
      return false;
    }
    throw error;
  }
  options.logger.info('stored the k8tls report', {
    configMap: `${options.job.namespace}/${options.job.name}`,
    bytes: Buffer.byteLength(configMap.data['report.json'] ?? ''),
  });
  return true;
}

/** The job of this pod from the reporter's environment (the downward API variables the CronJob sets). */
export function reportJobFromEnv(env: NodeJS.ProcessEnv): ReportJob {
  const missing = ['JOB_NAME', 'JOB_UID', 'POD_NAMESPACE'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set; nimbus-k8tls-report runs inside the k8tls adapter's scan jobs, whose pod template sets them from the downward API`,
    );
  }
  return { name: env.JOB_NAME ?? '', uid: env.JOB_UID ?? '', namespace: env.POD_NAMESPACE ?? '' };
}
