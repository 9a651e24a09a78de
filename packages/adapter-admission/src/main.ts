#!/usr/bin/env node
import { exitOnFailure, runComponent } from '@nimbus-ts/k8s';
import { createAdmissionWebhook } from './webhook/admission-webhook.js';
import { WEBHOOK_ENV, webhookConfig } from './webhook/config.js';

// The image admission webhook's deployment entry point. Every replica serves (run it with --leader-elect=false):
// the apiserver may call any of them. Its settings come from the environment (WEBHOOK_*, CLAIR_*; `--help`
// lists them) and are read first, so a mistake fails at start-up with the fix.
exitOnFailure('nimbus-clair-webhook', async () => {
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  if (help) process.stdout.write(`${WEBHOOK_ENV}\n\n`);
  const config = help ? undefined : webhookConfig(process.env);
  await runComponent({
    defaults: { program: 'nimbus-clair-webhook', leaseName: 'nimbus-clair-webhook', resync: '10m' },
    logName: 'nimbus-clair-webhook',
    metricsPrefix: 'nimbus_clair_webhook',
    create: (kc, { logger, metrics, config: component }) => {
      if (!config) throw new Error('unreachable: --help returns before create');
      return createAdmissionWebhook(kc, { config, logger, metrics, identity: component.identity });
    },
  });
});
