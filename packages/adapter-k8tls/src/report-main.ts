#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger, exitOnFailure, loadClusterConnection } from '@nimbus-ts/k8s';
import { REPORT_PATH } from './build.js';
import { reportJobFromEnv, storeReport } from './reporter.js';

// The scan job's report step (`nimbus-k8tls-report`): hands the k8tls report to the adapter through a ConfigMap.
exitOnFailure('nimbus-k8tls-report', async () => {
  const { values } = parseArgs({
    options: {
      report: { type: 'string', default: REPORT_PATH },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: nimbus-k8tls-report [--report=PATH] [--kubeconfig=PATH]\n\nStores the k8tls report of this job in the ConfigMap named after the job\n(environment: JOB_NAME, JOB_UID, POD_NAMESPACE).\n',
    );
    return;
  }
  const logger = createLogger('nimbus-k8tls-report');
  const kc = loadClusterConnection(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {});
  await storeReport(kc, { reportPath: values.report, job: reportJobFromEnv(process.env), logger });
});
