#!/usr/bin/env node
import { exitOnFailure, runComponent } from '@nimbus-ts/k8s';
import { OPERATOR_DEFAULTS } from './config.js';
import { createOperator } from './operator.js';

// The core-operator process: flags, probes and metrics, leader election and a graceful shutdown come from
// runComponent; this file only says what runs.
exitOnFailure('core-operator', () =>
  runComponent({
    defaults: OPERATOR_DEFAULTS,
    logName: 'core-operator',
    metricsPrefix: 'nimbus_core_operator',
    create: (kc, { logger, metrics, config }) =>
      createOperator(kc, { logger, metrics, resyncMs: config.resyncMs, concurrency: config.concurrency }),
  }),
);
