#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { netpolAdapter } from './adapter.js';

// The deployable: flags (--help), probes, metrics, leader election and the announcement Lease come with it.
exitOnFailure('nimbus-netpol', () => runAdapter(netpolAdapter));
