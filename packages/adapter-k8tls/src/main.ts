#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { createK8tlsAdapter } from './adapter.js';
import { K8TLS_ENV, k8tlsConfigFromEnv } from './config.js';
import { createResultsController } from './results-controller.js';

// The k8tls adapter's deployment entry point: the SDK keeps the CronJobs of assessTLS ClusterNimbusPolicies, and
// the results controller, under the same Lease, turns the finished scans into TLSAssessmentReports.
exitOnFailure('nimbus-k8tls', async () => {
  if (process.argv.includes('--help') || process.argv.includes('-h'))
    process.stdout.write(`${K8TLS_ENV}\n\n`);
  const config = k8tlsConfigFromEnv(process.env);
  await runAdapter(createK8tlsAdapter(config), {
    extend: (kc, { logger, metrics }) => [
      createResultsController(kc, { logger, metrics, namespace: config.namespace }),
    ],
  });
});
