#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { ClairClient, ImageScanner } from '@nimbus-ts/clair-client';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { clairScanDeclaration } from './adapter.js';
import { SCANNER_ENV, scannerConfig } from './scanner/config.js';
import { ScanMetrics } from './scanner/metrics.js';
import { createNotificationReceiver } from './scanner/notification-receiver.js';
import { createScanController } from './scanner/scan-controller.js';

// The Clair adapter's deployment entry point: the SDK builds ImageScanPolicies from NimbusPolicies, and the
// scanner, under the same Lease, scans what they select. Read the scanner's settings first, so a missing
// CLAIR_URL fails at start-up with the fix rather than at the first scan.
exitOnFailure('nimbus-clair', async () => {
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  if (help) process.stdout.write(`${SCANNER_ENV}\n\n`);
  const config = help ? undefined : scannerConfig(process.env);
  await runAdapter(clairScanDeclaration, {
    extend: (kc, { logger, metrics }) => {
      if (!config) return [];
      const scanMetrics = new ScanMetrics(metrics.registry);
      const clair = new ClairClient({
        url: config.clairUrl,
        ...(config.pskKey ? { auth: { key: config.pskKey, issuer: config.issuer } } : {}),
      });
      const scanner = new ImageScanner({
        clair,
        logger,
        concurrency: config.concurrency,
        insecureRegistries: config.insecureRegistries,
        metrics: scanMetrics,
      });
      const controller = createScanController(kc, {
        logger,
        scanner,
        metrics,
        scanMetrics,
        namespaces: config.namespaces,
        // For the fix a refused Secret read names; the Deployment sets POD_NAMESPACE.
        serviceAccount: `${process.env.POD_NAMESPACE || 'nimbus-system'}:nimbus-clair`,
      });
      if (!config.notifier || !config.pskKey) return [controller];
      return [
        controller,
        createNotificationReceiver({
          clair,
          pskKey: config.pskKey,
          port: config.notifier.port,
          ...(config.notifier.tls ? { tls: config.notifier.tls } : {}),
          logger,
          refresh: (digests) => controller.refresh(digests),
        }),
      ];
    },
  });
});
