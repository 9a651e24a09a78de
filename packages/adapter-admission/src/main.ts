#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { admissionDeclaration } from './adapter.js';
import { createAdmissionWebhook } from './webhook/admission-webhook.js';
import { WEBHOOK_ENV, webhookConfig } from './webhook/config.js';

// The admission adapter's deployment entry point: the SDK builds ImageAdmissionPolicies from NimbusPolicies and
// the webhook, in the same process, enforces them. Every replica serves the webhook from the start (it needs no
// leadership: the apiserver may call any of them), while only the holder of the Lease builds, so no write or Event
// is doubled. Its settings come from the environment (WEBHOOK_*, CLAIR_*; `--help` lists them) and are read
// first, so a mistake fails at start-up with the fix.
exitOnFailure('nimbus-admission', async () => {
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  if (help) process.stdout.write(`${WEBHOOK_ENV}\n\n`);
  const config = help ? undefined : webhookConfig(process.env);
  await runAdapter(admissionDeclaration, {
    extend: (kc, { logger, metrics, config: component }) => {
      if (!config) return [];
      return [createAdmissionWebhook(kc, { config, logger, metrics, identity: component.identity })];
    },
  });
});
